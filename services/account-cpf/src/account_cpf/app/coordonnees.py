"""A gestionnaire updates a delegated titulaire's « coordonnées médiatiques »: checked
here, applied by identity (their owner) from ``TitulaireContactChangeRequested``."""

from __future__ import annotations

import uuid

from cpf_contracts.events.account_cpf import TitulaireContactChangeRequested
from cpf_runtime.clock import Clock, utcnow

from account_cpf.app.access import account_for
from account_cpf.app.ports import AccountCpfUow
from account_cpf.domain.access import Acteur, Droit, TitulaireMayNot
from account_cpf.domain.coordonnees import Coordonnees, check_coordonnees

OWN_PROFILE = "Vos coordonnées se modifient dans votre profil (rubrique « Mon profil »)."


async def request_contact_change(
    uow: AccountCpfUow,
    acteur: Acteur,
    titulaire_id: uuid.UUID,
    *,
    email: str | None = None,
    telephone_fixe: str | None = None,
    telephone_mobile: str | None = None,
    clock: Clock = utcnow,
) -> Coordonnees:
    """Profile Consultation on a delegated titulaire (an outsider: "not found", before any
    check of the values); nothing is sent when a value is bad. Publishes the request for
    identity; returns what was sent."""
    if acteur.kind != "gestionnaire":
        raise TitulaireMayNot(OWN_PROFILE)
    titulaire, _ = await account_for(uow, acteur, titulaire_id, Droit.COORDONNEES)
    coordonnees = check_coordonnees(email, telephone_fixe, telephone_mobile)
    uow.publish(
        TitulaireContactChangeRequested(
            titulaire_id=titulaire.id,
            account_id=titulaire.account_id,
            email=coordonnees.email,
            telephone_fixe=coordonnees.telephone_fixe,
            telephone_mobile=coordonnees.telephone_mobile,
            by=acteur.account_id,
            requested_at=clock(),
        )
    )
    return coordonnees
