"""Delegations to a third party (guide 002, Mon Activité Formation): a gestionnaire
delegates a role on a SIRET of their company to a tiers known by its SIRET and e-mail,
possibly until an end date (included); the tiers, logged in with that e-mail, accepts; the
delegation can be changed or revoked; at the end date it ends by itself (access stops at
once: the authorization check compares the date on every request; the job only publishes
``DelegationEnded``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from cpf_contracts import wording
from cpf_contracts.catalogue import Demarche, DemarcheCode, RoleCode
from cpf_contracts.events.habilitation_demarche import (
    DelegationAccepted,
    DelegationChanged,
    DelegationEnded,
    DelegationProposed,
    DelegationRevoked,
)
from cpf_runtime.clock import Clock

from habilitation.app.common import Actor
from habilitation.app.demarches.common import (
    PLATFORM,
    DemarcheRules,
    audit,
    company_name,
    known_account,
    portal_user,
    recipient,
    require_company_manager,
)
from habilitation.app.demarches.ports import DemarcheUow
from habilitation.domain.demarche_errors import (
    DelegationNotPending,
    DelegationOver,
    FeatureOff,
    NotManager,
    NotTheInvitee,
)
from habilitation.domain.demarches import (
    Delegation,
    PortailAccount,
    check,
    email_error,
    end_date_error,
    paris_day,
    require_demarche,
    role_error,
    same_company_error,
    siren_of,
    siret_error,
)
from habilitation.domain.errors import NotFound


@dataclass(frozen=True)
class DelegationForm:
    siret_tiers: str
    email_tiers: str
    role: str
    siret: str
    fin: date | None = None


@dataclass(frozen=True)
class Preview:
    objet: str
    message: str
    confirmation: str


@dataclass(frozen=True)
class _Ready:
    demarche: Demarche
    delegator: PortailAccount
    raison_sociale: str
    form: DelegationForm


def _offering(demarche_code: str) -> Demarche:
    found = require_demarche(demarche_code)
    if not found.delegations:
        raise FeatureOff(f"La démarche {found.label} ne propose pas de délégation à un tiers.")
    return found


async def _ready(
    uow: DemarcheUow, demarche_code: str, form: DelegationForm, actor: Actor, rules: DemarcheRules
) -> _Ready:
    found = _offering(demarche_code)
    account_id, sirens = await require_company_manager(uow, actor, found)
    email = form.email_tiers.strip().lower()
    check(
        siret_error(form.siret_tiers, "siret_tiers"),
        email_error(email, "email_tiers"),
        role_error(found, form.role),
        siret_error(form.siret) or same_company_error(form.siret, sirens),
        end_date_error(form.fin, paris_day(rules.clock())),
    )
    delegator = await known_account(uow, account_id)
    form = DelegationForm(form.siret_tiers, email, form.role, form.siret, form.fin)
    return _Ready(found, delegator, await company_name(rules, delegator, form.siret), form)


def _preview(ready: _Ready) -> Preview:
    text = wording.delegation_text(
        demarche_label=ready.demarche.label,
        delegator=ready.delegator.full_name,
        raison_sociale=ready.raison_sociale,
    )
    confirmation = wording.delegation_confirmation(
        email=ready.form.email_tiers, demarche_label=ready.demarche.label
    )
    return Preview(text.objet, text.message, confirmation)


async def preview_delegation(
    uow: DemarcheUow,
    demarche_code: str,
    form: DelegationForm,
    *,
    actor: Actor,
    rules: DemarcheRules,
) -> Preview:
    """« Récapitulatif de l'invitation » and the confirmation's warning; nothing changes."""
    return _preview(await _ready(uow, demarche_code, form, actor, rules))


async def propose_delegation(
    uow: DemarcheUow,
    demarche_code: str,
    form: DelegationForm,
    *,
    actor: Actor,
    rules: DemarcheRules,
) -> Delegation:
    ready = await _ready(uow, demarche_code, form, actor, rules)
    now = rules.clock()
    f = ready.form
    delegation = Delegation(
        id=uuid.uuid4(),
        demarche=ready.demarche.code,
        role=f.role,
        siret=f.siret,
        siren=siren_of(f.siret),
        raison_sociale=ready.raison_sociale,
        delegated_by=ready.delegator.account_id,
        tiers_siret=f.siret_tiers,
        tiers_email=f.email_tiers,
        ends_on=f.fin,
        status="proposee",
        proposed_at=now,
    )
    await uow.delegations.add(delegation)
    uow.publish(
        DelegationProposed(
            delegation_id=delegation.id,
            demarche=cast(DemarcheCode, delegation.demarche),
            role=cast(RoleCode, delegation.role),
            siret=delegation.siret,
            raison_sociale=delegation.raison_sociale,
            delegated_by=delegation.delegated_by,
            delegator=recipient(ready.delegator),
            tiers_siret=delegation.tiers_siret,
            tiers_email=delegation.tiers_email,
            ends_on=delegation.ends_on,
            accept_link=rules.delegation_link(delegation.id),
            proposed_at=now,
        )
    )
    await _audit(uow, actor, "delegation.proposed", delegation, now)
    return delegation


async def accept_delegation(
    uow: DemarcheUow, delegation_id: uuid.UUID, *, actor: Actor, clock: Clock
) -> Delegation:
    """By the tiers, logged in with the address the delegation was sent to."""
    account = await known_account(uow, portal_user(actor))
    delegation = await uow.delegations.get(delegation_id)
    if delegation is None:
        raise NotFound("Délégation inconnue.")
    now = clock()
    today = paris_day(now)
    if delegation.status in ("revoquee", "terminee") or delegation.ended(today):
        raise DelegationOver
    if account.email != delegation.tiers_email:
        raise NotTheInvitee("Cette délégation")
    accepted = await uow.delegations.accept(delegation.id, account.account_id, now, today)
    if accepted is None:
        raise DelegationNotPending
    uow.publish(
        DelegationAccepted(
            delegation_id=accepted.id,
            demarche=cast(DemarcheCode, accepted.demarche),
            role=cast(RoleCode, accepted.role),
            siret=accepted.siret,
            tiers_siret=accepted.tiers_siret,
            tiers_account_id=account.account_id,
            ends_on=accepted.ends_on,
            accepted_at=now,
        )
    )
    await _audit(uow, actor, "delegation.accepted", accepted, now)
    return accepted


async def _managed(
    uow: DemarcheUow, demarche_code: str, delegation_id: uuid.UUID, actor: Actor
) -> tuple[Demarche, Delegation, uuid.UUID]:
    """The delegation, for a gestionnaire of the company whose SIRET it covers."""
    found = _offering(demarche_code)
    delegation = await uow.delegations.get(delegation_id)
    if delegation is None or delegation.demarche != found.code:
        raise NotFound("Délégation inconnue.")
    account_id, sirens = await require_company_manager(uow, actor, found)
    if delegation.siren not in sirens:
        raise NotManager("Cette délégation ne porte pas sur un établissement de votre entreprise.")
    return found, delegation, account_id


async def change_delegation(
    uow: DemarcheUow,
    demarche_code: str,
    delegation_id: uuid.UUID,
    *,
    role: str | None,
    fin: date | None,
    fin_given: bool,
    actor: Actor,
    clock: Clock,
) -> Delegation:
    """A new role and/or end date (``fin_given`` false keeps the end date)."""
    found, delegation, by = await _managed(uow, demarche_code, delegation_id, actor)
    now = clock()
    today = paris_day(now)
    role = role or delegation.role
    fin = fin if fin_given else delegation.ends_on
    check(role_error(found, role), end_date_error(fin, today) if fin_given else None)
    changed = await uow.delegations.change(delegation.id, role, fin, today)
    if changed is None:
        raise DelegationOver
    uow.publish(
        DelegationChanged(
            delegation_id=changed.id,
            role=cast(RoleCode, changed.role),
            ends_on=changed.ends_on,
            changed_by=by,
            changed_at=now,
        )
    )
    await _audit(uow, actor, "delegation.changed", changed, now)
    return changed


async def revoke_delegation(
    uow: DemarcheUow, demarche_code: str, delegation_id: uuid.UUID, *, actor: Actor, clock: Clock
) -> None:
    _, delegation, by = await _managed(uow, demarche_code, delegation_id, actor)
    await _revoke(uow, delegation, by=by, actor=actor, clock=clock)


async def _revoke(
    uow: DemarcheUow, delegation: Delegation, *, by: uuid.UUID, actor: Actor, clock: Clock
) -> None:
    now = clock()
    revoked = await uow.delegations.revoke(delegation.id, by, now, paris_day(now))
    if revoked is None:
        raise DelegationOver
    uow.publish(DelegationRevoked(delegation_id=revoked.id, revoked_by=by, revoked_at=now))
    await _audit(uow, actor, "delegation.revoked", revoked, now)


async def revoke_for_deleted_tiers(
    uow: DemarcheUow, account_id: uuid.UUID, *, at: datetime
) -> None:
    """A deleted account no longer acts for anyone (revoked by the platform: nil UUID)."""
    for delegation in await uow.delegations.of_tiers(account_id, paris_day(at)):
        await _revoke(uow, delegation, by=uuid.UUID(int=0), actor=PLATFORM, clock=lambda: at)


async def end_delegations(uow: DemarcheUow, *, clock: Clock, limit: int = 100) -> int:
    """Mark ended the delegations whose end date passed, each with ``DelegationEnded``
    (the job; access stopped at the date already)."""
    now = clock()
    ended = await uow.delegations.end_due(paris_day(now), now, limit)
    for delegation in ended:
        assert delegation.ends_on is not None
        uow.publish(
            DelegationEnded(delegation_id=delegation.id, ends_on=delegation.ends_on, ended_at=now)
        )
        await _audit(uow, PLATFORM, "delegation.ended", delegation, now)
    return len(ended)


async def _audit(
    uow: DemarcheUow, actor: Actor, action: str, delegation: Delegation, at: datetime
) -> None:
    await audit(
        uow,
        actor=actor,
        action=action,
        at=at,
        subject=delegation.tiers_account_id,
        after={
            "delegation_id": str(delegation.id),
            "demarche": delegation.demarche,
            "role": delegation.role,
            "siret": delegation.siret,
            "tiers_siret": delegation.tiers_siret,
            "tiers_email": delegation.tiers_email,
            "ends_on": delegation.ends_on.isoformat() if delegation.ends_on else None,
            "status": delegation.status,
        },
    )
