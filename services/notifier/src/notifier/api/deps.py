"""The notifier's FastAPI dependencies, as ``Annotated`` aliases."""

from __future__ import annotations

from typing import Annotated

from cpf_runtime.auth import Principal
from cpf_runtime.deps import CurrentPrincipal, RuntimeDep
from cpf_runtime.problems import Problem
from fastapi import Depends

from notifier.store.uow import NotifierUnitOfWork

OPS_KINDS = frozenset({"operateur"})


def get_uow(runtime: RuntimeDep) -> NotifierUnitOfWork:
    """A fresh unit of work; the route opens it with ``async with`` (its one commit point)."""
    return NotifierUnitOfWork(runtime.session_factory)


def operator_only(principal: CurrentPrincipal) -> Principal:
    """Recipients are personal data: only the operator's back-office agents read them."""
    if principal.kind not in OPS_KINDS:
        raise Problem(403, "Accès refusé.", "Réservé aux agents de l'opérateur.", code="forbidden")
    return principal


UowDep = Annotated[NotifierUnitOfWork, Depends(get_uow)]
OperatorDep = Annotated[Principal, Depends(operator_only)]
