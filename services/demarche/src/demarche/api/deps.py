"""demarche's FastAPI dependencies, as ``Annotated`` aliases."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from cpf_runtime.auth import Principal, unauthorized
from cpf_runtime.deps import CurrentPrincipal, RuntimeDep
from cpf_runtime.problems import Problem
from cpf_runtime.service import Runtime
from fastapi import Depends

from demarche.app.agents import Actor
from demarche.app.ports import Ports
from demarche.store.uow import DemarcheUnitOfWork


@dataclass
class DemarcheRuntime(Runtime):
    """The runtime with the ports the routes hand to the use cases (set by ``main.build``)."""

    ports: Ports | None = None


def get_uow(runtime: RuntimeDep) -> DemarcheUnitOfWork:
    """A fresh unit of work; the route opens it with ``async with`` (its one commit point)."""
    return DemarcheUnitOfWork(runtime.session_factory)


def get_ports(runtime: RuntimeDep) -> Ports:
    ports = runtime.ports if isinstance(runtime, DemarcheRuntime) else None
    assert ports is not None, "demarche.main.build sets the ports"  # noqa: S101
    return ports


def _actor(principal: Principal) -> Actor:
    try:
        return Actor(uuid.UUID(principal.account_id), principal.kind)
    except ValueError as exc:
        raise unauthorized("Le jeton d'accès est invalide.") from exc


def get_actor(principal: CurrentPrincipal) -> Actor:
    return _actor(principal)


def _of_kind(kind: str, message: str) -> Callable[[Principal], Actor]:
    def actor(principal: CurrentPrincipal) -> Actor:
        if principal.kind != kind:
            raise Problem(403, "Accès refusé.", message, code="forbidden")
        return _actor(principal)

    return actor


UowDep = Annotated[DemarcheUnitOfWork, Depends(get_uow)]
PortsDep = Annotated[Ports, Depends(get_ports)]
CurrentActor = Annotated[Actor, Depends(get_actor)]
"""Any logged-in account (401 without a valid token)."""
PortailUser = Annotated[
    Actor,
    Depends(
        _of_kind("portail", "Cet espace est réservé aux utilisateurs du portail Mes Démarches.")
    ),
]
"""A portal user (Mes Démarches) only."""
