"""The dependencies of habilitation's routes (``Annotated`` aliases)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from cpf_runtime.deps import CurrentPrincipal, RuntimeDep, on_loop
from cpf_runtime.service import Runtime
from fastapi import Depends

from habilitation.app.common import Actor
from habilitation.app.ports import Ports
from habilitation.settings import HabilitationSettings
from habilitation.store.uow import HabilitationUnitOfWork


@dataclass
class HabilitationRuntime(Runtime):
    """The runtime with the ports the routes hand to the use cases (set by ``main.build``)."""

    ports: Ports | None = None


def _runtime(runtime: Runtime) -> HabilitationRuntime:
    assert isinstance(runtime, HabilitationRuntime), "built by habilitation.main.build"
    return runtime


def get_uow(runtime: RuntimeDep) -> HabilitationUnitOfWork:
    """A fresh unit of work; the route opens it with ``async with`` (its one commit point)."""
    uow = _runtime(runtime).uow()
    assert isinstance(uow, HabilitationUnitOfWork), "Runtime(uow_class=HabilitationUnitOfWork)"
    return uow


def get_reader(runtime: RuntimeDep) -> HabilitationUnitOfWork:
    """A unit of work for a route that only reads: its statements run outside a transaction
    (one round trip each), and a write or an event is refused (``Runtime.reader``)."""
    uow = _runtime(runtime).reader()
    assert isinstance(uow, HabilitationUnitOfWork), "Runtime(uow_class=HabilitationUnitOfWork)"
    return uow


def get_ports(runtime: RuntimeDep) -> Ports:
    ports = _runtime(runtime).ports
    assert ports is not None, "main.build sets the ports"
    return ports


def get_settings(runtime: RuntimeDep) -> HabilitationSettings:
    settings = runtime.settings
    assert isinstance(settings, HabilitationSettings)
    return settings


def get_actor(principal: CurrentPrincipal) -> Actor:
    return Actor(account_id=principal.account_id, kind=principal.kind)


# On the event loop, not in a worker thread (cpf_runtime.deps.on_loop): none of them waits.
Uow = Annotated[HabilitationUnitOfWork, Depends(on_loop(get_uow))]
Reader = Annotated[HabilitationUnitOfWork, Depends(on_loop(get_reader))]
PortsDep = Annotated[Ports, Depends(on_loop(get_ports))]
SettingsDep = Annotated[HabilitationSettings, Depends(on_loop(get_settings))]
CurrentActor = Annotated[Actor, Depends(on_loop(get_actor))]
"""The caller, from the verified bearer token (401 without one)."""
