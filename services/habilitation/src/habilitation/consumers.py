"""Events in: what identity reports about logins and what demarche reports about activation
codes, each handed to the use case it means."""

from __future__ import annotations

from typing import cast

from cpf_contracts.events.demarche import ActivationCodeRedeemed
from cpf_contracts.events.identity import (
    AccountActivated,
    AccountDeleted,
    EmailChanged,
    PhoneChanged,
)
from cpf_runtime.consumer import Subscription
from cpf_runtime.db import UnitOfWork

from habilitation.app import accounts
from habilitation.app.deactivation import IDENTITY, deactivate_gestionnaire
from habilitation.app.demarches import directory, rights
from habilitation.app.demarches.ports import DemarcheUow
from habilitation.app.ports import HabilitationUow
from habilitation.domain.models import KnownAccount


def _ours(uow: UnitOfWork) -> HabilitationUow:
    """The runtime's unit of work is the service's (``Runtime(uow_class=...)``); unit tests
    hand in the fake one."""
    assert hasattr(uow, "gestionnaires"), "Runtime(uow_class=HabilitationUnitOfWork)"
    return cast(HabilitationUow, uow)


async def account_activated(event: AccountActivated, uow: UnitOfWork) -> None:
    account = KnownAccount(
        account_id=event.account_id,
        kind=event.kind,
        login=event.login,
        email=event.email,
        prenom=event.prenom,
        nom=event.nom,
        activated_at=event.activated_at,
    )
    await accounts.record_account(_ours(uow), account)


async def account_deleted(event: AccountDeleted, uow: UnitOfWork) -> None:
    """The same use case as ``DELETE /v1/gestionnaires/{id}``, on identity's behalf."""
    await deactivate_gestionnaire(
        _ours(uow),
        event.account_id,
        actor=IDENTITY,
        at=event.deleted_at,
        login_deleted=event.reason,
    )


async def email_changed(event: EmailChanged, uow: UnitOfWork) -> None:
    await accounts.change_own_email(_ours(uow), event.account_id, event.email, at=event.changed_at)


async def phone_changed(event: PhoneChanged, uow: UnitOfWork) -> None:
    phone = event.telephone_mobile or event.telephone_fixe
    await accounts.change_own_phone(_ours(uow), event.account_id, phone, at=event.changed_at)


SUBSCRIPTIONS = (
    Subscription(AccountActivated, account_activated),
    Subscription(AccountDeleted, account_deleted),
    Subscription(EmailChanged, email_changed),
    Subscription(PhoneChanged, phone_changed),
)
"""Group ``habilitation.accounts``, topic ``identity.account``."""


def _portal(uow: UnitOfWork) -> DemarcheUow:
    assert hasattr(uow, "portail_accounts"), "Runtime(uow_class=HabilitationUnitOfWork)"
    return cast(DemarcheUow, uow)


async def portail_activated(event: AccountActivated, uow: UnitOfWork) -> None:
    await directory.account_activated(_portal(uow), event)


async def portail_email_changed(event: EmailChanged, uow: UnitOfWork) -> None:
    await directory.email_changed(_portal(uow), event.account_id, event.email)


async def portail_phone_changed(event: PhoneChanged, uow: UnitOfWork) -> None:
    phone = event.telephone_mobile or event.telephone_fixe
    await directory.phone_changed(_portal(uow), event.account_id, phone)


async def portail_deleted(event: AccountDeleted, uow: UnitOfWork) -> None:
    await directory.account_deleted(_portal(uow), event.account_id, at=event.deleted_at)


PORTAIL_SUBSCRIPTIONS = (
    Subscription(AccountActivated, portail_activated),
    Subscription(AccountDeleted, portail_deleted),
    Subscription(EmailChanged, portail_email_changed),
    Subscription(PhoneChanged, portail_phone_changed),
)
"""Group ``habilitation.portail_accounts``, topic ``identity.account``: the directory of
portal accounts (its own group and inbox, beside the CPF space's)."""


async def code_redeemed(event: ActivationCodeRedeemed, uow: UnitOfWork) -> None:
    await rights.code_redeemed(_portal(uow), event)


ACTIVATION_SUBSCRIPTIONS = (Subscription(ActivationCodeRedeemed, code_redeemed),)
"""Group ``habilitation.activation_codes``, topic ``demarche.activation_code``."""
