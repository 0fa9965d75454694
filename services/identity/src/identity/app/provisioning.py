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
    GestionnaireCreated,
    GestionnaireToProvision,
    Role,
)
from cpf_contracts.events.identity import AccountDeleted, TemporaryPasswordIssued
from cpf_runtime.clock import Clock

from identity.app.events import owner
from identity.app.ports import Hasher, Sealer, Uow
from identity.domain.account import Account, AccountKind, AccountStatus, Civilite, normalize_login
from identity.domain.contact import normalize_email
from identity.domain.errors import OperateurExists
from identity.domain.password_policy import GESTIONNAIRE

log = logging.getLogger(__name__)

TEMPORARY_PASSWORD_LENGTH = 16
_ALPHABET = string.ascii_letters + string.digits
PURGE_BATCH = 100
PRINCIPAL: Role = "administrateur_principal"


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


@dataclass(frozen=True)
class TemporaryPassword:
    """A temporary password just drawn: its clear value lives only until it is sealed."""

    clear: str
    reason: Literal["creation", "regeneration"]

    @classmethod
    async def set_on(
        cls, account: Account, reason: Literal["creation", "regeneration"], hasher: Hasher
    ) -> TemporaryPassword:
        """Draw one and store its hash on ``account`` (the caller saves the account)."""
        password = cls(temporary_password(), reason)
        account.password_hash = await hasher.hash(password.clear)
        account.password_temporary = True
        return password

    def announce(
        self,
        uow: Uow,
        account: Account,
        identifiant: str,
        sealer: Sealer,
        *,
        role: Role | None = None,
        rules: ProvisioningRules | None = None,
    ) -> None:
        """Publish it, sealed for the notifier, who e-mails it to the account's owner (with
        the deletion delay of ``rules`` when a deadline runs)."""
        deadline = account.delete_if_unused_by
        uow.publish(
            TemporaryPasswordIssued(
                **owner(account),
                identifiant=identifiant,
                temporary_password_sealed=sealer.seal(self.clear),
                reason=self.reason,
                delete_if_unused_by=deadline,
                unused_valid_seconds=(
                    int(rules.unused_validity.total_seconds())
                    if rules is not None and deadline is not None
                    else None
                ),
                role=role,
            )
        )


def _phone(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value if value and len(value) <= 20 else None


async def provision_gestionnaire(
    uow: Uow,
    request: GestionnaireToProvision | GestionnaireCreated,
    *,
    hasher: Hasher,
    sealer: Sealer,
    clock: Clock,
    rules: ProvisioningRules,
) -> bool:
    """Create the login habilitation asks for (v1 ``GestionnaireToProvision`` or v2
    ``GestionnaireCreated``: both are published for each gestionnaire). ``False`` when the
    account exists already (the other version, a redelivery, or an identifiant taken), and
    then nothing is written or sent: one login, one e-mail."""
    if await uow.accounts.get(request.account_id) is not None:
        return False
    now = clock()
    account = Account(
        id=request.account_id,
        kind=AccountKind.GESTIONNAIRE,
        login=normalize_login(AccountKind.GESTIONNAIRE, request.identifiant),
        email=request.email.strip(),
        title=request.civilite,
        first_name=request.prenom,
        last_name=request.nom,
        mobile=_phone(request.telephone),
        password_hash="",
        status=AccountStatus.ACTIVE,
        created_at=now,
        activated_at=now,
        cgu_required=True,
        # Guide 001: the principal administrator is the operator's; the 15-day deletion of
        # accounts an administrator created (guide 000) is not his.
        delete_if_unused_by=None if request.role == PRINCIPAL else now + rules.unused_validity,
    )
    # The hash is made before the insert (it is the slow part); the event after it.
    password = await TemporaryPassword.set_on(account, "creation", hasher)
    if not await uow.accounts.add(account):
        log.warning(
            "gestionnaire login not provisioned: identifiant or account id taken",
            extra={"account_id": str(request.account_id)},
        )
        return False
    password.announce(uow, account, request.identifiant, sealer, role=request.role, rules=rules)
    return True


async def regenerate_password(
    uow: Uow,
    account_id: uuid.UUID,
    *,
    hasher: Hasher,
    sealer: Sealer,
    clock: Clock,
    rules: ProvisioningRules,
    role: Role | None = None,
) -> bool:
    """A new temporary password replaces the password; it must be changed at next login.
    An account never logged into gets a new 15-day deadline from now, except the principal
    administrator's (``role``: the operator resending his credentials, guide 001)."""
    account = await uow.accounts.get(account_id)
    if account is None:
        return False
    if role == PRINCIPAL:
        account.delete_if_unused_by = None
    elif account.last_login_at is None:
        account.delete_if_unused_by = clock() + rules.unused_validity
    password = await TemporaryPassword.set_on(account, "regeneration", hasher)
    password.announce(uow, account, account.login, sealer, role=role, rules=rules)
    await uow.accounts.save(account)
    return True


async def spare_principal(uow: Uow, account_id: uuid.UUID, role: Role) -> bool:
    """A person habilitated (or designated) principal administrator is never purged: his
    deletion deadline, if any, goes (``HabilitationGranted``/``HabilitationChanged``)."""
    if role != PRINCIPAL:
        return False
    account = await uow.accounts.get(account_id)
    if account is None or account.delete_if_unused_by is None:
        return False
    account.delete_if_unused_by = None
    await uow.accounts.save(account)
    return True


async def delete_account(
    uow: Uow,
    account_id: uuid.UUID,
    reason: Literal["never_logged_in", "deactivated", "user_request"],
    *,
    clock: Clock,
) -> bool:
    """The login stops existing (its tokens and CGU acceptances go with it)."""
    account = await uow.accounts.get(account_id)
    if account is None:
        return False
    await uow.accounts.remove(account.id)
    uow.publish(
        AccountDeleted(
            account_id=account.id, kind=account.kind.value, reason=reason, deleted_at=clock()
        )
    )
    return True


async def change_contact(uow: Uow, change: GestionnaireContactChanged) -> bool:
    account = await uow.accounts.get(change.account_id)
    if account is None:
        return False
    account.title = change.civilite
    account.first_name = change.prenom
    account.last_name = change.nom
    account.email = change.email.strip()
    account.mobile = _phone(change.telephone)
    await uow.accounts.save(account)
    return True


async def create_operateur(
    uow: Uow,
    email: str,
    *,
    civilite: Civilite,
    prenom: str,
    nom: str,
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
        title=civilite,
        first_name=prenom.strip(),
        last_name=nom.strip(),
        password_hash="",
        status=AccountStatus.ACTIVE,
        created_at=now,
        activated_at=now,
        cgu_required=True,
    )
    password = await TemporaryPassword.set_on(account, "creation", hasher)
    if not await uow.accounts.add(account):
        raise OperateurExists(account.login)
    password.announce(uow, account, account.login, sealer)
    return account


async def purge_unused(uow: Uow, *, clock: Clock) -> int:
    """Delete the gestionnaire accounts never logged into by their deadline (one batch);
    the number deleted."""
    now = clock()
    stale = await uow.accounts.unused_since(AccountKind.GESTIONNAIRE, now, PURGE_BATCH)
    for account in stale:
        await uow.accounts.remove(account.id)
        uow.publish(
            AccountDeleted(
                account_id=account.id,
                kind=account.kind.value,
                reason="never_logged_in",
                deleted_at=now,
            )
        )
    return len(stale)
