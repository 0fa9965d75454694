"""What every use case of the CPF employer space shares: the caller, the refusals, the
audit history and the record of a person as it is written there."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cpf_runtime.problems import FieldError, Problem, invalid
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from habilitation.domain.permissions import Action, Member, is_allowed
from habilitation.domain.person import Violation
from habilitation.store.tables import AuditEntry, Gestionnaire

Clock = Callable[[], datetime]
Draw = Callable[[int], int]


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Actor:
    """The caller, as the verified access token names them."""

    account_id: str
    kind: str  # titulaire | gestionnaire | portail | operateur | service

    @property
    def uuid(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(self.account_id)
        except ValueError:
            return None


def forbidden(detail: str) -> Problem:
    return Problem(403, "Accès refusé.", detail, code="forbidden")


def not_found(detail: str) -> Problem:
    return Problem(404, "Ressource introuvable.", detail, code="not-found")


def conflict(detail: str, code: str) -> Problem:
    return Problem(409, "Conflit.", detail, code=code)


def violations(errors: list[Violation], prefix: str = "") -> Problem:
    return invalid(*(FieldError(prefix + e.field, e.rule, e.message) for e in errors))


def as_member(row: Gestionnaire) -> Member:
    return Member(
        account_id=str(row.account_id),
        organisation_id=str(row.organisation_id),
        role=row.role,
        profile=row.profile,
    )


async def require_member(session: AsyncSession, actor: Actor) -> Gestionnaire:
    """The caller's active habilitation in the CPF employer space, or 403."""
    if actor.kind != "gestionnaire" or actor.uuid is None:
        raise forbidden("Cet espace est réservé aux gestionnaires habilités.")
    row = await session.get(Gestionnaire, actor.uuid)
    if row is None or not row.active:
        raise forbidden("Aucune habilitation active pour ce compte.")
    return row


def require_action(member: Gestionnaire, action: Action) -> None:
    if not is_allowed(member.role, member.profile, action):
        raise forbidden("Votre habilitation ne permet pas cette action.")


def snapshot(row: Gestionnaire) -> dict[str, Any]:
    return {
        "identifiant": row.identifiant,
        "civilite": row.civilite,
        "prenom": row.prenom,
        "nom": row.nom,
        "email": row.email,
        "telephone": row.telephone,
        "fonction": row.fonction,
        "unite_id": str(row.unite_id) if row.unite_id else None,
        "role": row.role,
        "profile": row.profile,
        "active": row.active,
    }


def audit(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    at: datetime,
    organisation_id: uuid.UUID | None,
    subject_id: uuid.UUID | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Append to the history, in the caller's transaction: no change without its trace."""
    session.add(
        AuditEntry(
            occurred_at=at,
            actor_id=actor.account_id,
            actor_kind=actor.kind,
            action=action,
            organisation_id=organisation_id,
            subject_id=subject_id,
            before=before,
            after=after,
        )
    )


async def history(
    session: AsyncSession,
    *,
    organisation_id: uuid.UUID | None = None,
    person: uuid.UUID | None = None,
    limit: int = 200,
) -> list[AuditEntry]:
    query = select(AuditEntry)
    if organisation_id is not None:
        query = query.where(AuditEntry.organisation_id == organisation_id)
    if person is not None:
        query = query.where(
            (AuditEntry.subject_id == person) | (AuditEntry.actor_id == str(person))
        )
    rows = await session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit))
    return list(rows)
