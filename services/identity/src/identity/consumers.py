"""Events in, the same use cases a route or a command calls: consumer group
``identity.gestionnaires``, the logins habilitation asks for; group
``identity.titulaires``, the titulaires' contact changes account-cpf asks for.

The inbox makes a redelivery a no-op; the account id (habilitation's) makes a replay, or the
second version of one fact (``GestionnaireToProvision`` v1 and ``GestionnaireCreated`` v2,
both published for each gestionnaire), a no-op too.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, cast

from cpf_contracts.events.account_cpf import TitulaireContactChangeRequested
from cpf_contracts.events.habilitation import (
    GestionnaireContactChanged,
    GestionnaireCreated,
    GestionnaireDeactivated,
    GestionnairePasswordRegenerationRequested,
    GestionnaireToProvision,
    HabilitationChanged,
    HabilitationGranted,
)
from cpf_runtime.consumer import Handler, Subscription
from cpf_runtime.db import UnitOfWork
from cpf_runtime.service import Runtime

from identity.app.contact_requests import apply_contact_change_request
from identity.app.ports import Uow
from identity.app.provisioning import (
    change_contact,
    delete_account,
    provision_gestionnaire,
    regenerate_password,
    spare_principal,
)
from identity.app.services import Services

GROUP = "gestionnaires"
TITULAIRES_GROUP = "titulaires"


def _on(handle: Callable[[Any, Uow], Awaitable[object]]) -> Handler:
    async def run(event: Any, uow: UnitOfWork) -> None:
        # The runtime builds ``IdentityUnitOfWork`` (its uow_class); unit tests hand the fake.
        await handle(event, cast(Uow, uow))

    return run


def gestionnaire_subscriptions(services: Services) -> list[Subscription]:
    s = services

    async def provision(event: GestionnaireToProvision | GestionnaireCreated, uow: Uow) -> None:
        await provision_gestionnaire(
            uow, event, hasher=s.hasher, sealer=s.sealer, clock=s.clock, rules=s.provisioning
        )

    async def regenerate(event: GestionnairePasswordRegenerationRequested, uow: Uow) -> None:
        await regenerate_password(
            uow,
            event.account_id,
            hasher=s.hasher,
            sealer=s.sealer,
            clock=s.clock,
            rules=s.provisioning,
            role=event.role,
        )

    async def rights(event: HabilitationGranted | HabilitationChanged, uow: Uow) -> None:
        await spare_principal(uow, event.account_id, event.role)

    async def deactivated(event: GestionnaireDeactivated, uow: Uow) -> None:
        await delete_account(uow, event.account_id, "deactivated", clock=s.clock)

    return [
        Subscription(GestionnaireToProvision, _on(provision)),
        Subscription(GestionnaireCreated, _on(provision)),
        Subscription(GestionnairePasswordRegenerationRequested, _on(regenerate)),
        Subscription(GestionnaireDeactivated, _on(deactivated)),
        Subscription(GestionnaireContactChanged, _on(lambda e, uow: change_contact(uow, e))),
        Subscription(HabilitationGranted, _on(rights)),
        Subscription(HabilitationChanged, _on(rights)),
    ]


def titulaire_subscriptions(services: Services) -> list[Subscription]:
    async def contact(event: TitulaireContactChangeRequested, uow: Uow) -> None:
        await apply_contact_change_request(uow, event, clock=services.clock)

    return [Subscription(TitulaireContactChangeRequested, _on(contact))]


def add_consumers(runtime: Runtime, services: Services) -> None:
    runtime.consume(GROUP, *gestionnaire_subscriptions(services))
    runtime.consume(TITULAIRES_GROUP, *titulaire_subscriptions(services))
