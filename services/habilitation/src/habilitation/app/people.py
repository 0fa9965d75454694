"""Adding a person to an organisation: the one path shared by the back-office (the
principal administrator), the administrators' form and the bulk import."""

from __future__ import annotations

import uuid
from datetime import datetime

from cpf_contracts.events.habilitation import GestionnaireToProvision, HabilitationGranted
from cpf_runtime.db import UnitOfWork
from cpf_runtime.problems import Problem
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from habilitation.app.common import Actor, Draw, audit, conflict, snapshot
from habilitation.domain.identifiant import candidates
from habilitation.domain.permissions import ADMIN_ROLES, Profile, Role
from habilitation.domain.person import Contact
from habilitation.store.tables import Gestionnaire, Organisation


async def email_taken(uow: UnitOfWork, organisation_id: uuid.UUID, email: str) -> bool:
    return bool(
        await uow.session.scalar(
            select(
                exists().where(
                    Gestionnaire.organisation_id == organisation_id,
                    Gestionnaire.active.is_(True),
                    func.lower(Gestionnaire.email) == email.lower(),
                )
            )
        )
    )


async def add_person(
    uow: UnitOfWork,
    *,
    actor: Actor,
    organisation: Organisation,
    contact: Contact,
    role: Role,
    profile: Profile,
    unite_id: uuid.UUID | None,
    now: datetime,
    draw: Draw,
) -> Gestionnaire:
    """Create the person, choose their identifiant and account id, and ask identity for
    their login; 409 when the e-mail is already habilitated in this organisation."""
    if await email_taken(uow, organisation.id, contact.email):
        raise conflict(
            "Une personne habilitée dans cet organisme utilise déjà ce courriel.", "email-taken"
        )
    if role in ADMIN_ROLES:
        profile = "cloture"  # administrators have the most complete profile (guide 000)
    session = uow.session
    for identifiant in candidates(contact.prenom, contact.nom, draw):
        if await session.scalar(select(exists().where(Gestionnaire.identifiant == identifiant))):
            continue
        row = Gestionnaire(
            account_id=uuid.uuid4(),
            identifiant=identifiant,
            organisation_id=organisation.id,
            unite_id=unite_id,
            civilite=contact.civilite,
            prenom=contact.prenom,
            nom=contact.nom,
            email=contact.email,
            telephone=contact.telephone,
            fonction=contact.fonction,
            role=role,
            profile=profile,
            active=True,
            created_by=actor.account_id,
            created_at=now,
        )
        # A concurrent creation may take the same identifiant between the check and the
        # insert: the savepoint keeps the transaction usable so the next candidate is tried.
        try:
            async with session.begin_nested():
                session.add(row)
                await session.flush()
        except IntegrityError as exc:
            if "uq_gestionnaire_identifiant" in str(exc.orig):
                continue
            if "uq_gestionnaire_email" in str(exc.orig):
                raise conflict(
                    "Une personne habilitée dans cet organisme utilise déjà ce courriel.",
                    "email-taken",
                ) from exc
            raise
        break
    else:
        raise Problem(
            503,
            "Identifiant indisponible.",
            "Aucun identifiant libre n'a pu être attribué ; réessayez.",
            code="identifiant-exhausted",
        )
    uow.publish(
        GestionnaireToProvision(
            account_id=row.account_id,
            identifiant=row.identifiant,
            organisation_id=organisation.id,
            siret=organisation.siret,
            civilite=contact.civilite,
            prenom=row.prenom,
            nom=row.nom,
            email=row.email,
            telephone=row.telephone,
            requested_at=now,
        ),
        HabilitationGranted(
            account_id=row.account_id,
            organisation_id=organisation.id,
            siret=organisation.siret,
            role=role,
            profile=profile,
            unite_id=unite_id,
            granted_by=actor.uuid,
            granted_at=now,
        ),
    )
    audit(
        session,
        actor=actor,
        action="gestionnaire.created",
        at=now,
        organisation_id=organisation.id,
        subject_id=row.account_id,
        after=snapshot(row),
    )
    return row
