"""Brute-force protection of logins, after Keycloak's brute-force detection.

Two layers:

- **In memory, per process**: recent failures by login (known or not) and by client
  address, in a sliding window. Each failure beyond ``free_failures`` of a login (beyond
  ``address_free_failures`` of an address, shared by the people behind a NAT) adds a
  progressive delay (``delay_step`` doubled per failure, at most ``max_delay``) before the
  next attempt of that login or address is checked; the delay is an ``asyncio.sleep``, so
  it costs no CPU.
  An address with ``address_max_failures`` failures in the window is refused with a 429
  until the window moves on. Keying the delay by the login *string* (not the account) makes
  unknown logins slow down exactly like known ones: the delay tells nothing.
  Every attempt is counted when it is admitted, before the password is checked
  (:meth:`Throttle.reserve`), and given back when it succeeds: a burst cannot pass the cap
  by being checked all at once.
- **In the database, per account**: consecutive failures, counted by one statement after
  the hash that skips an account locked meanwhile, and re-read under the row lock before a
  right password is accepted; at ``max_failures`` the account is locked for
  ``lock_duration`` (``AccountLocked``); the lock ends by time (the unlock job
  publishes ``AccountUnlocked``) or by a password reset. A locked account answers the same
  generic 401 as an unknown login or a wrong password, after the same argon2 work, even
  when the password is right: a client learns nothing it did not know.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cpf_contracts.events.identity import AccountUnlocked
from cpf_runtime.clock import Clock

from identity.app.ports import Uow
from identity.domain.errors import TooManyAttempts

UNLOCK_BATCH = 100
REFUSAL_MEMORY = timedelta(days=1)
"""How long the refusals of unknown logins are kept (``login_refusal``)."""


@dataclass(frozen=True)
class ThrottleRules:
    max_failures: int = 5
    lock_duration: timedelta = timedelta(minutes=15)
    free_failures: int = 1
    delay_step: timedelta = timedelta(milliseconds=250)
    max_delay: timedelta = timedelta(seconds=8)
    window: timedelta = timedelta(minutes=15)
    address_free_failures: int = 20
    address_max_failures: int = 100


@dataclass
class FailureCounter:
    """Recent failures by key, in memory; bounded (oldest keys dropped past ``max_keys``)."""

    window: timedelta
    max_keys: int = 100_000
    _seen: dict[str, deque[datetime]] = field(default_factory=dict)

    def count(self, key: str, now: datetime) -> int:
        times = self._seen.get(key)
        if not times:
            return 0
        while times and now - times[0] >= self.window:
            times.popleft()
        if not times:
            del self._seen[key]
            return 0
        return len(times)

    def add(self, key: str, now: datetime) -> None:
        if key not in self._seen and len(self._seen) >= self.max_keys:
            del self._seen[next(iter(self._seen))]
        self._seen.setdefault(key, deque()).append(now)

    def clear(self, key: str) -> None:
        self._seen.pop(key, None)

    def take_back(self, key: str) -> None:
        """Forget the latest failure of ``key`` (a reservation that turned out a success)."""
        times = self._seen.get(key)
        if times:
            times.pop()
            if not times:
                del self._seen[key]


class Throttle:
    def __init__(self, rules: ThrottleRules) -> None:
        self.rules = rules
        self.by_login = FailureCounter(rules.window)
        self.by_address = FailureCounter(rules.window)

    def check_address(self, address: str | None, now: datetime) -> None:
        if address and self.by_address.count(address, now) >= self.rules.address_max_failures:
            raise TooManyAttempts(int(self.rules.window.total_seconds()))

    def delay(self, login_key: str, address: str | None, now: datetime) -> float:
        """Seconds to wait before checking this attempt."""
        extra = self.by_login.count(login_key, now) - self.rules.free_failures
        if address:
            by_address = self.by_address.count(address, now) - self.rules.address_free_failures
            extra = max(extra, by_address)
        if extra <= 0:
            return 0.0
        step = self.rules.delay_step.total_seconds() * 2 ** min(extra - 1, 20)
        return min(step, self.rules.max_delay.total_seconds())

    def failed(self, login_key: str, address: str | None, now: datetime) -> None:
        self.by_login.add(login_key, now)
        if address:
            self.by_address.add(address, now)

    def reserve(self, login_key: str, address: str | None, now: datetime) -> float:
        """Admit an attempt, counted as a failure before any work is done (a success gives
        it back); the seconds it must wait first. ``TooManyAttempts`` past the address's cap.

        Check and count happen with no ``await`` between them, so a burst of simultaneous
        attempts is admitted one by one: the 101st of an address is refused whatever the
        others' outcome, and each waits the delay its rank deserves.
        """
        self.check_address(address, now)
        wait = self.delay(login_key, address, now)
        self.failed(login_key, address, now)
        return wait

    def succeeded(self, login_key: str, address: str | None = None) -> None:
        self.by_login.clear(login_key)
        if address:
            self.by_address.take_back(address)


@dataclass(frozen=True)
class NoticeRules:
    per_account: int = 3
    per_address: int = 20
    window: timedelta = timedelta(hours=1)


class NoticeLimits:
    """How many e-mails requests may cause (V7): reset links and "existing account" notices
    per account, « mot de passe oublié » requests per address; in memory, per process.

    Past a limit the request gets the same answer and does the same work, only no e-mail
    leaves: nothing tells the caller whether an account exists. Each check counts at once
    (no ``await`` between check and count), so a burst is admitted one by one.
    """

    def __init__(self, rules: NoticeRules) -> None:
        self.rules = rules
        self.sent = FailureCounter(rules.window)

    def _take(self, key: str, limit: int, now: datetime) -> bool:
        if self.sent.count(key, now) >= limit:
            return False
        self.sent.add(key, now)
        return True

    def for_account(self, what: str, account_id: object, now: datetime) -> bool:
        return self._take(f"{what}:account:{account_id}", self.rules.per_account, now)

    def for_address(self, what: str, address: str | None, now: datetime) -> bool:
        if not address:
            return True
        return self._take(f"{what}:address:{address}", self.rules.per_address, now)


async def lift_ended_locks(uow: Uow, *, clock: Clock) -> int:
    """Clear the locks whose time ran out and publish their end (one batch); how many."""
    now = clock()
    await uow.accounts.forget_refusals(now - REFUSAL_MEMORY)
    ended = await uow.accounts.lock_ended(now, UNLOCK_BATCH)
    for account in ended:
        account.locked_until = None
        account.failed_logins = 0
        await uow.accounts.save(account)
        uow.publish(AccountUnlocked(account_id=account.id, unlocked_at=now))
    return len(ended)
