"""Brute-force protection: progressive delay, lock after N failures, generic 401, unlock."""

from datetime import UTC, datetime, timedelta

import pytest
from cpf_contracts.events.identity import AccountLocked, AccountUnlocked
from cpf_runtime.errors import DomainError
from cpf_runtime.problems import Problem
from identity.api.errors import problem_of
from identity.app.login import AccessToken, log_in
from identity.app.throttle import Throttle, ThrottleRules, lift_ended_locks
from identity.domain.account import AccountKind

AGENT = {
    "login": "agent@example.fr",
    "email": "agent@example.fr",
    "first_name": "Paul",
    "last_name": "Agent",
    "password_hash": "hash:Bon2026mdp",
}
RULES = ThrottleRules(
    max_failures=3,
    lock_duration=timedelta(minutes=15),
    free_failures=1,
    delay_step=timedelta(0),
    max_delay=timedelta(0),
    address_free_failures=0,
    address_max_failures=10,
)


@pytest.fixture
def attempt(run, hasher, keyring, clock, token_rules):
    throttle = Throttle(RULES)

    async def answer(password: str, login: str = "agent@example.fr", address: str = "192.0.2.1"):
        """The access token, or the problem a refusal is answered with."""
        try:
            return await run(
                log_in,
                AccountKind.OPERATEUR,
                login,
                password,
                hasher=hasher,
                keys=keyring,
                clock=clock,
                rules=token_rules,
                throttle=throttle,
                address=address,
            )
        except DomainError as error:
            return problem_of(error)

    return answer


async def test_the_lock_after_n_failures_answers_the_generic_401_until_it_ends(
    new_account, attempt, run, accounts, uow, clock, hasher
) -> None:
    owner = new_account(AccountKind.OPERATEUR, **AGENT)
    accounts.accounts[owner.id] = owner
    unknown = await attempt("Faux", login="personne@example.fr")
    assert isinstance(unknown, Problem)
    for _ in range(3):
        refused = await attempt("Faux")
        assert isinstance(refused, Problem)
        assert refused.body() == unknown.body()
    (locked,) = uow.events_of(AccountLocked)
    assert isinstance(locked, AccountLocked)
    assert locked.locked_until == clock.now + timedelta(minutes=15)

    work = hasher.work
    right = await attempt("Bon2026mdp")
    assert isinstance(right, Problem) and right.body() == unknown.body()
    assert hasher.work == work + 1  # the same argon2 work as any attempt

    clock.advance(timedelta(minutes=15))
    assert await run(lift_ended_locks, clock=clock) == 1
    assert len(uow.events_of(AccountUnlocked)) == 1
    assert isinstance(await attempt("Bon2026mdp", address="192.0.2.2"), AccessToken)
    assert accounts.accounts[owner.id].failed_logins == 0


async def test_a_success_resets_the_count(new_account, attempt, accounts, uow) -> None:
    owner = new_account(AccountKind.OPERATEUR, **AGENT)
    accounts.accounts[owner.id] = owner
    for _ in range(2):
        await attempt("Faux")
    assert isinstance(await attempt("Bon2026mdp"), AccessToken)
    for _ in range(2):
        await attempt("Faux")
    assert uow.events_of(AccountLocked) == []


async def test_an_address_with_too_many_failures_gets_a_429(attempt) -> None:
    for n in range(10):
        await attempt("Faux", login=f"x{n}@example.fr")
    refused = await attempt("Faux", login="autre@example.fr")
    assert isinstance(refused, Problem)
    assert refused.status == 429
    assert refused.headers and "Retry-After" in refused.headers
    other = await attempt("Faux", login="autre@example.fr", address="198.51.100.7")
    assert isinstance(other, Problem) and other.status == 401


def test_the_delay_grows_by_login_and_by_address_whether_the_login_exists_or_not() -> None:
    throttle = Throttle(
        ThrottleRules(
            delay_step=timedelta(milliseconds=100),
            max_delay=timedelta(seconds=1),
            free_failures=1,
            address_free_failures=3,
        )
    )
    now = datetime(2025, 1, 1, tzinfo=UTC)
    delays = []
    for _ in range(7):
        delays.append(throttle.delay("operateur:nobody", None, now))
        throttle.failed("operateur:nobody", "192.0.2.9", now)
    assert delays == [0.0, 0.0, 0.1, 0.2, 0.4, 0.8, 1.0]
    # Another login from the same address: only the address's own threshold applies.
    assert throttle.delay("operateur:other", "192.0.2.9", now) == pytest.approx(0.8)
    # The window forgets.
    later = now + ThrottleRules().window
    assert throttle.delay("operateur:nobody", "192.0.2.9", later) == 0.0
