"""Adding a person to an organisation: the one path shared by the back-office (the
principal administrator), the administrators' form and the bulk import."""

from __future__ import annotations

import uuid
from datetime import datetime

from cpf_contracts.events.habilitation import (
    GestionnaireCreated,
    GestionnaireToProvision,
    HabilitationGranted,
)

from habilitation.app.common import Actor, record_on, rights_of
from habilitation.app.ports import Draw, HabilitationUow
from habilitation.domain.errors import EmailTaken, IdentifiantExhausted, IdentifiantTaken
from habilitation.domain.identifiant import candidates
from habilitation.domain.models import Gestionnaire, Organisation
from habilitation.domain.permissions import ADMIN_ROLES, Profile, Role
from habilitation.domain.person import Contact


async def add_person(
    uow: HabilitationUow,
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
    their login; refused when the e-mail is already habilitated in this organisation."""
    if await uow.gestionnaires.email_taken(organisation.id, contact.email):
        raise EmailTaken
    if role in ADMIN_ROLES:
        profile = "cloture"  # administrators have the most complete profile (guide 000)
    person = await _insert(
        uow,
        Gestionnaire(
            account_id=uuid.uuid4(),
            identifiant="",
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
        ),
        draw,
    )
    uow.publish(*created_events(person, organisation, granted_by=actor.uuid))
    await record_on(
        uow,
        person,
        actor=actor,
        action="gestionnaire.created",
        at=now,
        after=person.snapshot(),
    )
    return person


async def _insert(uow: HabilitationUow, person: Gestionnaire, draw: Draw) -> Gestionnaire:
    """The person with the first free identifiant among the candidates."""
    for identifiant in candidates(person.prenom, person.nom, draw):
        if await uow.gestionnaires.identifiant_taken(identifiant):
            continue
        person.identifiant = identifiant
        try:
            await uow.gestionnaires.add(person)
        except IdentifiantTaken:
            continue
        return person
    raise IdentifiantExhausted


def created_events(
    person: Gestionnaire, organisation: Organisation, *, granted_by: uuid.UUID | None
) -> tuple[GestionnaireToProvision, GestionnaireCreated, HabilitationGranted]:
    """A new person's facts: identity provisions the login from v1 or v2 (both carry the
    same person; identity handles them idempotently per ``account_id``)."""
    person_fields = {
        "account_id": person.account_id,
        "identifiant": person.identifiant,
        "organisation_id": organisation.id,
        "siret": organisation.siret,
        "civilite": person.civilite,
        "prenom": person.prenom,
        "nom": person.nom,
        "email": person.email,
        "telephone": person.telephone,
        "role": person.role,
    }
    return (
        GestionnaireToProvision(**person_fields, requested_at=person.created_at),
        GestionnaireCreated(**person_fields, created_at=person.created_at),
        HabilitationGranted(
            **rights_of(person, organisation), granted_by=granted_by, granted_at=person.created_at
        ),
    )
