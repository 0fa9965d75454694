"""Scheduled work: each job loops forever, one batch per unit of work."""

from __future__ import annotations

import asyncio
import logging

from cpf_runtime.service import Job, Runtime

from identity.app.antirobot import forget_used_challenges
from identity.app.provisioning import purge_unused
from identity.app.services import Services
from identity.app.throttle import lift_ended_locks
from identity.store.uow import ours

log = logging.getLogger(__name__)


def purge_job(services: Services, interval_seconds: float) -> Job:
    """Every ``interval_seconds``: delete the gestionnaire accounts never logged into within
    their 15 days, in batches, each published as ``AccountDeleted(never_logged_in)``."""

    async def run(runtime: Runtime) -> None:
        while True:
            while True:
                async with ours(runtime.uow()) as uow:
                    deleted = await purge_unused(uow, clock=services.clock)
                if not deleted:
                    break
                log.info("unused gestionnaire accounts deleted", extra={"count": deleted})
            await asyncio.sleep(interval_seconds)

    return run


def unlock_job(services: Services, interval_seconds: float) -> Job:
    """Every ``interval_seconds``: lift the locks whose time ran out (``AccountUnlocked``),
    and forget the used anti-robot challenges that have expired."""

    async def run(runtime: Runtime) -> None:
        while True:
            while True:
                async with ours(runtime.uow()) as uow:
                    lifted = await lift_ended_locks(uow, clock=services.clock)
                    await forget_used_challenges(uow, clock=services.clock)
                if not lifted:
                    break
            await asyncio.sleep(interval_seconds)

    return run
