"""Back-office (the operator, as the Caisse des Dépôts is in the guides): an organisation
joins with one form per SIRET, with its principal administrator; the company register."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from cpf_contracts.events.habilitation import OrganisationCreated

from habilitation.app.common import Actor, record, require_operator, require_own_organisation
from habilitation.app.people import add_person
from habilitation.app.ports import (
    CompanyRegister,
    Entreprise,
    HabilitationUow,
    Ports,
    RegisterError,
    RegisterUnavailable,
)
from habilitation.domain.errors import (
    FieldError,
    NotFound,
    RegisterBadAnswer,
    RegisterDown,
    SiretTaken,
    invalid,
)
from habilitation.domain.models import Gestionnaire, Organisation, Page, Paging
from habilitation.domain.person import Contact, check_contact
from habilitation.domain.siret import siret_rule

SIRET_MESSAGES = {
    "siret_format": "Le SIRET compte 14 chiffres.",
    "siret_checksum": "Ce SIRET n'est pas valide (clé de contrôle).",
}


@dataclass(frozen=True)
class NewOrganisation:
    siret: str
    raison_sociale: str | None
    kind: str
    administrateur: NewPerson


@dataclass(frozen=True)
class NewPerson:
    """The form of one person (the principal administrator here, a gestionnaire later)."""

    civilite: str
    prenom: str
    nom: str
    email: str
    email_confirmation: str
    telephone: str | None
    fonction: str | None


def siret_errors(siret: str) -> list[FieldError]:
    rule = siret_rule(siret)
    return [] if rule is None else [FieldError("siret", rule, SIRET_MESSAGES[rule])]


def contact_of(form: NewPerson, prefix: str = "") -> tuple[Contact | None, list[FieldError]]:
    """The checked contact of a person's form, or the rules it breaks (fields prefixed)."""
    contact, violations = check_contact(
        civilite=form.civilite,
        prenom=form.prenom,
        nom=form.nom,
        email=form.email,
        email_confirmation=form.email_confirmation,
        telephone=form.telephone,
        fonction=form.fonction,
    )
    return contact, [FieldError(prefix + v.field, v.rule, v.message) for v in violations]


async def lookup_entreprise(register: CompanyRegister, siret: str) -> Entreprise:
    """The register's answer for a valid SIRET, or why there is none."""
    errors = siret_errors(siret)
    if errors:
        raise invalid(*errors)
    try:
        found = await register.lookup(siret)
    except RegisterUnavailable as exc:
        raise RegisterDown from exc
    except RegisterError as exc:
        raise RegisterBadAnswer from exc
    if found is None:
        raise NotFound("Aucun établissement connu pour ce SIRET.")
    return found


@dataclass(frozen=True)
class Created:
    organisation: Organisation
    principal: Gestionnaire


async def create_organisation(
    uow: HabilitationUow, form: NewOrganisation, *, actor: Actor, ports: Ports
) -> Created:
    require_operator(actor)
    contact, contact_errors = contact_of(form.administrateur, "administrateur.")
    errors = siret_errors(form.siret) + contact_errors
    if errors or contact is None:
        raise invalid(*errors)
    raison_sociale = await _raison_sociale(form, ports.register)
    if await uow.organisations.siret_taken(form.siret):
        raise SiretTaken
    now = ports.clock()
    organisation = Organisation(
        id=uuid.uuid4(),
        siret=form.siret,
        raison_sociale=raison_sociale,
        kind=form.kind,
        created_by=actor.account_id,
        created_at=now,
    )
    await uow.organisations.add(organisation)
    uow.publish(
        OrganisationCreated(
            organisation_id=organisation.id,
            siret=organisation.siret,
            raison_sociale=raison_sociale,
            kind=form.kind,
            created_at=now,
        )
    )
    await record(
        uow,
        actor=actor,
        action="organisation.created",
        at=now,
        organisation_id=organisation.id,
        subject_id=organisation.id,
        after={"siret": organisation.siret, "raison_sociale": raison_sociale, "kind": form.kind},
    )
    principal = await add_person(
        uow,
        actor=actor,
        organisation=organisation,
        contact=contact,
        role="administrateur_principal",
        profile="cloture",
        unite_id=None,
        now=now,
        draw=ports.draw,
    )
    return Created(organisation, principal)


async def _raison_sociale(form: NewOrganisation, register: CompanyRegister) -> str:
    """As typed, or pre-filled from the register when the operator leaves it empty."""
    raison_sociale = (form.raison_sociale or "").strip()
    if raison_sociale:
        return raison_sociale
    try:
        return (await lookup_entreprise(register, form.siret)).raison_sociale
    except NotFound as exc:
        raise invalid(
            FieldError(
                "raison_sociale",
                "required",
                "SIRET inconnu du registre : saisissez la raison sociale.",
            )
        ) from exc


async def get_organisation(
    uow: HabilitationUow, organisation_id: uuid.UUID, *, actor: Actor
) -> Organisation:
    """For the operator, or a person habilitated in that organisation."""
    if actor.kind != "operateur":
        await require_own_organisation(uow, actor, organisation_id)
    organisation = await uow.organisations.get(organisation_id)
    if organisation is None:
        raise NotFound("Organisme inconnu.")
    return organisation


async def list_organisations(
    uow: HabilitationUow, *, actor: Actor, siret: str | None, paging: Paging
) -> Page[Organisation]:
    """The operator's list, newest first, optionally by SIRET (or SIREN) prefix."""
    require_operator(actor)
    return await uow.organisations.page(siret.strip() if siret else None, paging)
