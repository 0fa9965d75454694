"""Use cases of the dossiers de formation: drafts, validation or rejection, closing.

Every step first resolves the actor's reach on the account (:func:`account_for`), then
locks the account row: the DIF rule ("changeable until a dossier is validated") and the
hours checks read a state no concurrent step can change before this one commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace

from cpf_contracts.base import Event
from cpf_contracts.events.account_cpf import (
    DossierChanged,
    DossierClosed,
    DossierCreated,
    DossierDeleted,
    DossierRejected,
    DossierValidated,
)
from cpf_runtime.clock import Clock, utcnow
from cpf_runtime.errors import FieldError, InvalidInput

from account_cpf.app.access import account_for
from account_cpf.app.ports import AccountCpfUow
from account_cpf.domain.access import Acces, Acteur, ClotureSimplifieeReserved, Droit
from account_cpf.domain.dif import check_dif_entered
from account_cpf.domain.dossiers import (
    Dossier,
    DossierNotFound,
    StatutDossier,
    check_contenu,
    check_disponibles,
    check_step,
    debit,
)
from account_cpf.domain.titulaires import (
    Compteur,
    Mouvement,
    NatureMouvement,
    Titulaire,
    heures_cpf,
)


@dataclass(frozen=True)
class Cible:
    """The account a step acts on, locked, and the actor's reach (``None``: the titulaire)."""

    titulaire: Titulaire
    acces: Acces | None


async def _cible(
    uow: AccountCpfUow, acteur: Acteur, titulaire_id: uuid.UUID | None, droit: Droit
) -> Cible:
    titulaire, reach = await account_for(uow, acteur, titulaire_id, droit)
    return Cible(await uow.titulaires.locked(titulaire.id), reach)


async def _dossier(uow: AccountCpfUow, cible: Cible, dossier_id: uuid.UUID, step: str) -> Dossier:
    dossier = await uow.dossiers.get(cible.titulaire.id, dossier_id)
    if dossier is None:
        raise DossierNotFound("Ce dossier de formation n'existe pas sur ce compte.")
    check_step(dossier, step)
    return dossier


async def _disponibles(uow: AccountCpfUow, titulaire: Titulaire, sauf: uuid.UUID | None) -> int:
    """DIF + CPF hours not reserved by the other drafts."""
    dossiers = await uow.dossiers.of(titulaire.id)
    reservees = sum(
        d.heures
        for d in dossiers
        if d.statut is StatutDossier.EN_COURS_ELABORATION and d.id != sauf
    )
    cpf = heures_cpf(await uow.titulaires.movements(titulaire.id))
    return max((titulaire.heures_dif or 0) + cpf - reservees, 0)


async def _saved(
    uow: AccountCpfUow,
    acteur: Acteur,
    dossier: Dossier,
    fact: Callable[..., Event],
    **details: object,
) -> Dossier:
    """Save ``dossier`` and publish ``fact`` about it, signed by who acted, in the same
    transaction."""
    await uow.dossiers.save(dossier)
    uow.publish(
        fact(
            titulaire_id=dossier.titulaire_id,
            dossier_id=dossier.id,
            by_kind=acteur.kind,
            by=acteur.account_id,
            **details,
        )
    )
    return dossier


async def dossiers_of(
    uow: AccountCpfUow, acteur: Acteur, titulaire_id: uuid.UUID | None = None
) -> list[Dossier]:
    """« Mes dossiers de formation », oldest first."""
    titulaire, _ = await account_for(uow, acteur, titulaire_id, Droit.LIRE)
    return await uow.dossiers.of(titulaire.id)


async def create_dossier(
    uow: AccountCpfUow,
    acteur: Acteur,
    intitule: str,
    heures: int,
    *,
    titulaire_id: uuid.UUID | None = None,
    clock: Clock = utcnow,
) -> Dossier:
    """A new draft; the DIF must be entered first, and its heures must be available."""
    intitule, heures = check_contenu(intitule, heures)
    cible = await _cible(uow, acteur, titulaire_id, Droit.BROUILLON)
    check_dif_entered(cible.titulaire.heures_dif)
    check_disponibles(heures, await _disponibles(uow, cible.titulaire, None))
    now = clock()
    dossier = Dossier(
        id=uuid.uuid4(),
        titulaire_id=cible.titulaire.id,
        intitule=intitule,
        heures=heures,
        statut=StatutDossier.EN_COURS_ELABORATION,
        created_at=now,
    )
    return await _saved(uow, acteur, dossier, DossierCreated, heures=heures, created_at=now)


async def modify_dossier(
    uow: AccountCpfUow,
    acteur: Acteur,
    dossier_id: uuid.UUID,
    intitule: str,
    heures: int,
    *,
    titulaire_id: uuid.UUID | None = None,
    clock: Clock = utcnow,
) -> Dossier:
    """Save a changed draft (« enregistrer », « modifier »)."""
    intitule, heures = check_contenu(intitule, heures)
    cible = await _cible(uow, acteur, titulaire_id, Droit.BROUILLON)
    dossier = await _dossier(uow, cible, dossier_id, "modifier")
    check_disponibles(heures, await _disponibles(uow, cible.titulaire, dossier.id))
    dossier = replace(dossier, intitule=intitule, heures=heures)
    return await _saved(uow, acteur, dossier, DossierChanged, heures=heures, changed_at=clock())


async def delete_dossier(
    uow: AccountCpfUow,
    acteur: Acteur,
    dossier_id: uuid.UUID,
    *,
    titulaire_id: uuid.UUID | None = None,
    clock: Clock = utcnow,
) -> None:
    """Delete a draft (its reserved heures are free again)."""
    cible = await _cible(uow, acteur, titulaire_id, Droit.BROUILLON)
    dossier = await _dossier(uow, cible, dossier_id, "supprimer")
    await uow.dossiers.delete(dossier.id)
    uow.publish(
        DossierDeleted(
            titulaire_id=dossier.titulaire_id,
            dossier_id=dossier.id,
            deleted_at=clock(),
            by_kind=acteur.kind,
            by=acteur.account_id,
        )
    )


async def _validate(
    uow: AccountCpfUow, acteur: Acteur, cible: Cible, dossier: Dossier, clock: Clock
) -> Dossier:
    """Debit the heures (DIF first, then CPF), each part a movement; the dossier is valide."""
    check_disponibles(dossier.heures, await _disponibles(uow, cible.titulaire, dossier.id))
    now = clock()
    dif, cpf = debit(dossier.heures, cible.titulaire.heures_dif or 0)
    for compteur, nature, part in (
        (Compteur.DIF, NatureMouvement.DEBIT_DIF, dif),
        (Compteur.CPF, NatureMouvement.DEBIT_CPF, cpf),
    ):
        if part:
            await uow.titulaires.add_movement(
                Mouvement(
                    uuid.uuid4(),
                    dossier.titulaire_id,
                    compteur,
                    nature,
                    -part,
                    f"Dossier de formation « {dossier.intitule} »",
                    now,
                )
            )
    await uow.titulaires.set_dif(dossier.titulaire_id, (cible.titulaire.heures_dif or 0) - dif)
    dossier = replace(dossier, statut=StatutDossier.VALIDE, valide_le=now)
    return await _saved(
        uow,
        acteur,
        dossier,
        DossierValidated,
        heures_dif_debitees=dif,
        heures_cpf_debitees=cpf,
        validated_at=now,
    )


async def validate_dossier(
    uow: AccountCpfUow,
    acteur: Acteur,
    titulaire_id: uuid.UUID,
    dossier_id: uuid.UUID,
    *,
    clock: Clock = utcnow,
) -> Dossier:
    """Validate a draft (profile Validation at least); the DIF is frozen from now on."""
    cible = await _cible(uow, acteur, titulaire_id, Droit.VALIDER)
    dossier = await _dossier(uow, cible, dossier_id, "valider")
    return await _validate(uow, acteur, cible, dossier, clock)


async def reject_dossier(
    uow: AccountCpfUow,
    acteur: Acteur,
    titulaire_id: uuid.UUID,
    dossier_id: uuid.UUID,
    motif: str,
    *,
    clock: Clock = utcnow,
) -> Dossier:
    """Reject a draft with a reason (profile Validation at least); its heures are freed."""
    motif = motif.strip()
    if not motif or len(motif) > 500:
        raise InvalidInput(
            "Le motif du rejet est obligatoire.",
            errors=[FieldError("motif", "required", "Le motif est obligatoire (500 caractères).")],
        )
    cible = await _cible(uow, acteur, titulaire_id, Droit.VALIDER)
    dossier = await _dossier(uow, cible, dossier_id, "rejeter")
    dossier = replace(dossier, statut=StatutDossier.REJETE, motif_rejet=motif)
    return await _saved(uow, acteur, dossier, DossierRejected, motif=motif, rejected_at=clock())


async def close_dossier(
    uow: AccountCpfUow,
    acteur: Acteur,
    titulaire_id: uuid.UUID,
    dossier_id: uuid.UUID,
    *,
    simplifiee: bool = False,
    clock: Clock = utcnow,
) -> Dossier:
    """Close a validated or rejected dossier (profile Clôture). *Clôture simplifiée*
    (Conseils Régionaux only) also closes a draft in one step, validating it first."""
    cible = await _cible(uow, acteur, titulaire_id, Droit.CLORE)
    if simplifiee and not (cible.acces and cible.acces.conseil_regional):
        raise ClotureSimplifieeReserved(
            "La clôture simplifiée est réservée aux Conseils Régionaux, qui gèrent les "
            "demandeurs d'emploi."
        )
    dossier = await _dossier(uow, cible, dossier_id, "clore_simplifie" if simplifiee else "clore")
    if dossier.statut is StatutDossier.EN_COURS_ELABORATION:
        dossier = await _validate(uow, acteur, cible, dossier, clock)
    dossier = replace(dossier, statut=StatutDossier.CLOS)
    return await _saved(
        uow, acteur, dossier, DossierClosed, simplifiee=simplifiee, closed_at=clock()
    )
