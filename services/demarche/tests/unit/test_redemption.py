"""« Valider mon accès »: redeeming a code, the same answer for every wrong code, and the
attempt limits, on the fake unit of work (tests/integration fires them concurrently)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from cpf_contracts.events.demarche import ActivationCodeLocked, ActivationCodeRedeemed
from demarche.app.agents import Actor, grant_agent
from demarche.app.codes import IssuedCode, issue_code, reissue_code
from demarche.app.redemption import redeem_code
from demarche.domain.codes import Destinataire
from demarche.domain.errors import CodeLocked, DomainError, InvalidInput, TooManyAttempts, WrongCode
from demarche_world import DESTINATAIRE, OTHER_SIRET, SIRET, World


async def issue(world: World, siret: str = SIRET) -> IssuedCode:
    async with world.uow as uow:
        return await issue_code(
            uow,
            world.ports,
            world.agent,
            demarche="ceres",
            siret=siret,
            destinataire=Destinataire(**DESTINATAIRE),
        )


async def redeem(
    world: World,
    code: str,
    *,
    siret: str = SIRET,
    demarche: str = "ceres",
    account: uuid.UUID | None = None,
):
    async with world.uow as uow:
        return await redeem_code(
            uow,
            world.ports,
            account_id=account or uuid.uuid4(),
            demarche=demarche,
            siret=siret,
            code=code,
        )


async def refusal(world: World, code: str, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as refused:
        await redeem(world, code, **kwargs)
    return refused.value


async def test_the_right_code_makes_the_user_the_gestionnaire(world: World) -> None:
    issued = await issue(world)
    user = uuid.uuid4()
    got = await redeem(world, issued.clear.lower(), siret="732 829 320 00074", account=user)
    assert (got.demarche, got.siret, got.role) == ("ceres", SIRET, "gestionnaire_centres")
    [event] = world.uow.events_of(ActivationCodeRedeemed)
    assert (event.code_id, event.account_id, event.siret) == (issued.code.code_id, user, SIRET)
    assert event.redeemed_at == world.clock.now
    used = await world.uow.codes.get(issued.code.code_id)
    assert used is not None and used.redeemed_by == user and not used.live
    # The right attempt is given back: nothing counts against the SIRET or the account.
    assert world.uow.attempts.sirets[("ceres", SIRET)].failures == 0
    assert world.uow.attempts.accounts[user][0] == 0


async def test_every_wrong_code_gets_the_same_answer(world: World) -> None:
    used = await issue(world)
    await redeem(world, used.clear)
    replaced = await issue(world, OTHER_SIRET)
    async with world.uow as uow:
        await reissue_code(uow, world.ports, world.agent, demarche="ceres", siret=OTHER_SIRET)
        maf_agent = Actor(uuid.uuid4(), "operateur")
        await grant_agent(
            uow, world.clock, account_id=maf_agent.account_id,
            demarche="mon_activite_formation", service="DREETS", ville="Lyon",
        )  # fmt: skip
        elsewhere = await issue_code(
            uow, world.ports, maf_agent, demarche="mon_activite_formation", siret=SIRET,
            destinataire=Destinataire(**DESTINATAIRE),
        )  # fmt: skip
    cases = [
        dict(code="ZZZZZZZZZZZZ"),  # unknown
        dict(code=used.clear),  # used
        dict(code=replaced.clear, siret=OTHER_SIRET),  # replaced
        dict(code=replaced.clear, siret=SIRET),  # another SIRET's code
        dict(code=elsewhere.clear),  # another démarche's live code, on Ceres
        dict(code="court"),  # not even a code's shape
    ]
    answers = []
    for case in cases:
        error = await refusal(world, **case)
        assert type(error) is WrongCode, case
        answers.append((error.message, [(e.field, e.rule, e.message) for e in error.errors]))
    assert answers == [answers[0]] * len(cases)
    assert answers[0] == (
        "Le SIRET ou le code d'activation est incorrect.",
        [
            (
                "code_activation",
                "code_activation_incorrect",
                "Le SIRET ou le code d'activation est incorrect.",
            )
        ],
    )
    # The other démarche's code is still there for its own démarche.
    got = await redeem(world, elsewhere.clear, demarche="mon_activite_formation")
    assert got.role == "gestionnaire"


async def test_a_badly_formed_siret_is_refused_and_not_counted(world: World) -> None:
    user = uuid.uuid4()
    error = await refusal(world, "ZZZZZZZZZZZZ", siret="123", account=user)
    assert isinstance(error, InvalidInput) and error.errors[0].field == "siret"
    assert world.uow.attempts.accounts == {} and world.uow.attempts.sirets == {}


async def test_the_fifth_wrong_attempt_locks_the_sirets_code(world: World) -> None:
    issued = await issue(world)
    for _ in range(4):
        assert isinstance(await refusal(world, "ZZZZZZZZZZZZ"), WrongCode)
    assert world.uow.events_of(ActivationCodeLocked) == []
    assert isinstance(await refusal(world, "ZZZZZZZZZZZZ"), WrongCode)
    [locked] = world.uow.events_of(ActivationCodeLocked)
    assert (locked.code_id, locked.failed_attempts) == (issued.code.code_id, 5)
    # Even the right code is refused now, with a message that says what to do.
    error = await refusal(world, issued.clear)
    assert isinstance(error, CodeLocked)
    assert "contacter le service en charge de la démarche" in error.message
    assert [(e.field, e.rule) for e in error.errors] == [
        ("code_activation", "code_activation_bloque")
    ]
    assert world.uow.events_of(ActivationCodeRedeemed) == []
    assert world.uow.attempts.sirets[("ceres", SIRET)].failures == 5


async def test_a_siret_without_a_code_locks_just_the_same(world: World) -> None:
    for _ in range(5):
        assert isinstance(await refusal(world, "ZZZZZZZZZZZZ"), WrongCode)
    assert isinstance(await refusal(world, "ZZZZZZZZZZZZ"), CodeLocked)
    assert world.uow.events_of(ActivationCodeLocked) == []  # no code: no fact to publish


async def test_a_reissued_code_unlocks_the_siret(world: World) -> None:
    await issue(world)
    for _ in range(5):
        await refusal(world, "ZZZZZZZZZZZZ")
    async with world.uow as uow:
        second = await reissue_code(uow, world.ports, world.agent, demarche="ceres", siret=SIRET)
    got = await redeem(world, second.clear)
    assert got.role == "gestionnaire_centres"


async def test_an_account_waits_after_ten_wrong_codes_in_an_hour(world: World) -> None:
    user = uuid.uuid4()
    sirets = [SIRET, OTHER_SIRET]
    for n in range(10):  # spread over two SIRETs: no SIRET lock involved
        error = await refusal(world, "ZZZZZZZZZZZZ", account=user, siret=sirets[n % 2])
        assert isinstance(error, WrongCode | CodeLocked)
    world.clock.advance(timedelta(minutes=20))
    error = await refusal(world, "ZZZZZZZZZZZZ", account=user, siret=SIRET)
    assert isinstance(error, TooManyAttempts)
    assert error.retry_after == 40 * 60
    assert world.uow.attempts.accounts[user][0] == 10  # the refused one is not counted
    world.clock.advance(timedelta(minutes=40))
    error = await refusal(world, "ZZZZZZZZZZZZ", account=user, siret=OTHER_SIRET)
    assert not isinstance(error, TooManyAttempts)  # a new window


async def test_an_unknown_demarche_is_not_counted(world: World) -> None:
    with pytest.raises(DomainError):
        await redeem(world, "ZZZZZZZZZZZZ", demarche="inconnue")
    assert world.uow.attempts.accounts == {}
