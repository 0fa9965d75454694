"""A service's parts added to its :class:`~cpf_runtime.service.Runtime`, the same way in
every ``main.py``: routers (``api/``), consumers (``consumers.py``), jobs (``jobs.py``)
and commands (``commands.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from fastapi import APIRouter

from cpf_runtime.service import Command, Job, Runtime


def assemble(
    runtime: Runtime,
    *,
    routers: Iterable[APIRouter] = (),
    subscribe: Callable[[Runtime], None] | None = None,
    jobs: Iterable[tuple[str, Job]] = (),
    commands: Iterable[Command] = (),
) -> Runtime:
    """Add the parts to ``runtime`` and return it (``subscribe`` adds the consumers)."""
    runtime.routers.extend(routers)
    if subscribe is not None:
        subscribe(runtime)
    for name, job in jobs:
        runtime.job(name, job)
    runtime.commands.extend(commands)
    return runtime
