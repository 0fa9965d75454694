"""« Mes délégations »: the titulaire delegates access to their account to an organisation
by SIRET; the organisation's gestionnaires list and search the titulaires who did."""

from __future__ import annotations

import re

from cpf_contracts.events.account_cpf import DelegationGranted, DelegationRevoked
from cpf_runtime.clock import Clock, utcnow
from cpf_runtime.errors import FieldError, InvalidInput

from account_cpf.app.access import INTROUVABLE, own_account, reach_of
from account_cpf.app.ports import AccountCpfUow
from account_cpf.domain.access import (
    Acteur,
    Delegation,
    DelegationExists,
    DelegationNotFound,
    Organisation,
)
from account_cpf.domain.titulaires import Titulaire, TitulaireNotFound

SIRET = re.compile(r"^[0-9]{14}$")
NIR = re.compile(r"^[12][0-9]{12}[0-9]{2}$")


async def _organisation(uow: AccountCpfUow, siret: str) -> Organisation:
    siret = siret.replace(" ", "")
    if not SIRET.match(siret):
        raise InvalidInput(
            "Le SIRET est invalide.",
            errors=[FieldError("siret", "format", "Le SIRET compte 14 chiffres.")],
        )
    organisation = await uow.organisations.by_siret(siret)
    if organisation is None:
        raise InvalidInput(
            "Aucune organisation de l'espace Employeur n'a ce SIRET.",
            errors=[FieldError("siret", "unknown_organisation", "SIRET inconnu.")],
        )
    return organisation


async def grant_delegation(
    uow: AccountCpfUow, acteur: Acteur, siret: str, *, clock: Clock = utcnow
) -> tuple[Delegation, Organisation]:
    """The titulaire delegates access to their account to the organisation of ``siret``."""
    titulaire = await own_account(uow, acteur.account_id)
    organisation = await _organisation(uow, siret)
    delegation = Delegation(titulaire.id, organisation.id, organisation.siret, clock())
    if not await uow.delegations.add(delegation):
        raise DelegationExists(
            "Vous avez déjà délégué l'accès à votre compte à cette organisation.",
            errors=[FieldError("siret", "already_delegated", "Délégation déjà accordée.")],
        )
    uow.publish(
        DelegationGranted(
            titulaire_id=titulaire.id,
            organisation_id=organisation.id,
            siret=organisation.siret,
            granted_at=delegation.granted_at,
        )
    )
    return delegation, organisation


async def delegations_of(uow: AccountCpfUow, acteur: Acteur) -> list[Delegation]:
    """The titulaire's « Mes délégations », oldest first."""
    titulaire = await own_account(uow, acteur.account_id)
    return await uow.delegations.of_titulaire(titulaire.id)


async def revoke_delegation(
    uow: AccountCpfUow, acteur: Acteur, siret: str, *, clock: Clock = utcnow
) -> None:
    """The titulaire withdraws an organisation's access: its gestionnaires lose it at once."""
    titulaire = await own_account(uow, acteur.account_id)
    organisation = await uow.organisations.by_siret(siret)
    if organisation is None or not await uow.delegations.remove(titulaire.id, organisation.id):
        raise DelegationNotFound("Vous n'avez pas de délégation envers ce SIRET.")
    uow.publish(
        DelegationRevoked(
            titulaire_id=titulaire.id,
            organisation_id=organisation.id,
            siret=organisation.siret,
            revoked_at=clock(),
        )
    )


async def delegated_titulaires(uow: AccountCpfUow, acteur: Acteur) -> list[Titulaire]:
    """The organisation's « Mes délégations »: the titulaires who delegated to one of the
    gestionnaire's organisations."""
    orgs = {h.organisation_id for h in await uow.habilitations.of(acteur.account_id) if h.active}
    found = []
    for delegation in await uow.delegations.to_organisations(orgs):
        titulaire = await uow.titulaires.by_id(delegation.titulaire_id)
        if titulaire is not None and titulaire not in found:
            found.append(titulaire)
    return found


def _check_search(nir: str | None, nom: str | None) -> tuple[str, str]:
    errors = []
    nir = (nir or "").replace(" ", "")
    nom = (nom or "").strip()
    if not nir:
        errors.append(FieldError("nir", "required", "Le N° de sécurité sociale est obligatoire."))
    elif not NIR.match(nir):
        errors.append(FieldError("nir", "format", "Le N° de sécurité sociale compte 15 chiffres."))
    if not nom:
        errors.append(FieldError("nom", "required", "Le nom est obligatoire."))
    if errors:
        raise InvalidInput("Le NIR et le nom sont tous deux obligatoires.", errors=errors)
    return nir, nom


async def search_titulaire(
    uow: AccountCpfUow, acteur: Acteur, nir: str | None, nom: str | None
) -> Titulaire:
    """« Rechercher un titulaire » by NIR and nom, both required, among the delegations;
    any other titulaire is "not found", exactly like an unknown one."""
    nir, nom = _check_search(nir, nom)
    titulaire = await uow.titulaires.by_nir(nir)
    if titulaire is None or titulaire.nom.casefold() != nom.casefold():
        raise TitulaireNotFound(INTROUVABLE)
    await reach_of(uow, acteur.account_id, titulaire.id)
    return titulaire
