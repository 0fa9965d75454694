"""The agents of each démarche's authority: granted and revoked by a command, checked on
every code route."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from cpf_runtime.clock import Clock

from demarche.app.catalogue import get_demarche
from demarche.app.ports import DemarcheUow
from demarche.domain.agents import AuthorityAgent
from demarche.domain.errors import FieldError, Forbidden, InvalidInput


@dataclass(frozen=True)
class Actor:
    """Who calls, from the verified token: the account and its kind."""

    account_id: uuid.UUID
    kind: str


async def require_agent(uow: DemarcheUow, actor: Actor, demarche: str) -> AuthorityAgent:
    """The caller as an agent of ``demarche``'s authority, or ``Forbidden``."""
    get_demarche(demarche)
    agent = None
    if actor.kind == "operateur":
        agent = await uow.agents.get(actor.account_id, demarche)
    if agent is None:
        raise Forbidden(
            "Cette opération est réservée aux agents de l'autorité en charge de la démarche."
        )
    return agent


async def grant_agent(
    uow: DemarcheUow,
    clock: Clock,
    *,
    account_id: uuid.UUID,
    demarche: str,
    service: str,
    ville: str,
) -> AuthorityAgent:
    """Make an operateur account an agent of ``demarche``'s authority (or change its
    service and ville)."""
    found = get_demarche(demarche)
    errors = [
        FieldError(name, "required", "Ce champ est obligatoire.")
        for name, value in (("service", service), ("ville", ville))
        if not value.strip()
    ]
    if errors:
        raise InvalidInput(errors[0].message, errors=errors)
    agent = AuthorityAgent(account_id, found.code, service.strip(), ville.strip(), clock())
    await uow.agents.put(agent)
    return agent


async def revoke_agent(uow: DemarcheUow, *, account_id: uuid.UUID, demarche: str) -> bool:
    get_demarche(demarche)
    return await uow.agents.remove(account_id, demarche)
