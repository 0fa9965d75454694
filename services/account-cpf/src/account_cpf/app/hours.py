"""Use cases of the hours account: the DIF balance, « Mon compte d'heures », CPF credits."""

from __future__ import annotations

import uuid

from cpf_contracts.events.account_cpf import DifBalanceSet, HoursCredited
from cpf_runtime.clock import Clock, utcnow
from cpf_runtime.errors import FieldError, InvalidInput

from account_cpf.app.access import account_for
from account_cpf.app.ports import AccountCpfUow
from account_cpf.domain.access import Acteur, Droit
from account_cpf.domain.dif import arrondi_dif, check_dif_changeable
from account_cpf.domain.dossiers import StatutDossier
from account_cpf.domain.titulaires import (
    Compteur,
    Mouvement,
    NatureMouvement,
    TitulaireNotFound,
)

ORIGINES = {"titulaire": "Saisie par le titulaire", "gestionnaire": "Saisie par un gestionnaire"}


async def any_validated(uow: AccountCpfUow, titulaire_id: uuid.UUID) -> bool:
    """A dossier was validated once (it may be closed since): the DIF is then frozen."""
    return any(
        d.valide_le is not None or d.statut is StatutDossier.VALIDE
        for d in await uow.dossiers.of(titulaire_id)
    )


async def set_dif(
    uow: AccountCpfUow,
    acteur: Acteur,
    valeur: float,
    *,
    titulaire_id: uuid.UUID | None = None,
    clock: Clock = utcnow,
) -> int:
    """Enter or change the DIF balance (rounded to the nearest hour); a movement and a
    ``DifBalanceSet`` each time. Returns the balance kept."""
    heures = arrondi_dif(valeur)
    titulaire, _ = await account_for(uow, acteur, titulaire_id, Droit.DIF)
    titulaire = await uow.titulaires.locked(titulaire.id)
    check_dif_changeable(await any_validated(uow, titulaire.id))
    now = clock()
    await uow.titulaires.set_dif(titulaire.id, heures)
    await uow.titulaires.add_movement(
        Mouvement(
            id=uuid.uuid4(),
            titulaire_id=titulaire.id,
            compteur=Compteur.DIF,
            nature=NatureMouvement.SAISIE_DIF,
            heures=heures - (titulaire.heures_dif or 0),
            origine=ORIGINES.get(acteur.kind, acteur.kind),
            date=now,
        )
    )
    uow.publish(
        DifBalanceSet(
            titulaire_id=titulaire.id,
            heures_dif=heures,
            previous=titulaire.heures_dif,
            by_kind=acteur.kind,
            by=acteur.account_id,
            set_at=now,
        )
    )
    return heures


async def movements_of(
    uow: AccountCpfUow, acteur: Acteur, titulaire_id: uuid.UUID | None = None
) -> list[Mouvement]:
    """« Mon compte d'heures »: the movements, oldest first."""
    titulaire, _ = await account_for(uow, acteur, titulaire_id, Droit.LIRE)
    return await uow.titulaires.movements(titulaire.id)


async def credit_hours(
    uow: AccountCpfUow, nir: str, heures: int, origine: str, *, clock: Clock = utcnow
) -> Mouvement:
    """CPF hours credited as the yearly feed brings them (the operator's endpoint)."""
    errors = []
    if heures < 1 or heures > 10_000:
        errors.append(FieldError("heures", "range", "Un crédit est un entier de 1 à 10000 heures."))
    if not origine.strip() or len(origine) > 200:
        errors.append(FieldError("origine", "required", "L'origine du crédit est obligatoire."))
    if errors:
        raise InvalidInput("Le crédit d'heures est invalide.", errors=errors)
    titulaire = await uow.titulaires.by_nir(nir)
    if titulaire is None:
        raise TitulaireNotFound("Aucun compte formation n'a ce NIR.")
    mouvement = Mouvement(
        id=uuid.uuid4(),
        titulaire_id=titulaire.id,
        compteur=Compteur.CPF,
        nature=NatureMouvement.CREDIT_CPF,
        heures=heures,
        origine=origine.strip(),
        date=clock(),
    )
    await uow.titulaires.add_movement(mouvement)
    uow.publish(
        HoursCredited(
            titulaire_id=titulaire.id,
            heures=heures,
            origine=mouvement.origine,
            credited_at=mouvement.date,
        )
    )
    return mouvement
