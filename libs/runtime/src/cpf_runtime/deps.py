"""FastAPI dependencies shared by every service (``Annotated`` aliases)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Annotated, ParamSpec, TypeVar

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from cpf_runtime.auth import Principal, unauthorized
from cpf_runtime.db import UnitOfWork
from cpf_runtime.service import Runtime

_bearer = HTTPBearer(auto_error=False)
P = ParamSpec("P")
T = TypeVar("T")


def on_loop(fn: Callable[P, T]) -> Callable[P, Awaitable[T]]:
    """``fn`` as an async dependency, same parameters. FastAPI runs every plain ``def``
    dependency in a worker thread: a thread hop per dependency and request, which costs
    more than the small lookups these do (no I/O, nothing blocking). Call it once, at
    import: FastAPI shares a dependency between the parameters of a request by identity."""

    @functools.wraps(fn)
    async def on_the_loop(*args: P.args, **kwargs: P.kwargs) -> T:
        return fn(*args, **kwargs)

    return on_the_loop


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_uow(request: Request) -> UnitOfWork:
    """A fresh unit of work; the route opens it with ``async with`` (its one commit point)."""
    return get_runtime(request).uow()


async def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized("Un jeton d'accès est requis.")
    return await get_runtime(request).verifier.verify(credentials.credentials)


runtime_dependency = on_loop(get_runtime)
RuntimeDep = Annotated[Runtime, Depends(runtime_dependency)]
UowDep = Annotated[UnitOfWork, Depends(get_uow)]
CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
