"""Access requests (guide 002, « Demander l'accès à un gestionnaire »): a user who is not
the first of the structure asks for a role; every gestionnaire of that démarche and SIRET is
told; one of them accepts (choosing the role) or refuses (with a reason), once."""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from typing import cast

from cpf_contracts.catalogue import DemarcheCode, RoleCode
from cpf_contracts.events.habilitation_demarche import (
    AccessRequestDecided,
    AccessRequested,
    Recipient,
)
from cpf_runtime.clock import Clock

from habilitation.app.common import Actor
from habilitation.app.demarches.common import (
    audit,
    known_account,
    portal_user,
    recipient,
    require_manager,
)
from habilitation.app.demarches.ports import DemarcheUow
from habilitation.app.demarches.rights import Grant, grant
from habilitation.domain.demarche_errors import (
    AlreadyDecided,
    AlreadyHabilitated,
    NoGestionnaireYet,
    RequestPending,
)
from habilitation.domain.demarches import (
    MAX_REASON,
    AccessRequest,
    FieldError,
    check,
    require_demarche,
    required_error,
    role_error,
    siren_of,
    siret_error,
)
from habilitation.domain.errors import NotFound


async def request_access(
    uow: DemarcheUow,
    demarche_code: str,
    siret: str,
    wished_role: str | None,
    *,
    actor: Actor,
    clock: Clock,
) -> AccessRequest:
    found = require_demarche(demarche_code)
    check(
        siret_error(siret),
        role_error(found, wished_role, "role_souhaite") if wished_role else None,
    )
    account_id = portal_user(actor)
    requester = await known_account(uow, account_id)
    if await uow.demarche_habilitations.find(account_id, found.code, siret) is not None:
        raise AlreadyHabilitated("Vous êtes déjà habilité à cette démarche pour ce SIRET.")
    managers = await uow.demarche_habilitations.holders(found.code, siret, found.manager_role)
    directory = await uow.portail_accounts.many(m.account_id for m in managers)
    if not directory:
        raise NoGestionnaireYet
    now = clock()
    request = AccessRequest(
        id=uuid.uuid4(),
        demarche=found.code,
        siret=siret,
        siren=siren_of(siret),
        account_id=account_id,
        wished_role=wished_role,
        status="en_attente",
        requested_at=now,
    )
    if not await uow.access_requests.add(request):
        raise RequestPending
    uow.publish(
        AccessRequested(
            request_id=request.id,
            demarche=cast(DemarcheCode, found.code),
            siret=siret,
            account_id=account_id,
            requester=recipient(requester),
            wished_role=cast(RoleCode | None, wished_role),
            gestionnaires=[
                recipient(directory[m.account_id]) for m in managers if m.account_id in directory
            ],
            requested_at=now,
        )
    )
    await audit(
        uow,
        actor=actor,
        action="access_request.requested",
        at=now,
        subject=account_id,
        after={"request_id": str(request.id), "demarche": found.code, "siret": siret},
    )
    return request


@dataclass(frozen=True)
class Decision:
    accept: bool
    role: str | None = None
    reason: str | None = None


def _decision_errors(request: AccessRequest, decision: Decision) -> None:
    found = require_demarche(request.demarche)
    if decision.accept:
        role = decision.role or request.wished_role
        check(
            required_error(role, "role", "Le rôle à donner")
            or role_error(found, role or "", "role")
        )
        return
    too_long = (
        FieldError("motif", "max_length", f"Le motif ne peut dépasser {MAX_REASON} caractères.")
        if decision.reason and len(decision.reason) > MAX_REASON
        else None
    )
    check(required_error(decision.reason, "motif", "Le motif du refus") or too_long)


async def decide_request(
    uow: DemarcheUow,
    demarche_code: str,
    request_id: uuid.UUID,
    decision: Decision,
    *,
    actor: Actor,
    clock: Clock,
) -> AccessRequest:
    """By a gestionnaire of that démarche and SIRET only; the first decision wins (one
    conditional update), a second is ``AlreadyDecided``."""
    found = require_demarche(demarche_code)
    request = await uow.access_requests.get(request_id)
    if request is None or request.demarche != found.code:
        raise NotFound("Demande d'accès inconnue.")
    decider = await require_manager(uow, actor, found, request.siret)
    _decision_errors(request, decision)
    requester = await uow.portail_accounts.get(request.account_id)
    if requester is None:
        raise NotFound("Le compte du demandeur n'existe plus.")
    now = clock()
    role = (decision.role or request.wished_role) if decision.accept else None
    decided = dataclasses.replace(
        request,
        status="acceptee" if decision.accept else "refusee",
        decided_by=decider,
        decided_at=now,
        role=role,
        reason=None if decision.accept else (decision.reason or "").strip(),
    )
    if not await uow.access_requests.decide(decided):
        raise AlreadyDecided
    if role is not None:
        wanted = Grant(request.account_id, found, role, request.siret, "demande_acces", decider)
        await grant(uow, wanted, actor=actor, at=now)
    await _announce(uow, decided, recipient(requester), actor=actor)
    return decided


async def _announce(
    uow: DemarcheUow, decided: AccessRequest, requester: Recipient, *, actor: Actor
) -> None:
    assert decided.decided_by is not None and decided.decided_at is not None
    decider, now = decided.decided_by, decided.decided_at
    uow.publish(
        AccessRequestDecided(
            request_id=decided.id,
            demarche=cast(DemarcheCode, decided.demarche),
            siret=decided.siret,
            account_id=decided.account_id,
            requester=requester,
            decision=decided.status,
            role=cast(RoleCode | None, decided.role),
            reason=decided.reason,
            decided_by=decider,
            decided_at=now,
        )
    )
    await audit(
        uow,
        actor=actor,
        action="access_request.decided",
        at=now,
        subject=decided.account_id,
        after={
            "request_id": str(decided.id),
            "demarche": decided.demarche,
            "siret": decided.siret,
            "decision": decided.status,
            "role": decided.role,
        },
    )
