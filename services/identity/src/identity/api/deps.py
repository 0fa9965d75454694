"""What identity's routes are handed, as ``Annotated`` aliases: the unit of work, the
services ``main.py`` built, the caller and the client's address."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from cpf_runtime.deps import CurrentPrincipal, get_runtime, on_loop
from cpf_runtime.service import Runtime
from fastapi import Depends, Request

from identity.api.client import client_address
from identity.app.services import Services
from identity.store.uow import IdentityUnitOfWork, ours

__all__ = ["ClientAddress", "CurrentPrincipal", "IdentityRuntime", "ServicesDep", "UowDep"]


@dataclass
class IdentityRuntime(Runtime):
    """The shared runtime, plus the services identity's entrypoints are handed (set once by
    ``main.build``, the composition root)."""

    services: Services = field(init=False)


def get_services(request: Request) -> Services:
    runtime = get_runtime(request)
    assert isinstance(runtime, IdentityRuntime)
    return runtime.services


async def get_uow(request: Request) -> IdentityUnitOfWork:
    """A fresh unit of work; the route opens it with ``async with`` (its one commit point)."""
    return ours(get_runtime(request).uow())


def get_client_address(request: Request) -> str | None:
    return client_address(request, get_services(request).trusted_proxies)


# On the event loop, not in a worker thread (cpf_runtime.deps.on_loop).
ServicesDep = Annotated[Services, Depends(on_loop(get_services))]
UowDep = Annotated[IdentityUnitOfWork, Depends(get_uow)]
ClientAddress = Annotated[str | None, Depends(on_loop(get_client_address))]
