"""FastAPI dependencies shared by every service (``Annotated`` aliases)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from cpf_runtime.auth import Principal, unauthorized
from cpf_runtime.db import UnitOfWork
from cpf_runtime.service import Runtime

_bearer = HTTPBearer(auto_error=False)


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_uow(request: Request) -> UnitOfWork:
    """A fresh unit of work; the route opens it with ``async with`` (its one commit point)."""
    return get_runtime(request).uow()


async def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized("Un jeton d'accès est requis.")
    return await get_runtime(request).verifier.verify(credentials.credentials)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
UowDep = Annotated[UnitOfWork, Depends(get_uow)]
CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
