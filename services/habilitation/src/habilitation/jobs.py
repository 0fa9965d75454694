"""Scheduled work. Habilitation's CPF space changes only when a person or an event asks
(bulk imports run inside their upload request, see ``app/bulk.py``); the démarches have two
jobs, each looping forever, one batch per unit of work:

- ``delegations-ended``: the delegations whose end date passed become ended, each with
  ``DelegationEnded`` (access already stopped at the date: the authorization check and the
  home compare it with the clock on every request);
- ``invitations-expired``: pending invitations past their time become expired, each with
  ``InvitationExpired`` (accepting one is refused from its expiry on, whatever the job).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import cast

from cpf_runtime.clock import Clock
from cpf_runtime.service import Job, Runtime

from habilitation.app.demarches.delegations import end_delegations
from habilitation.app.demarches.invitations import expire_invitations
from habilitation.app.demarches.ports import DemarcheUow
from habilitation.settings import HabilitationSettings

log = logging.getLogger(__name__)

Batch = Callable[..., Awaitable[int]]


def _clock(runtime: Runtime) -> Clock:
    ports = getattr(runtime, "ports", None)
    assert ports is not None, "main.build sets the ports"
    return cast(Clock, ports.clock)


async def run_until_done(runtime: Runtime, batch: Batch) -> int:
    """Run ``batch`` in units of work until a batch finds nothing; how many rows changed."""
    total = 0
    while True:
        async with runtime.uow() as uow:
            done = await batch(cast(DemarcheUow, uow), clock=_clock(runtime))
        total += done
        if not done:
            return total


def _every_interval(name: str, batch: Batch) -> Job:
    async def run(runtime: Runtime) -> None:
        settings = runtime.settings
        assert isinstance(settings, HabilitationSettings)
        while True:
            done = await run_until_done(runtime, batch)
            if done:
                log.info("démarche job", extra={"job": name, "count": done})
            await asyncio.sleep(settings.demarche_jobs_interval_seconds)

    return run


JOBS: tuple[tuple[str, Job], ...] = (
    ("delegations-ended", _every_interval("delegations-ended", end_delegations)),
    ("invitations-expired", _every_interval("invitations-expired", expire_invitations)),
)
