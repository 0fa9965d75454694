"""Accounts created for someone else, with a temporary password (DOMAIN.md §1, guide 000).

A gestionnaire's login is provisioned from habilitation's events (habilitation chooses the
account id and the identifiant); an operator's back-office agent is created by the command
``python -m identity operateur-create``. Both get a 16-character temporary password from
the CSPRNG, sealed for the notifier (who e-mails it) and stored as an argon2id hash only;
the first login must change it, then accept the CGU, before any access token is issued.
A gestionnaire never logged into within 15 days is deleted (``purge_unused``).
"""

from __future__ import annotations

import logging
import secrets
import string
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from cpf_contracts.events.habilitation import (
    GestionnaireContactChanged,
    GestionnaireToProvision,
)
from cpf_contracts.events.identity import AccountDeleted, TemporaryPasswordIssued

from identity.app.ports import Accounts, Clock, Hasher, Outbox, Sealer
from identity.domain.account import Account, AccountKind, AccountStatus, Civilite, normalize_login
from identity.domain.contact import normalize_email
from identity.domain.password_policy import GESTIONNAIRE

log = logging.getLogger(__name__)

TEMPORARY_PASSWORD_LENGTH = 16
_ALPHABET = string.ascii_letters + string.digits
PURGE_BATCH = 100


def temporary_password() -> str:
    """16 letters and digits from ``secrets`` (about 95 bits), drawn again until it meets
    the gestionnaire policy itself (5 letters mixing cases, 3 digits)."""
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(TEMPORARY_PASSWORD_LENGTH))
        if not GESTIONNAIRE.violations(candidate):
            return candidate


@dataclass(frozen=True)
class ProvisioningRules:
    unused_validity: timedelta
    """Guide 000: a gestionnaire account never logged into is deleted after 15 days."""


async def _issue_temporary_password(
    account: Account,
    identifiant: str,
    reason: Literal["creation", "regeneration"],
    *,
    hasher: Hasher,
    sealer: Sealer,
    outbox: Outbox,
) -> None:
    password = temporary_password()
    account.password_hash = await hasher.hash(password)
    account.password_temporary = True
    outbox.publish(
        TemporaryPasswordIssued(
            account_id=account.id,
            kind=account.kind.value,
            identifiant=identifiant,
            email=account.email,
            civilite=account.civilite,
            prenom=account.prenom,
            nom=account.nom,
            temporary_password_sealed=sealer.seal(password),
            reason=reason,
            delete_if_unused_by=account.delete_if_unused_by,
        )
    )


def _phone(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value if value and len(value) <= 20 else None


async def provision_gestionnaire(
    event: GestionnaireToProvision,
    *,
    accounts: Accounts,
    outbox: Outbox,
    hasher: Hasher,
    sealer: Sealer,
    clock: Clock,
    rules: ProvisioningRules,
) -> bool:
    """Create the login; ``False`` when it exists already (a redelivery, or an identifiant
    taken), and then nothing is written or sent."""
    if await accounts.get(event.account_id) is not None:
        return False
    now = clock()
    account = Account(
        id=event.account_id,
        kind=AccountKind.GESTIONNAIRE,
        login=normalize_login(AccountKind.GESTIONNAIRE, event.identifiant),
        email=event.email.strip(),
        civilite=event.civilite,
        prenom=event.prenom,
        nom=event.nom,
        telephone_mobile=_phone(event.telephone),
        password_hash="",
        status=AccountStatus.ACTIVE,
        created_at=now,
        activated_at=now,
        cgu_required=True,
        delete_if_unused_by=now + rules.unused_validity,
    )
    # The hash is made before the insert (it is the slow part); the event after it.
    password = temporary_password()
    account.password_hash = await hasher.hash(password)
    account.password_temporary = True
    if not await accounts.add(account):
        log.warning(
            "gestionnaire login not provisioned: identifiant or account id taken",
            extra={"account_id": str(event.account_id)},
        )
        return False
    outbox.publish(
        TemporaryPasswordIssued(
            account_id=account.id,
            kind=account.kind.value,
            identifiant=event.identifiant,
            email=account.email,
            civilite=account.civilite,
            prenom=account.prenom,
            nom=account.nom,
            temporary_password_sealed=sealer.seal(password),
            reason="creation",
            delete_if_unused_by=account.delete_if_unused_by,
        )
    )
    return True


async def regenerate_password(
    account_id: uuid.UUID,
    *,
    accounts: Accounts,
    outbox: Outbox,
    hasher: Hasher,
    sealer: Sealer,
    clock: Clock,
    rules: ProvisioningRules,
) -> bool:
    """A new temporary password replaces the password; it must be changed at next login.
    An account never logged into gets a new 15-day deadline from now."""
    account = await accounts.get(account_id)
    if account is None:
        return False
    if account.last_login_at is None:
        account.delete_if_unused_by = clock() + rules.unused_validity
    await _issue_temporary_password(
        account, account.login, "regeneration", hasher=hasher, sealer=sealer, outbox=outbox
    )
    await accounts.save(account)
    return True


async def delete_account(
    account_id: uuid.UUID,
    reason: Literal["never_logged_in", "deactivated", "user_request"],
    *,
    accounts: Accounts,
    outbox: Outbox,
    clock: Clock,
) -> bool:
    """The login stops existing (its tokens and CGU acceptances go with it)."""
    account = await accounts.get(account_id)
    if account is None:
        return False
    await accounts.remove(account.id)
    outbox.publish(
        AccountDeleted(
            account_id=account.id, kind=account.kind.value, reason=reason, deleted_at=clock()
        )
    )
    return True


async def change_contact(event: GestionnaireContactChanged, *, accounts: Accounts) -> bool:
    account = await accounts.get(event.account_id)
    if account is None:
        return False
    account.civilite = event.civilite
    account.prenom = event.prenom
    account.nom = event.nom
    account.email = event.email.strip()
    account.telephone_mobile = _phone(event.telephone)
    await accounts.save(account)
    return True


class OperateurExists(Exception):
    pass


async def create_operateur(
    email: str,
    *,
    civilite: Civilite,
    prenom: str,
    nom: str,
    accounts: Accounts,
    outbox: Outbox,
    hasher: Hasher,
    sealer: Sealer,
    clock: Clock,
) -> Account:
    """A back-office agent (login: e-mail) with a temporary password e-mailed by the notifier.
    ``ValueError`` for an invalid address, ``OperateurExists`` when it has an account."""
    address = normalize_email(email)
    now = clock()
    account = Account(
        id=uuid.uuid4(),
        kind=AccountKind.OPERATEUR,
        login=normalize_login(AccountKind.OPERATEUR, address),
        email=address,
        civilite=civilite,
        prenom=prenom.strip(),
        nom=nom.strip(),
        password_hash="",
        status=AccountStatus.ACTIVE,
        created_at=now,
        activated_at=now,
        cgu_required=True,
    )
    password = temporary_password()
    account.password_hash = await hasher.hash(password)
    account.password_temporary = True
    if not await accounts.add(account):
        raise OperateurExists(account.login)
    outbox.publish(
        TemporaryPasswordIssued(
            account_id=account.id,
            kind=account.kind.value,
            identifiant=account.login,
            email=account.email,
            civilite=account.civilite,
            prenom=account.prenom,
            nom=account.nom,
            temporary_password_sealed=sealer.seal(password),
            reason="creation",
        )
    )
    return account


async def purge_unused(*, accounts: Accounts, outbox: Outbox, clock: Clock) -> int:
    """Delete the gestionnaire accounts never logged into by their deadline (one batch);
    the number deleted."""
    now = clock()
    stale = await accounts.unused_since(AccountKind.GESTIONNAIRE, now, PURGE_BATCH)
    for account in stale:
        await accounts.remove(account.id)
        outbox.publish(
            AccountDeleted(
                account_id=account.id,
                kind=account.kind.value,
                reason="never_logged_in",
                deleted_at=now,
            )
        )
    return len(stale)
