"""Back-office (the operator, as the Caisse des Dépôts is in the guides): an organisation
joins with one form per SIRET, with its principal administrator."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from cpf_contracts.events.habilitation import OrganisationCreated
from cpf_runtime.db import UnitOfWork
from cpf_runtime.problems import FieldError, Problem, invalid
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from habilitation.app.common import (
    Actor,
    Clock,
    Draw,
    audit,
    conflict,
    forbidden,
    not_found,
)
from habilitation.app.people import add_person
from habilitation.domain.person import check_contact
from habilitation.domain.siret import siret_rule
from habilitation.register.ports import (
    CompanyRegister,
    Entreprise,
    RegisterError,
    RegisterUnavailable,
)
from habilitation.store.tables import Gestionnaire, Organisation

SIRET_MESSAGES = {
    "siret_format": "Le SIRET compte 14 chiffres.",
    "siret_checksum": "Ce SIRET n'est pas valide (clé de contrôle).",
}


@dataclass(frozen=True)
class NewOrganisation:
    siret: str
    raison_sociale: str | None
    kind: str
    civilite: str
    prenom: str
    nom: str
    email: str
    email_confirmation: str
    telephone: str | None
    fonction: str | None


def require_operator(actor: Actor) -> None:
    if actor.kind != "operateur":
        raise forbidden("Cette opération est réservée à l'opérateur (back-office).")


def check_siret(siret: str, field: str = "siret") -> None:
    rule = siret_rule(siret)
    if rule is not None:
        raise invalid(FieldError(field, rule, SIRET_MESSAGES[rule]))


async def lookup_entreprise(register: CompanyRegister, siret: str) -> Entreprise:
    """The register's answer, or the problem the caller shows (404, 502, 503)."""
    check_siret(siret)
    try:
        found = await register.lookup(siret)
    except RegisterUnavailable as exc:
        raise Problem(
            503,
            "Registre des entreprises indisponible.",
            "Le registre des entreprises ne répond pas ; réessayez dans un instant.",
            code="register-unavailable",
        ) from exc
    except RegisterError as exc:
        raise Problem(
            502,
            "Réponse invalide du registre des entreprises.",
            "Le registre des entreprises a renvoyé une réponse illisible.",
            code="register-bad-gateway",
        ) from exc
    if found is None:
        raise not_found("Aucun établissement connu pour ce SIRET.")
    return found


@dataclass(frozen=True)
class Created:
    organisation: Organisation
    principal: Gestionnaire


async def create_organisation(
    uow: UnitOfWork,
    form: NewOrganisation,
    *,
    actor: Actor,
    register: CompanyRegister,
    clock: Clock,
    draw: Draw,
) -> Created:
    require_operator(actor)
    errors: list[FieldError] = []
    rule = siret_rule(form.siret)
    if rule is not None:
        errors.append(FieldError("siret", rule, SIRET_MESSAGES[rule]))
    contact, contact_errors = check_contact(
        civilite=form.civilite,
        prenom=form.prenom,
        nom=form.nom,
        email=form.email,
        email_confirmation=form.email_confirmation,
        telephone=form.telephone,
        fonction=form.fonction,
    )
    errors += [FieldError("administrateur." + e.field, e.rule, e.message) for e in contact_errors]
    if errors or contact is None:
        raise invalid(*errors)
    raison_sociale = (form.raison_sociale or "").strip()
    if not raison_sociale:
        # Pre-filled from the register when the operator leaves it empty.
        try:
            raison_sociale = (await lookup_entreprise(register, form.siret)).raison_sociale
        except Problem as problem:
            if problem.status != 404:
                raise
            raise invalid(
                FieldError(
                    "raison_sociale",
                    "required",
                    "SIRET inconnu du registre : saisissez la raison sociale.",
                )
            ) from problem
    session = uow.session
    if await session.scalar(select(exists().where(Organisation.siret == form.siret))):
        raise conflict("Un organisme est déjà inscrit avec ce SIRET.", "siret-taken")
    now = clock()
    organisation = Organisation(
        id=uuid.uuid4(),
        siret=form.siret,
        raison_sociale=raison_sociale,
        kind=form.kind,
        created_by=actor.account_id,
        created_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(organisation)
            await session.flush()
    except IntegrityError as exc:  # a concurrent creation of the same SIRET
        raise conflict("Un organisme est déjà inscrit avec ce SIRET.", "siret-taken") from exc
    uow.publish(
        OrganisationCreated(
            organisation_id=organisation.id,
            siret=organisation.siret,
            raison_sociale=organisation.raison_sociale,
            kind=form.kind,
            created_at=now,
        )
    )
    audit(
        session,
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
        draw=draw,
    )
    return Created(organisation, principal)


async def get_organisation(uow: UnitOfWork, organisation_id: uuid.UUID) -> Organisation:
    row = await uow.session.get(Organisation, organisation_id)
    if row is None:
        raise not_found("Organisme inconnu.")
    return row


async def list_organisations(
    uow: UnitOfWork, *, actor: Actor, siret: str | None, page: int, taille: int
) -> tuple[int, list[Organisation]]:
    """The operator's list, newest first, optionally by SIRET (or SIREN) prefix."""
    require_operator(actor)
    query = select(Organisation)
    if siret:
        query = query.where(Organisation.siret.startswith(siret.strip(), autoescape=True))
    total = await uow.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = await uow.session.scalars(
        query.order_by(Organisation.created_at.desc(), Organisation.id)
        .offset((page - 1) * taille)
        .limit(taille)
    )
    return total, list(rows)
