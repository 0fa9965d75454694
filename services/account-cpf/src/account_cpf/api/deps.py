"""account-cpf's FastAPI dependencies, as ``Annotated`` aliases."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Literal

from cpf_runtime.auth import Principal
from cpf_runtime.deps import CurrentPrincipal, RuntimeDep, on_loop
from cpf_runtime.problems import Problem
from fastapi import Depends

from account_cpf.domain.access import Acteur
from account_cpf.store.uow import AccountCpfUnitOfWork

SPACES = {
    "titulaire": "Cet espace est réservé aux titulaires.",
    "gestionnaire": "Cet espace est réservé aux gestionnaires de l'espace Employeur.",
    "operateur": "Cet espace est réservé à l'opérateur.",
}


async def get_uow(runtime: RuntimeDep) -> AccountCpfUnitOfWork:
    """A fresh unit of work; the route opens it with ``async with`` (its one commit point)."""
    return AccountCpfUnitOfWork(runtime.session_factory)


async def get_reader(runtime: RuntimeDep) -> AccountCpfUnitOfWork:
    """A unit of work for a route that only reads: outside a transaction, one round trip
    per statement; a write or an event is refused (``Runtime.reader``)."""
    return AccountCpfUnitOfWork(runtime.read_session_factory)


def _acteur_of(
    kind: Literal["titulaire", "gestionnaire", "operateur"],
) -> Callable[[Principal], Acteur]:
    def acteur(principal: CurrentPrincipal) -> Acteur:
        if principal.kind != kind:
            raise Problem(403, "Accès refusé.", SPACES[kind], code="forbidden")
        try:
            return Acteur(kind, uuid.UUID(principal.account_id))
        except ValueError as exc:
            raise Problem(401, "Authentification requise.", code="unauthorized") from exc

    return acteur


def titulaire_account(principal: CurrentPrincipal) -> uuid.UUID:
    """The login of the titulaire who calls; this space is theirs alone."""
    return _acteur_of("titulaire")(principal).account_id


UowDep = Annotated[AccountCpfUnitOfWork, Depends(get_uow)]
ReaderDep = Annotated[AccountCpfUnitOfWork, Depends(get_reader)]
# On the event loop, not in a worker thread (cpf_runtime.deps.on_loop).
CurrentTitulaire = Annotated[Acteur, Depends(on_loop(_acteur_of("titulaire")))]
CurrentGestionnaire = Annotated[Acteur, Depends(on_loop(_acteur_of("gestionnaire")))]
CurrentOperateur = Annotated[Acteur, Depends(on_loop(_acteur_of("operateur")))]
