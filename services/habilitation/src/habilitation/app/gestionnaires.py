"""Administration of an organisation's people by its principal and delegated
administrators (guide 000), scoped to the caller's own organisation on every request."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cpf_contracts.events.habilitation import (
    GestionnaireContactChanged,
    GestionnairePasswordRegenerationRequested,
    HabilitationChanged,
)
from cpf_runtime.clock import Clock

from habilitation.app.common import (
    Actor,
    active_target,
    organisation_of,
    record_on,
    refuse_creation_unless_allowed,
    refuse_unless_allowed,
    require_action_by,
    require_member,
    rights_of,
    unite_of,
)
from habilitation.app.organisations import NewPerson, contact_of
from habilitation.app.people import add_person
from habilitation.app.ports import HabilitationUow, Ports
from habilitation.app.unite import check_unite
from habilitation.domain.errors import EmailTaken, invalid
from habilitation.domain.models import Criteres, Gestionnaire, Page, Paging, Sorting, Unite
from habilitation.domain.permissions import Action, Profile, Role, effective_profile
from habilitation.domain.person import Contact, check_contact


@dataclass(frozen=True)
class NewGestionnaire:
    person: NewPerson
    unite_id: uuid.UUID
    administrateur_delegue: bool
    profile: Profile


async def create_gestionnaire(
    uow: HabilitationUow, form: NewGestionnaire, *, actor: Actor, ports: Ports
) -> tuple[Gestionnaire, Unite | None]:
    """The new person (with the identifiant to tell them) and their unit."""
    member = await require_action_by(uow, actor, Action.GESTIONNAIRE_CREATE)
    role: Role = "administrateur_delegue" if form.administrateur_delegue else "gestionnaire"
    refuse_creation_unless_allowed(member, role)
    contact, errors = contact_of(form.person)
    if errors or contact is None:
        raise invalid(*errors)
    await check_unite(uow, member.organisation_id, form.unite_id)
    person = await add_person(
        uow,
        actor=actor,
        organisation=await organisation_of(uow, member),
        contact=contact,
        role=role,
        profile=form.profile,
        unite_id=form.unite_id,
        now=ports.clock(),
        draw=ports.draw,
    )
    return person, await unite_of(uow, person)


async def search_gestionnaires(
    uow: HabilitationUow,
    criteres: Criteres,
    *,
    paging: Paging,
    sorting: Sorting,
    actor: Actor,
) -> Page[tuple[Gestionnaire, str | None]]:
    """Active people of the caller's organisation, with the name of their unit."""
    member = await require_action_by(uow, actor, Action.GESTIONNAIRE_SEARCH)
    return await uow.gestionnaires.search(member.organisation_id, criteres, paging, sorting)


async def get_gestionnaire(
    uow: HabilitationUow, account_id: uuid.UUID, *, actor: Actor
) -> tuple[Gestionnaire, Unite | None]:
    """A person's record, for an administrator of their organisation or for themselves."""
    member = await require_member(uow, actor)
    target = await active_target(uow, account_id)
    if target.account_id != member.account_id:
        refuse_unless_allowed(member, Action.GESTIONNAIRE_SEARCH, target)
    return target, await unite_of(uow, target)


async def regenerate_password(
    uow: HabilitationUow, account_id: uuid.UUID, *, actor: Actor, clock: Clock
) -> None:
    """Identity e-mails the person a new temporary password."""
    member = await require_member(uow, actor)
    target = await active_target(uow, account_id)
    refuse_unless_allowed(member, Action.GESTIONNAIRE_REGENERATE_PASSWORD, target)
    now = clock()
    uow.publish(
        GestionnairePasswordRegenerationRequested(
            account_id=target.account_id,
            requested_by=member.account_id,
            requested_at=now,
            role=target.role,
        )
    )
    await record_on(
        uow,
        target,
        actor=actor,
        action="gestionnaire.password_regeneration_requested",
        at=now,
    )


# --- editing ---


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

    def has(self, name: str) -> bool:
        return name in self.given and getattr(self, name) is not None


CONTACT_FIELDS = ("civilite", "prenom", "nom", "email", "telephone")
RIGHTS_FIELDS = ("role", "profile", "unite_id")


async def edit_gestionnaire(
    uow: HabilitationUow, account_id: uuid.UUID, edit: Edit, *, actor: Actor, clock: Clock
) -> tuple[Gestionnaire, Unite | None]:
    """Change a person's record and rights; an edit that changes nothing records nothing."""
    member = await require_member(uow, actor)
    target = await active_target(uow, account_id, lock=True)
    new_role = _new_role(edit, target)
    refuse_unless_allowed(member, Action.GESTIONNAIRE_EDIT, target, new_role=new_role)
    contact = _edited_contact(edit, target)
    if edit.has("unite_id"):
        assert edit.unite_id is not None
        await check_unite(uow, target.organisation_id, edit.unite_id)
    if contact.email != target.email and await uow.gestionnaires.email_taken(
        target.organisation_id, contact.email
    ):
        raise EmailTaken
    role: Role = new_role or target.role
    profile: Profile = target.profile
    if "profile" in edit.given and edit.profile is not None:
        profile = edit.profile
    now = clock()
    edited = dataclasses.replace(
        target,
        civilite=contact.civilite,
        prenom=contact.prenom,
        nom=contact.nom,
        email=contact.email,
        telephone=contact.telephone,
        fonction=contact.fonction,
        unite_id=edit.unite_id if "unite_id" in edit.given else target.unite_id,
        role=role,
        profile=effective_profile(role, profile),
    )
    before, after = target.snapshot(), edited.snapshot()
    if after != before:
        await uow.gestionnaires.update(edited)
        await _publish_edit(uow, edited, changed=_changed(before, after), by=member, at=now)
        await record_on(
            uow,
            edited,
            actor=actor,
            action="gestionnaire.edited",
            at=now,
            before=before,
            after=after,
        )
    return edited, await unite_of(uow, edited)


def _new_role(edit: Edit, target: Gestionnaire) -> Role | None:
    """The role the edit gives, when it changes it (asked of the principal: a refusal)."""
    if not edit.has("administrateur_delegue"):
        return None
    wanted: Role = "administrateur_delegue" if edit.administrateur_delegue else "gestionnaire"
    if target.role == "administrateur_principal" or wanted != target.role:
        return wanted
    return None


def _edited_contact(edit: Edit, target: Gestionnaire) -> Contact:
    """The contact after the edit, checked as a whole; the e-mail is confirmed only when
    it changes."""

    def pick(name: str) -> Any:
        return getattr(edit, name) if name in edit.given else getattr(target, name)

    email = pick("email") or ""
    email_changed = email.strip().lower() != target.email
    contact, violations = check_contact(
        civilite=pick("civilite") or "",
        prenom=pick("prenom") or "",
        nom=pick("nom") or "",
        email=email,
        email_confirmation=(edit.email_confirmation or "") if email_changed else None,
        telephone=pick("telephone"),
        fonction=pick("fonction"),
    )
    if violations or contact is None:
        raise invalid(*violations)
    return contact


def _changed(before: dict[str, Any], after: dict[str, Any]) -> set[str]:
    return {k for k in after if before[k] != after[k]}


async def _publish_edit(
    uow: HabilitationUow, person: Gestionnaire, *, changed: set[str], by: Gestionnaire, at: datetime
) -> None:
    """What other services keep of the person: their contact, their rights."""
    if changed & set(CONTACT_FIELDS):
        uow.publish(
            GestionnaireContactChanged(
                account_id=person.account_id,
                civilite=person.civilite,
                prenom=person.prenom,
                nom=person.nom,
                email=person.email,
                telephone=person.telephone,
                changed_at=at,
            )
        )
    if changed & set(RIGHTS_FIELDS):
        organisation = await organisation_of(uow, person)
        uow.publish(
            HabilitationChanged(
                **rights_of(person, organisation), changed_by=by.account_id, changed_at=at
            )
        )
