"""account-cpf's FastAPI dependencies, as ``Annotated`` aliases."""

from __future__ import annotations

import uuid
from typing import Annotated

from cpf_runtime.deps import CurrentPrincipal, RuntimeDep
from cpf_runtime.problems import Problem
from fastapi import Depends

from account_cpf.store.uow import AccountCpfUnitOfWork


def get_uow(runtime: RuntimeDep) -> AccountCpfUnitOfWork:
    """A fresh unit of work; the route opens it with ``async with`` (its one commit point)."""
    return AccountCpfUnitOfWork(runtime.session_factory)


def titulaire_account(principal: CurrentPrincipal) -> uuid.UUID:
    """The login of the titulaire who calls; this space is theirs alone."""
    if principal.kind != "titulaire":
        raise Problem(
            403, "Accès refusé.", "Cet espace est réservé aux titulaires.", code="forbidden"
        )
    try:
        return uuid.UUID(principal.account_id)
    except ValueError as exc:
        raise Problem(401, "Authentification requise.", code="unauthorized") from exc


UowDep = Annotated[AccountCpfUnitOfWork, Depends(get_uow)]
CurrentTitulaire = Annotated[uuid.UUID, Depends(titulaire_account)]
