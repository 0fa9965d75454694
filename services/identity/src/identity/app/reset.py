"""Forgotten password, for every kind of account: a single-use reset link by e-mail.

The request answers the same 202, after the same work, whether an account matches or not:
a request that makes no link (unknown or pending account, limit reached) issues a link's
statements for a stand-in account — the account, its token and its event's outbox row —
inside a savepoint rolled back (``accounts.rehearse_reset``), so neither the answer nor its
timing tells who has an account. The link opens a page; the reset itself is
a POST with the new password (twice) under the kind's policy. The token is stored as its
digest, valid ``reset_validity``, spent by the reset; older unused links of the account
stop working too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from cpf_contracts.events.identity import (
    AccountUnlocked,
    PasswordChanged,
    PasswordResetRequested,
)
from cpf_runtime.clock import Clock

from identity.app.links import redeem_action_token
from identity.app.passwords import set_new_password
from identity.app.ports import Hasher, Sealer, Uow
from identity.app.refresh import announce_revoked
from identity.app.throttle import NoticeLimits
from identity.domain.account import AccountKind, AccountStatus, normalize_login, stand_in
from identity.domain.errors import ResetLinkInvalid, ResetLinkUnknown
from identity.domain.tokens import ActionToken

RESET_ACTION = "reinitialiser_mot_de_passe"
MAX_LOGIN_LENGTH = 254
RESET_ACCEPTED = (
    "Si un compte correspond à cet identifiant, un e-mail contenant un lien pour choisir un "
    "nouveau mot de passe a été envoyé à son adresse."
)
RESET_DONE = (
    "Votre mot de passe a été modifié et toutes vos sessions ont été fermées : vous pouvez "
    "vous connecter avec le nouveau mot de passe."
)


@dataclass(frozen=True)
class ResetRules:
    validity: timedelta
    public_url: str
    """Base of the link: ``{public_url}/mot-de-passe/reinitialisation?token=…``."""

    def link(self, secret: str) -> str:
        return f"{self.public_url}/mot-de-passe/reinitialisation?token={secret}"


async def request_reset(
    uow: Uow,
    kind: AccountKind,
    identifiant: str,
    *,
    sealer: Sealer,
    clock: Clock,
    rules: ResetRules,
    notices: NoticeLimits | None = None,
    address: str | None = None,
) -> None:
    """A reset link to an existing active account's address (``PasswordResetRequested``),
    at most ``notices``' limits per account and per address; the same work otherwise."""
    login = normalize_login(kind, identifiant)
    now = clock()
    allowed = notices is None or notices.for_address("reset", address, now)
    await uow.accounts.open_rehearsal()  # on every path, so that every path issues it
    account = None
    if 0 < len(login) <= MAX_LOGIN_LENGTH:
        account = await uow.accounts.by_login(kind, login)
    sends = (
        allowed
        and account is not None
        and account.status is AccountStatus.ACTIVE
        and (notices is None or notices.for_account("reset", account.id, now))
    )
    recipient = account if sends and account is not None else stand_in(kind, now)
    secret, token = ActionToken.issue(recipient.id, RESET_ACTION, now, rules.validity)
    requested = PasswordResetRequested(
        account_id=recipient.id,
        kind=recipient.kind.value,
        email=recipient.email,
        prenom=recipient.first_name,
        nom=recipient.last_name,
        reset_link_sealed=sealer.seal(rules.link(secret)),
        expires_at=token.expires_at,
    )
    if recipient is not account:
        # The same work as a real link (V8): its token and its event's outbox row written,
        # for a stand-in account, then rolled back: nothing stays, no e-mail.
        await uow.accounts.rehearse_reset(recipient, token, requested)
        return
    await uow.accounts.add_action_token(token)
    uow.publish(requested)


async def reset_password(
    uow: Uow,
    secret: str,
    nouveau: str,
    confirmation: str,
    client_address: str | None = None,
    *,
    hasher: Hasher,
    clock: Clock,
) -> None:
    """Set the new password; every session of the account (refresh tokens) ends, and a
    lock is lifted. A refused password saves nothing: the link still works."""
    now = clock()
    account, token = await redeem_action_token(
        uow, secret, RESET_ACTION, now, unknown=ResetLinkUnknown, spent=ResetLinkInvalid
    )
    await set_new_password(account, nouveau, confirmation, hasher=hasher)
    account.failed_logins = 0
    lifted = account.locked_until is not None
    account.locked_until = None
    await uow.accounts.save(account)
    if lifted:
        uow.publish(AccountUnlocked(account_id=account.id, unlocked_at=now))
    await uow.accounts.save_action_token(token)
    await uow.accounts.spend_action_tokens(account.id, RESET_ACTION, now)
    ended = await uow.refresh_tokens.revoke_account(account.id, now)
    announce_revoked(uow, account.id, ended, "password_reset", now)
    await uow.history.record(account.id, "changement_mot_de_passe", now, client_address)
    uow.publish(
        PasswordChanged(
            account_id=account.id, kind=account.kind.value, reason="reset", changed_at=now
        )
    )
