"""The users screen of a démarche (guide 002, « Utilisateurs de la démarche »), for a
gestionnaire: the people holding a role of the démarche on the SIRETs of their company
(same SIREN), searched and faceted, with their pending access requests and the open
delegations; and adding, changing or deleting a habilitation there (provenance
« gestionnaire »)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from cpf_contracts.catalogue import Demarche
from cpf_runtime.clock import Clock

from habilitation.app.common import Actor
from habilitation.app.demarches import rights
from habilitation.app.demarches.common import require_company_manager
from habilitation.app.demarches.ports import DemarcheUow
from habilitation.domain.demarche_errors import LastGestionnaire, NotManager
from habilitation.domain.demarche_screen import ScreenQuery, ScreenResult, ScreenUser, search_users
from habilitation.domain.demarches import (
    AccessRequest,
    Delegation,
    DemarcheHabilitation,
    PortailAccount,
    check,
    paris_day,
    require_demarche,
    role_error,
    same_company_error,
    siren_of,
    siret_error,
)
from habilitation.domain.errors import NotFound
from habilitation.domain.models import AuditEntry


@dataclass(frozen=True)
class Screen:
    demarche: Demarche
    result: ScreenResult
    names: dict[uuid.UUID, str]
    """Who granted what, by account id (« par invitation de <prénom nom> »)."""
    requests: list[tuple[AccessRequest, PortailAccount]]
    delegations: list[Delegation]
    """Every open delegation of the company, accepted or still proposed."""


async def users_screen(
    uow: DemarcheUow, demarche_code: str, query: ScreenQuery, *, actor: Actor, clock: Clock
) -> Screen:
    found = require_demarche(demarche_code)
    if query.role is not None:
        check(role_error(found, query.role))
    _, sirens = await require_company_manager(uow, actor, found)
    held = await uow.demarche_habilitations.of_company(found.code, sirens)
    delegations = await uow.delegations.of_company(found.code, sirens, paris_day(clock()))
    requests = await uow.access_requests.pending(found.code, sirens)
    acting = [d for d in delegations if d.status == "acceptee" and d.tiers_account_id]
    ids = {h.account_id for h in held} | {d.tiers_account_id for d in acting if d.tiers_account_id}
    ids |= {h.granted_by for h in held if h.granted_by} | {r.account_id for r in requests}
    directory = await uow.portail_accounts.many(ids)
    users: dict[uuid.UUID, ScreenUser] = {}
    for h in held:
        if h.account_id in directory:
            users.setdefault(
                h.account_id, ScreenUser(directory[h.account_id])
            ).habilitations.append(h)
    for d in acting:
        if d.tiers_account_id in directory:
            user = users.setdefault(d.tiers_account_id, ScreenUser(directory[d.tiers_account_id]))
            user.delegations.append(d)
    return Screen(
        demarche=found,
        result=search_users(list(users.values()), query),
        names={i: a.full_name for i, a in directory.items()},
        requests=[(r, directory[r.account_id]) for r in requests if r.account_id in directory],
        delegations=delegations,
    )


async def add_habilitation(
    uow: DemarcheUow,
    demarche_code: str,
    *,
    account_id: uuid.UUID,
    role: str,
    siret: str,
    actor: Actor,
    clock: Clock,
) -> DemarcheHabilitation:
    """« + » on the users screen: a person of the company (same SIREN at sign-up) gets a
    role for a SIRET of the company, at once (others are invited instead)."""
    found = require_demarche(demarche_code)
    by, sirens = await require_company_manager(uow, actor, found)
    check(role_error(found, role), siret_error(siret) or same_company_error(siret, sirens))
    account = await uow.portail_accounts.get(account_id)
    if account is None or account.siren != siren_of(siret):
        raise NotFound("Aucun compte de votre entreprise ne correspond.")
    wanted = rights.Grant(account_id, found, role, siret, "gestionnaire", by)
    return await rights.grant(uow, wanted, actor=actor, at=clock())


async def _managed(
    uow: DemarcheUow, demarche_code: str, habilitation_id: uuid.UUID, actor: Actor
) -> tuple[Demarche, DemarcheHabilitation, uuid.UUID]:
    found = require_demarche(demarche_code)
    habilitation = await uow.demarche_habilitations.get(habilitation_id)
    if habilitation is None or habilitation.demarche != found.code:
        raise NotFound("Habilitation inconnue.")
    by, sirens = await require_company_manager(uow, actor, found)
    if habilitation.siren not in sirens:
        raise NotManager(
            "Cette habilitation ne porte pas sur un établissement de votre entreprise."
        )
    return found, habilitation, by


async def _keep_a_manager(
    uow: DemarcheUow, found: Demarche, habilitation: DemarcheHabilitation
) -> None:
    """A SIRET keeps at least one gestionnaire (its holders' rows are locked: two
    gestionnaires removing each other at once cannot both succeed)."""
    if habilitation.role != found.manager_role:
        return
    holders = await uow.demarche_habilitations.holders(
        found.code, habilitation.siret, found.manager_role
    )
    if all(h.id == habilitation.id for h in holders):
        raise LastGestionnaire


async def change_habilitation(
    uow: DemarcheUow,
    demarche_code: str,
    habilitation_id: uuid.UUID,
    *,
    role: str,
    actor: Actor,
    clock: Clock,
) -> DemarcheHabilitation:
    found, habilitation, _ = await _managed(uow, demarche_code, habilitation_id, actor)
    check(role_error(found, role))
    if role == habilitation.role:
        return habilitation
    await _keep_a_manager(uow, found, habilitation)
    return await rights.change_role(uow, habilitation, role, actor=actor, at=clock())


async def delete_habilitation(
    uow: DemarcheUow, demarche_code: str, habilitation_id: uuid.UUID, *, actor: Actor, clock: Clock
) -> None:
    found, habilitation, by = await _managed(uow, demarche_code, habilitation_id, actor)
    await _keep_a_manager(uow, found, habilitation)
    await rights.revoke(uow, habilitation, actor=actor, at=clock(), by=by)


async def demarche_history(
    uow: DemarcheUow, demarche_code: str, *, actor: Actor
) -> list[AuditEntry]:
    """Every change of the démarche's rights on the SIRETs of my company, newest first."""
    found = require_demarche(demarche_code)
    _, sirens = await require_company_manager(uow, actor, found)
    return await uow.demarche_history.of_company(found.code, sirens)
