"""The operator and an organisation's principal administrator (guide 001): the operator
created him with the organisation; he can resend his credentials (identifiant and a new
temporary password, e-mailed by identity) and designate another principal.

An organisation never stays without a principal: the designation locks the organisation's
row (designations of one organisation run one at a time), then the outgoing principal's row
and the incoming person's, and swaps the roles in one transaction; the outgoing principal
becomes an *administrateur délégué* (he keeps administering the gestionnaires, and the new
principal decides what becomes of him). Deleting a person locks their row and refuses a
principal, so a deletion racing a designation either happens first (the designation then
finds nobody) or sees the new role (and is refused).
"""

from __future__ import annotations

import dataclasses
import uuid

from cpf_contracts.events.habilitation import (
    GestionnairePasswordRegenerationRequested,
    HabilitationChanged,
)

from habilitation.app.common import Actor, record_on, require_operator, rights_of
from habilitation.app.ports import HabilitationUow, Ports
from habilitation.domain.errors import Forbidden, NotFound
from habilitation.domain.models import Gestionnaire, Organisation


async def _organisation(
    uow: HabilitationUow, organisation_id: uuid.UUID, *, lock: bool = False
) -> Organisation:
    organisation = await uow.organisations.get(organisation_id, lock=lock)
    if organisation is None:
        raise NotFound("Organisme inconnu.")
    return organisation


async def _principal(
    uow: HabilitationUow, organisation: Organisation, *, lock: bool = False
) -> Gestionnaire:
    principal = await uow.gestionnaires.principal_of(organisation.id, lock=lock)
    if principal is None:  # not reachable through the API: every organisation has one
        raise NotFound("Cet organisme n'a pas d'administrateur principal.")
    return principal


async def resend_principal_credentials(
    uow: HabilitationUow, organisation_id: uuid.UUID, *, actor: Actor, ports: Ports
) -> Gestionnaire:
    """Identity draws a new temporary password and e-mails it with the identifiant."""
    require_operator(actor)
    principal = await _principal(uow, await _organisation(uow, organisation_id))
    now = ports.clock()
    uow.publish(
        GestionnairePasswordRegenerationRequested(
            account_id=principal.account_id,
            requested_by=_operator_id(actor),
            requested_at=now,
            role=principal.role,
        )
    )
    await record_on(
        uow, principal, actor=actor, action="administrateur_principal.identifiants_renvoyes", at=now
    )
    return principal


async def designate_principal(
    uow: HabilitationUow,
    organisation_id: uuid.UUID,
    account_id: uuid.UUID,
    *,
    actor: Actor,
    ports: Ports,
) -> Gestionnaire:
    """``account_id`` (an active person of the organisation) becomes its principal
    administrator; the previous one becomes an administrateur délégué."""
    require_operator(actor)
    organisation = await _organisation(uow, organisation_id, lock=True)
    previous = await _principal(uow, organisation, lock=True)
    if previous.account_id == account_id:
        return previous
    chosen = await uow.gestionnaires.get(account_id, lock=True)
    if chosen is None or not chosen.active or chosen.organisation_id != organisation.id:
        raise NotFound("Aucune personne active de cet organisme n'a cet identifiant de compte.")
    demoted = dataclasses.replace(previous, role="administrateur_delegue")
    promoted = dataclasses.replace(chosen, role="administrateur_principal", profile="cloture")
    now = ports.clock()
    for before, after in ((previous, demoted), (chosen, promoted)):
        await uow.gestionnaires.update(after)  # the demotion first: one principal at a time
        uow.publish(
            HabilitationChanged(
                **rights_of(after, organisation), changed_by=_operator_id(actor), changed_at=now
            )
        )
        await record_on(
            uow,
            after,
            actor=actor,
            action="administrateur_principal.designe",
            at=now,
            before=before.snapshot(),
            after=after.snapshot(),
        )
    return promoted


def _operator_id(actor: Actor) -> uuid.UUID:
    if actor.uuid is None:
        raise Forbidden("Cette opération est réservée à l'opérateur (back-office).")
    return actor.uuid
