"""Password hashing with argon2id, off the event loop.

A hash costs tens of milliseconds of CPU: run on the event loop it would stall every other
request. Hashes run on a small dedicated thread pool (argon2-cffi releases the GIL), whose
size bounds the CPU and memory that a burst of logins can take.
"""

from __future__ import annotations

import asyncio
import secrets
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from argon2 import PasswordHasher as Argon2
from argon2 import Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from prometheus_client import Gauge

QUEUED = Gauge(
    "identity_password_hash_queue_length",
    "Password hashes and verifications waiting for a thread of the argon2 pool",
)
RUNNING = Gauge(
    "identity_password_hash_running", "Password hashes and verifications being computed"
)

T = TypeVar("T")


class PasswordHasher:
    def __init__(
        self, *, memory_kib: int, time_cost: int, parallelism: int, threads: int = 2
    ) -> None:
        self._argon2 = Argon2(
            time_cost=time_cost,
            memory_cost=memory_kib,
            parallelism=parallelism,
            type=Type.ID,
        )
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="argon2")
        self._threads = threads
        self._pending = 0  # submitted and not finished, on this loop's thread only
        # Made now (at start-up, before the event loop runs), so that the first unknown
        # login costs what every other one costs.
        self._dummy = self._argon2.hash(secrets.token_urlsafe(16))

    async def _run(self, fn: partial[T]) -> T:
        self._pending += 1
        self._report()
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, fn)
        finally:
            self._pending -= 1
            self._report()

    def _report(self) -> None:
        RUNNING.set(min(self._pending, self._threads))
        QUEUED.set(max(self._pending - self._threads, 0))

    @property
    def queue_length(self) -> int:
        """Hashes waiting for a thread (what ``identity_password_hash_queue_length`` shows)."""
        return max(self._pending - self._threads, 0)

    async def hash(self, password: str) -> str:
        return await self._run(partial(self._argon2.hash, password))

    async def verify(self, password_hash: str, password: str) -> bool:
        try:
            return await self._run(partial(self._argon2.verify, password_hash, password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    async def verify_dummy(self, password: str) -> None:
        """Spend what a real verification spends, for a login that matches no account, so
        that timing does not tell whether an account exists."""
        await self.verify(self._dummy, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return self._argon2.check_needs_rehash(password_hash)
