"""The limits and single use under concurrent requests, through the real app on PostgreSQL
(asyncio.gather): every check-then-act is one statement or runs under a row lock."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter

from demarche_api import ORGANISATION, SIRET, Api

LIMIT = 5  # DEMARCHE_REDEMPTION_MAX_FAILURES_PER_SIRET's default


async def test_thirty_wrong_attempts_and_the_right_code_at_once(api: Api) -> None:
    agent = await api.agent()
    issued = await api.issue(agent)
    # One account each: only the SIRET's limit is at stake here.
    wrong = [api.redeem(f"WRONG{n:07d}".replace("0", "A")) for n in range(30)]
    right = api.redeem(issued["code_activation"])
    *answers, right_answer = await asyncio.gather(*wrong, right)
    statuses = Counter(r.status_code for r in answers)
    # Exactly the limit's wrong attempts were compared; every later one met the lock.
    assert statuses[422] == LIMIT, statuses
    assert statuses[423] == 30 - LIMIT, statuses
    [(failures, locked_at)] = await api.sql(
        "SELECT failures, locked_at FROM siret_attempt WHERE siret = :s", s=SIRET
    )
    assert failures == LIMIT and locked_at is not None
    [(redeemed_at,)] = await api.sql("SELECT redeemed_at FROM activation_code")
    types = [t for (t,) in await api.sql("SELECT type FROM outbox ORDER BY id")]
    if right_answer.status_code == 200:
        # It came before the lock: the code was used, and no code remained to lock.
        assert redeemed_at is not None and redeemed_at <= locked_at
        assert types.count("fr.cpf.demarche.activation_code.redeemed.v1") == 1
        assert "fr.cpf.demarche.activation_code.locked.v1" not in types
    else:
        # After the lock: refused like the others, and the code is still unused.
        assert right_answer.status_code == 423
        assert redeemed_at is None
        assert "fr.cpf.demarche.activation_code.redeemed.v1" not in types
        assert types.count("fr.cpf.demarche.activation_code.locked.v1") == 1
    # Every locked answer is the same and says what to do.
    locked = {json.dumps(r.json(), sort_keys=True) for r in answers if r.status_code == 423}
    assert len(locked) == 1
    assert "contacter le service en charge de la démarche" in json.loads(locked.pop())["detail"]


async def test_the_right_code_after_the_lock_is_refused(api: Api) -> None:
    agent = await api.agent()
    issued = await api.issue(agent)
    await asyncio.gather(*(api.redeem("ZZZZZZZZZZZZ") for _ in range(12)))
    response = await api.redeem(issued["code_activation"])
    assert response.status_code == 423
    assert response.json()["errors"][0]["rule"] == "code_activation_bloque"
    [(failures,)] = await api.sql("SELECT failures FROM siret_attempt")
    assert failures == LIMIT


async def test_a_siret_without_a_code_locks_alike(api: Api) -> None:
    answers = await asyncio.gather(*(api.redeem("ZZZZZZZZZZZZ") for _ in range(10)))
    assert Counter(r.status_code for r in answers) == {422: LIMIT, 423: 10 - LIMIT}


async def test_twenty_redemptions_of_one_code_give_one_success(api: Api) -> None:
    agent = await api.agent()
    issued = await api.issue(agent)
    users = [uuid.uuid4() for _ in range(20)]
    answers = await asyncio.gather(
        *(api.redeem(issued["code_activation"], user=api.portail(u)) for u in users)
    )
    # The first to hold the SIRET's counter wins; each later one is a wrong code (the code
    # is used) and counts, until the fifth locks the SIRET.
    statuses = Counter(r.status_code for r in answers)
    assert statuses == {200: 1, 422: LIMIT, 423: 20 - 1 - LIMIT}, statuses
    [(redeemed_by,)] = await api.sql("SELECT redeemed_by FROM activation_code")
    winner = next(u for u, r in zip(users, answers, strict=True) if r.status_code == 200)
    assert redeemed_by == winner
    redeemed = await api.sql("SELECT 1 FROM outbox WHERE type LIKE '%.redeemed.v1'")
    assert len(redeemed) == 1


async def test_one_account_gets_ten_wrong_attempts_an_hour_then_waits(api: Api) -> None:
    user = api.portail(uuid.uuid4())
    sirets = [SIRET, "35600000000010", "44306184100047"]  # never 5 on one SIRET
    answers = await asyncio.gather(
        *(api.redeem("ZZZZZZZZZZZZ", siret=sirets[n % 3], user=user) for n in range(25))
    )
    statuses = Counter(r.status_code for r in answers)
    assert statuses[429] == 25 - 10, statuses
    refused = next(r for r in answers if r.status_code == 429)
    assert 3500 <= int(refused.headers["retry-after"]) <= 3600
    [(failures,)] = await api.sql("SELECT failures FROM account_attempt")
    assert failures == 10


async def test_concurrent_issues_for_one_siret_give_one_code(api: Api) -> None:
    agent = await api.agent()
    body = {"siret": SIRET} | ORGANISATION
    answers = await asyncio.gather(
        *(api.client.post("/v1/demarches/ceres/codes", json=body, headers=agent) for _ in range(10))
    )
    assert Counter(r.status_code for r in answers) == {201: 1, 409: 9}
    assert len(await api.sql("SELECT 1 FROM activation_code")) == 1


async def test_concurrent_reissues_leave_one_live_code(api: Api) -> None:
    agent = await api.agent()
    await api.issue(agent)
    url = f"/v1/demarches/ceres/codes/{SIRET}/reissue"
    answers = await asyncio.gather(*(api.client.post(url, headers=agent) for _ in range(8)))
    assert Counter(r.status_code for r in answers)[201] >= 1
    live = await api.sql(
        "SELECT 1 FROM activation_code WHERE redeemed_at IS NULL AND replaced_at IS NULL"
    )
    assert len(live) == 1


async def test_reissues_and_redemptions_at_once_never_fail_the_server(api: Api) -> None:
    # Both take the SIRET's counter before the code: they wait for each other, never
    # deadlock (a deadlock would be a 500).
    agent = await api.agent()
    issued = await api.issue(agent)
    url = f"/v1/demarches/ceres/codes/{SIRET}/reissue"
    answers = await asyncio.gather(
        *(api.client.post(url, headers=agent) for _ in range(4)),
        *(api.redeem(issued["code_activation"]) for _ in range(4)),
        *(api.redeem("ZZZZZZZZZZZZ") for _ in range(4)),
    )
    assert all(r.status_code < 500 for r in answers), [r.status_code for r in answers]
    live = await api.sql(
        "SELECT 1 FROM activation_code WHERE redeemed_at IS NULL AND replaced_at IS NULL"
    )
    redeemed = await api.sql("SELECT 1 FROM activation_code WHERE redeemed_at IS NOT NULL")
    assert len(live) + len(redeemed) == 1
