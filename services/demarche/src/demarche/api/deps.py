"""demarche's FastAPI dependencies, as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from cpf_runtime.deps import RuntimeDep
from fastapi import Depends

from demarche.store.uow import DemarcheUnitOfWork


def get_uow(runtime: RuntimeDep) -> DemarcheUnitOfWork:
    """A fresh unit of work; the route opens it with ``async with`` (its one commit point)."""
    return DemarcheUnitOfWork(runtime.session_factory)


UowDep = Annotated[DemarcheUnitOfWork, Depends(get_uow)]
