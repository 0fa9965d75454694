"""Who reaches which account: the titulaire their own, a gestionnaire those delegated to
one of their organisations, as far as their profile allows."""

from __future__ import annotations

import uuid

from account_cpf.app.ports import AccountCpfUow
from account_cpf.domain.access import (
    Acces,
    Acteur,
    Droit,
    acces,
    require,
    require_titulaire,
)
from account_cpf.domain.titulaires import AccountOpening, Titulaire, TitulaireNotFound

EN_COURS_DE_CREATION = "Votre compte formation est en cours de création, réessayez dans un instant."
INTROUVABLE = "Aucun titulaire ne correspond à votre recherche parmi vos délégations."


async def own_account(uow: AccountCpfUow, account_id: uuid.UUID) -> Titulaire:
    titulaire = await uow.titulaires.by_account(account_id)
    if titulaire is None:
        raise AccountOpening(EN_COURS_DE_CREATION)
    return titulaire


async def reach_of(uow: AccountCpfUow, gestionnaire: uuid.UUID, titulaire_id: uuid.UUID) -> Acces:
    """The gestionnaire's reach on that titulaire; "not found" without a delegation to one
    of their active organisations (nothing tells it from an unknown titulaire)."""
    habilitations = [h for h in await uow.habilitations.of(gestionnaire) if h.active]
    delegated = {d.organisation_id for d in await uow.delegations.of_titulaire(titulaire_id)}
    kinds = await uow.organisations.kinds({h.organisation_id for h in habilitations})
    found = acces(habilitations, delegated, kinds)
    if found is None:
        raise TitulaireNotFound(INTROUVABLE)
    return found


async def account_for(
    uow: AccountCpfUow, acteur: Acteur, titulaire_id: uuid.UUID | None, droit: Droit
) -> tuple[Titulaire, Acces | None]:
    """The account ``acteur`` acts on for a step needing ``droit``: a titulaire's own
    (``titulaire_id`` is ``None``), or one a gestionnaire reaches; raises otherwise."""
    if acteur.kind == "titulaire":
        require_titulaire(droit)
        return await own_account(uow, acteur.account_id), None
    titulaire = None if titulaire_id is None else await uow.titulaires.by_id(titulaire_id)
    if titulaire is None:
        raise TitulaireNotFound(INTROUVABLE)
    reach = await reach_of(uow, acteur.account_id, titulaire.id)
    require(reach, droit)
    return titulaire, reach
