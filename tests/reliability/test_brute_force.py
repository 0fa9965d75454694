"""Scenario 8, brute force: identity on a test clock (``FakeClock``) and real PostgreSQL,
attacked for simulated hours with concurrent wrong passwords from 1 and from 50 client
addresses (each its own TCP peer: identity trusts no proxy here).

A failure is *evaluated* when its verdict can reach the caller: the wrong password was
counted on the account (``echec_connexion`` in its history, written by the one statement
that counts it, ``SqlAccounts.count_failure``). While the account is locked every attempt
still costs the same argon2 verification (V8), but its answer is the same 401 whatever the
password, so it is not evaluated: those are reported apart (``hashes_verified``).
Invariant: at most 100 evaluated failures per account in any hour; the locked answer is
byte for byte the answer to a wrong password (status, headers, body).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from identity.domain.account import Account, AccountKind, AccountStatus
from identity_inproc import PASSWORD, WRONG, Identity, running_identity
from sqlalchemy import text

PER_HOUR = 100
VARYING_HEADERS = {"date", "x-request-id"}


class CountingHasher:
    """Identity's hasher, counting the verifications made against each stored hash."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.verified: Counter[str] = Counter()

    async def verify(self, password_hash: str, password: str) -> bool:
        self.verified[password_hash] += 1
        result: bool = await self.inner.verify(password_hash, password)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def counting(world: Identity) -> CountingHasher:
    hasher = CountingHasher(world.runtime.services.hasher)
    world.runtime.services = dataclasses.replace(world.runtime.services, hasher=hasher)
    return hasher


def login_body(account: Account, password: str) -> dict[str, str]:
    return {"identifiant": account.login, "mot_de_passe": password, "type_compte": account.kind}


@dataclass(frozen=True)
class Plan:
    hours: float
    step: timedelta
    """The test clock moves by ``step`` between two bursts."""
    targets: int
    burst_1: int
    """Wrong passwords per target and burst from the one address (more than the
    address's cap of 100 per 15 minutes, so that the cap is reached)."""
    burst_50: int


FAST = Plan(hours=1, step=timedelta(minutes=10), targets=1, burst_1=60, burst_50=50)
LONG = Plan(hours=4, step=timedelta(minutes=10), targets=2, burst_1=60, burst_50=50)


async def attack(
    world: Identity, targets: list[Account], addresses: list[str], plan: Plan, burst: int
) -> Counter[int]:
    """Every ``plan.step`` of the test clock, ``burst`` wrong passwords per target fired
    at once, spread over ``addresses``; the answers' statuses."""
    statuses: Counter[int] = Counter()
    sent = 0
    for _ in range(int(timedelta(hours=plan.hours) / plan.step)):
        calls = []
        for account in targets:
            for _ in range(burst):
                client = world.client(addresses[sent % len(addresses)])
                calls.append(client.post("/v1/token", json=login_body(account, f"{WRONG}{sent}")))
                sent += 1
        statuses.update(r.status_code for r in await asyncio.gather(*calls))
        world.clock.advance(plan.step)
    return statuses


async def failure_times(world: Identity, account: Account) -> list[datetime]:
    async with world.runtime.engine.connect() as conn:
        rows = await conn.scalars(
            text(
                "SELECT at FROM account_history WHERE account_id = :id "
                "AND what = 'echec_connexion' ORDER BY at"
            ),
            {"id": account.id},
        )
        return list(rows)


def most_in_an_hour(times: list[datetime]) -> int:
    """The most failures in any hour [t, t + 1 h) of the test clock."""
    best, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= timedelta(hours=1):
            start += 1
        best = max(best, end - start + 1)
    return best


async def run_attacks(world: Identity, plan: Plan) -> tuple[dict[str, Any], list[int]]:
    hasher = counting(world)
    figures: dict[str, Any] = {"hours": plan.hours, "accounts": plan.targets}
    worst: list[int] = []
    for label, addresses, burst in (
        ("1addr", ["203.0.113.1"], plan.burst_1),
        ("50addr", [f"198.51.100.{n}" for n in range(1, 51)], plan.burst_50),
    ):
        targets = [await world.add_account() for _ in range(plan.targets)]
        statuses = await attack(world, targets, addresses, plan, burst)
        evaluated = [await failure_times(world, t) for t in targets]
        worst += [most_in_an_hour(times) for times in evaluated]
        figures[f"{label}_attempts"] = sum(statuses.values())
        figures[f"{label}_401"] = statuses[401]
        figures[f"{label}_429"] = statuses[429]
        figures[f"{label}_evaluated"] = sum(len(times) for times in evaluated)
        figures[f"{label}_max_evaluated_per_account_hour"] = max(
            most_in_an_hour(times) for times in evaluated
        )
        figures[f"{label}_hashes_verified"] = sum(hasher.verified[t.password_hash] for t in targets)
        assert set(statuses) <= {401, 429}, statuses
        # The owner is not locked out for good: once the lock ends, the right password works.
        world.clock.advance(timedelta(seconds=world.runtime.settings.login_lock_seconds + 1))
        owner = await world.client("192.0.2.200").post(
            "/v1/token", json=login_body(targets[0], PASSWORD)
        )
        figures[f"{label}_owner_after_lock"] = owner.status_code
        assert owner.status_code == 200, owner.text
    return figures, worst


async def test_brute_force_one_hour_from_1_and_50_addresses(postgres, report) -> None:
    async with running_identity(postgres) as world:
        figures, worst = await run_attacks(world, FAST)
    report("brute-force", **figures)
    assert max(worst) <= PER_HOUR, figures


@pytest.mark.slow_reliability
async def test_brute_force_four_hours_two_accounts(postgres, report) -> None:
    async with running_identity(postgres) as world:
        figures, worst = await run_attacks(world, LONG)
    report("brute-force-4h", **figures)
    assert max(worst) <= PER_HOUR, figures


def answer(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    headers = sorted((k, v) for k, v in response.headers.items() if k not in VARYING_HEADERS)
    return response.status_code, headers, response.content


async def test_the_locked_answer_is_the_wrong_password_answer(postgres, report) -> None:
    async with running_identity(postgres) as world:
        client = world.client()
        active = await world.add_account(AccountKind.OPERATEUR)
        wrong = await client.post("/v1/token", json=login_body(active, WRONG))
        for n in range(world.runtime.settings.login_max_failures):
            await client.post("/v1/token", json=login_body(active, f"{WRONG}{n}"))
        locked_wrong = await client.post("/v1/token", json=login_body(active, WRONG))
        locked_right = await client.post("/v1/token", json=login_body(active, PASSWORD))
        pending = await world.add_account(AccountKind.OPERATEUR, status=AccountStatus.PENDING)
        pending_right = await client.post("/v1/token", json=login_body(pending, PASSWORD))
        unknown = await client.post(
            "/v1/token", json=login_body(dataclasses.replace(active, login="x@example.fr"), WRONG)
        )
    others = {
        "locked_wrong": locked_wrong,
        "locked_right": locked_right,
        "pending_right": pending_right,
        "unknown": unknown,
    }
    differing = [name for name, r in others.items() if answer(r) != answer(wrong)]
    report(
        "brute-force-locked-answer",
        status=wrong.status_code,
        compared=len(others),
        differing=len(differing),
        body_bytes=len(wrong.content),
    )
    assert wrong.status_code == 401
    assert differing == [], {n: (r.status_code, r.text) for n, r in others.items()}
