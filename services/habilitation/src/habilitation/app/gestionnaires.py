"""Administration of an organisation's people by its principal and delegated
administrators (guide 000), scoped to the caller's own organisation on every request."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

from cpf_contracts.events.habilitation import (
    GestionnaireContactChanged,
    GestionnaireDeactivated,
    GestionnairePasswordRegenerationRequested,
    HabilitationChanged,
    HabilitationRevoked,
)
from cpf_runtime.db import UnitOfWork
from cpf_runtime.problems import FieldError, invalid
from sqlalchemy import asc, desc, func, select
from sqlalchemy.exc import IntegrityError

from habilitation.app.common import (
    Actor,
    Clock,
    Draw,
    as_member,
    audit,
    conflict,
    forbidden,
    history,
    not_found,
    require_action,
    require_member,
    snapshot,
    violations,
)
from habilitation.app.people import add_person, email_taken
from habilitation.domain.permissions import (
    Action,
    Profile,
    Role,
    allowed_actions,
    effective_profile,
    refusal_on,
)
from habilitation.domain.person import check_contact
from habilitation.store.tables import AuditEntry, Gestionnaire, Organisation, Unite

# --- the unité de gestion ---


async def create_unite(uow: UnitOfWork, *, actor: Actor, nom: str, clock: Clock) -> Unite:
    member = await require_member(uow.session, actor)
    require_action(member, Action.UNITE_CREATE)
    nom = nom.strip()
    if not nom:
        raise invalid(FieldError("nom", "required", "Le nom de l'unité est obligatoire."))
    if await unite_of(uow, member.organisation_id) is not None:
        raise conflict("Une seule unité de gestion peut être créée par organisme.", "unite-exists")
    now = clock()
    unite = Unite(id=uuid.uuid4(), organisation_id=member.organisation_id, nom=nom, created_at=now)
    try:
        async with uow.session.begin_nested():
            uow.session.add(unite)
            await uow.session.flush()
    except IntegrityError as exc:  # a concurrent creation won
        raise conflict(
            "Une seule unité de gestion peut être créée par organisme.", "unite-exists"
        ) from exc
    audit(
        uow.session,
        actor=actor,
        action="unite.created",
        at=now,
        organisation_id=member.organisation_id,
        subject_id=unite.id,
        after={"nom": nom},
    )
    return unite


async def unite_of(uow: UnitOfWork, organisation_id: uuid.UUID) -> Unite | None:
    row: Unite | None = await uow.session.scalar(
        select(Unite).where(Unite.organisation_id == organisation_id)
    )
    return row


async def _check_unite(uow: UnitOfWork, organisation_id: uuid.UUID, unite_id: uuid.UUID) -> None:
    unite = await uow.session.get(Unite, unite_id)
    if unite is None or unite.organisation_id != organisation_id:
        raise invalid(
            FieldError(
                "unite_id", "unite_unknown", "Cette unité n'existe pas dans votre organisme."
            )
        )


# --- creating a gestionnaire ---


@dataclass(frozen=True)
class NewGestionnaire:
    civilite: str
    prenom: str
    nom: str
    email: str
    email_confirmation: str
    telephone: str | None
    fonction: str | None
    unite_id: uuid.UUID
    administrateur_delegue: bool
    profile: Profile


async def create_gestionnaire(
    uow: UnitOfWork, form: NewGestionnaire, *, actor: Actor, clock: Clock, draw: Draw
) -> Gestionnaire:
    member = await require_member(uow.session, actor)
    require_action(member, Action.GESTIONNAIRE_CREATE)
    contact, errors = check_contact(
        civilite=form.civilite,
        prenom=form.prenom,
        nom=form.nom,
        email=form.email,
        email_confirmation=form.email_confirmation,
        telephone=form.telephone,
        fonction=form.fonction,
    )
    if errors or contact is None:
        raise violations(errors)
    await _check_unite(uow, member.organisation_id, form.unite_id)
    organisation = await uow.session.get(Organisation, member.organisation_id)
    assert organisation is not None
    role: Role = "administrateur_delegue" if form.administrateur_delegue else "gestionnaire"
    return await add_person(
        uow,
        actor=actor,
        organisation=organisation,
        contact=contact,
        role=role,
        profile=form.profile,
        unite_id=form.unite_id,
        now=clock(),
        draw=draw,
    )


# --- reading ---

SortKey = Literal["nom", "prenom", "identifiant", "unite"]


@dataclass(frozen=True)
class Search:
    prenom: str | None = None
    nom: str | None = None
    identifiant: str | None = None
    unite_id: uuid.UUID | None = None  # None: "Toutes"
    page: int = 1
    taille: int = 10
    tri: SortKey = "nom"
    ordre: Literal["asc", "desc"] = "asc"


@dataclass
class Page:
    total: int
    page: int
    taille: int
    rows: list[tuple[Gestionnaire, str | None]] = field(default_factory=list)


def _contains(value: str) -> str:
    escaped = value.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def search_gestionnaires(uow: UnitOfWork, query: Search, *, actor: Actor) -> Page:
    member = await require_member(uow.session, actor)
    require_action(member, Action.GESTIONNAIRE_SEARCH)
    base = (
        select(Gestionnaire, Unite.nom)
        .outerjoin(Unite, Unite.id == Gestionnaire.unite_id)
        .where(
            Gestionnaire.organisation_id == member.organisation_id,
            Gestionnaire.active.is_(True),
        )
    )
    if query.prenom:
        base = base.where(Gestionnaire.prenom.ilike(_contains(query.prenom), escape="\\"))
    if query.nom:
        base = base.where(Gestionnaire.nom.ilike(_contains(query.nom), escape="\\"))
    if query.identifiant:
        base = base.where(Gestionnaire.identifiant.ilike(_contains(query.identifiant), escape="\\"))
    if query.unite_id is not None:
        base = base.where(Gestionnaire.unite_id == query.unite_id)
    total = await uow.session.scalar(select(func.count()).select_from(base.subquery())) or 0
    columns = {
        "nom": func.lower(Gestionnaire.nom),
        "prenom": func.lower(Gestionnaire.prenom),
        "identifiant": Gestionnaire.identifiant,
        "unite": func.lower(Unite.nom),
    }
    direction = asc if query.ordre == "asc" else desc
    order = [direction(columns[query.tri])]
    order += [direction(c) for k, c in columns.items() if k not in (query.tri, "unite")]
    result = await uow.session.execute(
        base.order_by(*order, Gestionnaire.account_id)
        .offset((query.page - 1) * query.taille)
        .limit(query.taille)
    )
    rows: list[tuple[Gestionnaire, str | None]] = [(g, u) for g, u in result.all()]
    return Page(total=total, page=query.page, taille=query.taille, rows=rows)


async def _target(uow: UnitOfWork, account_id: uuid.UUID, *, lock: bool = False) -> Gestionnaire:
    query = select(Gestionnaire).where(Gestionnaire.account_id == account_id)
    if lock:
        query = query.with_for_update()
    row: Gestionnaire | None = await uow.session.scalar(query)
    if row is None or not row.active:
        raise not_found("Gestionnaire inconnu.")
    return row


def _refuse(actor_row: Gestionnaire, action: Action, target: Gestionnaire, **kw: Any) -> None:
    reason = refusal_on(as_member(actor_row), action, as_member(target), **kw)
    if reason is not None:
        raise forbidden(reason)


async def get_gestionnaire(
    uow: UnitOfWork, account_id: uuid.UUID, *, actor: Actor
) -> tuple[Gestionnaire, Unite | None]:
    member = await require_member(uow.session, actor)
    target = await _target(uow, account_id)
    if target.account_id != member.account_id:
        _refuse(member, Action.GESTIONNAIRE_SEARCH, target)
    unite = await uow.session.get(Unite, target.unite_id) if target.unite_id else None
    return target, unite


async def person_history(
    uow: UnitOfWork, account_id: uuid.UUID, *, actor: Actor
) -> list[AuditEntry]:
    member = await require_member(uow.session, actor)
    target = await uow.session.get(Gestionnaire, account_id)
    if target is None:
        raise not_found("Gestionnaire inconnu.")
    _refuse(member, Action.GESTIONNAIRE_HISTORY, target)
    return await history(uow.session, organisation_id=target.organisation_id, person=account_id)


# --- changing ---


@dataclass(frozen=True)
class Edit:
    """Only the fields in ``given`` change (a PATCH)."""

    given: frozenset[str]
    civilite: str | None = None
    prenom: str | None = None
    nom: str | None = None
    email: str | None = None
    email_confirmation: str | None = None
    telephone: str | None = None
    fonction: str | None = None
    unite_id: uuid.UUID | None = None
    administrateur_delegue: bool | None = None
    profile: Profile | None = None


CONTACT_FIELDS = ("civilite", "prenom", "nom", "email", "telephone")


async def edit_gestionnaire(
    uow: UnitOfWork, account_id: uuid.UUID, edit: Edit, *, actor: Actor, clock: Clock
) -> Gestionnaire:
    member = await require_member(uow.session, actor)
    target = await _target(uow, account_id, lock=True)
    new_role: Role | None = None
    if "administrateur_delegue" in edit.given and edit.administrateur_delegue is not None:
        wanted: Role = "administrateur_delegue" if edit.administrateur_delegue else "gestionnaire"
        if target.role == "administrateur_principal" or wanted != target.role:
            new_role = wanted
    _refuse(member, Action.GESTIONNAIRE_EDIT, target, new_role=new_role)

    def pick(name: str) -> Any:
        return getattr(edit, name) if name in edit.given else getattr(target, name)

    email = pick("email") or ""
    email_changed = email.strip().lower() != target.email
    contact, errors = check_contact(
        civilite=pick("civilite") or "",
        prenom=pick("prenom") or "",
        nom=pick("nom") or "",
        email=email,
        email_confirmation=(edit.email_confirmation or "") if email_changed else None,
        telephone=pick("telephone"),
        fonction=pick("fonction"),
    )
    if errors or contact is None:
        raise violations(errors)
    if "unite_id" in edit.given and edit.unite_id is not None:
        await _check_unite(uow, target.organisation_id, edit.unite_id)
    if email_changed and await email_taken(uow, target.organisation_id, contact.email):
        raise conflict(
            "Une personne habilitée dans cet organisme utilise déjà ce courriel.", "email-taken"
        )
    before = snapshot(target)
    role: Role = new_role or target.role
    profile: Profile = target.profile
    if "profile" in edit.given and edit.profile is not None:
        profile = edit.profile
    profile = effective_profile(role, profile)
    target.civilite = contact.civilite
    target.prenom = contact.prenom
    target.nom = contact.nom
    target.email = contact.email
    target.telephone = contact.telephone
    target.fonction = contact.fonction
    if "unite_id" in edit.given:
        target.unite_id = edit.unite_id
    target.role = role
    target.profile = profile
    after = snapshot(target)
    if after == before:
        return target
    await uow.session.flush()
    now = clock()
    if any(before[k] != after[k] for k in CONTACT_FIELDS):
        uow.publish(
            GestionnaireContactChanged(
                account_id=target.account_id,
                civilite=contact.civilite,
                prenom=target.prenom,
                nom=target.nom,
                email=target.email,
                telephone=target.telephone,
                changed_at=now,
            )
        )
    if any(before[k] != after[k] for k in ("role", "profile", "unite_id")):
        organisation = await uow.session.get(Organisation, target.organisation_id)
        assert organisation is not None
        uow.publish(
            HabilitationChanged(
                account_id=target.account_id,
                organisation_id=target.organisation_id,
                siret=organisation.siret,
                role=role,
                profile=profile,
                unite_id=target.unite_id,
                changed_by=member.account_id,
                changed_at=now,
            )
        )
    audit(
        uow.session,
        actor=actor,
        action="gestionnaire.edited",
        at=now,
        organisation_id=target.organisation_id,
        subject_id=target.account_id,
        before=before,
        after=after,
    )
    return target


async def delete_gestionnaire(
    uow: UnitOfWork, account_id: uuid.UUID, *, actor: Actor, clock: Clock
) -> None:
    member = await require_member(uow.session, actor)
    target = await _target(uow, account_id, lock=True)
    _refuse(member, Action.GESTIONNAIRE_DELETE, target)
    before = snapshot(target)
    now = clock()
    target.active = False
    target.deactivated_at = now
    await uow.session.flush()
    organisation = await uow.session.get(Organisation, target.organisation_id)
    assert organisation is not None
    uow.publish(
        GestionnaireDeactivated(
            account_id=target.account_id,
            organisation_id=target.organisation_id,
            deactivated_by=member.account_id,
            deactivated_at=now,
        ),
        HabilitationRevoked(
            account_id=target.account_id,
            organisation_id=target.organisation_id,
            siret=organisation.siret,
            revoked_by=member.account_id,
            revoked_at=now,
        ),
    )
    audit(
        uow.session,
        actor=actor,
        action="gestionnaire.deleted",
        at=now,
        organisation_id=target.organisation_id,
        subject_id=target.account_id,
        before=before,
        after=snapshot(target),
    )


async def regenerate_password(
    uow: UnitOfWork, account_id: uuid.UUID, *, actor: Actor, clock: Clock
) -> None:
    member = await require_member(uow.session, actor)
    target = await _target(uow, account_id)
    _refuse(member, Action.GESTIONNAIRE_REGENERATE_PASSWORD, target)
    now = clock()
    uow.publish(
        GestionnairePasswordRegenerationRequested(
            account_id=target.account_id, requested_by=member.account_id, requested_at=now
        )
    )
    audit(
        uow.session,
        actor=actor,
        action="gestionnaire.password_regeneration_requested",
        at=now,
        organisation_id=target.organisation_id,
        subject_id=target.account_id,
    )


# --- the caller's own rights ---


@dataclass(frozen=True)
class MyRights:
    member: Gestionnaire
    organisation: Organisation
    unite: Unite | None
    profile: Profile
    actions: list[str]


async def my_habilitations(uow: UnitOfWork, *, actor: Actor) -> MyRights:
    member = await require_member(uow.session, actor)
    organisation = await uow.session.get(Organisation, member.organisation_id)
    assert organisation is not None
    unite = await uow.session.get(Unite, member.unite_id) if member.unite_id else None
    role, profile = member.role, member.profile
    return MyRights(
        member=member,
        organisation=organisation,
        unite=unite,
        profile=effective_profile(role, profile),
        actions=sorted(a.value for a in allowed_actions(role, profile)),
    )


async def organisation_history(
    uow: UnitOfWork, organisation_id: uuid.UUID, *, actor: Actor
) -> list[AuditEntry]:
    if actor.kind != "operateur":
        member = await require_member(uow.session, actor)
        if member.organisation_id != organisation_id:
            raise forbidden("Cet organisme n'est pas le vôtre.")
        require_action(member, Action.AUDIT_READ)
    elif await uow.session.get(Organisation, organisation_id) is None:
        raise not_found("Organisme inconnu.")
    return await history(uow.session, organisation_id=organisation_id)
