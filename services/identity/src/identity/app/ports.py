"""What the use cases need from the world, as protocols: the unit of work and its
repositories, crypto, the outbound clients.

Production wires the SQL unit of work (``store/uow.py``) and the adapters (``adapters/``)
in ``main.py``; unit tests wire the in-memory unit of work (``store/fake.py``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from cpf_contracts.base import Event

from identity.domain.account import Account, AccountKind, CguAcceptance, ExistingAccount
from identity.domain.portail import Company
from identity.domain.signing_keys import SigningKey
from identity.domain.tokens import ActionToken, OneTimeToken, RefreshToken


class Sealer(Protocol):
    def seal(self, secret: str) -> str: ...


class Hasher(Protocol):
    async def hash(self, password: str) -> str: ...
    async def verify(self, password_hash: str, password: str) -> bool: ...
    async def verify_dummy(self, password: str) -> None: ...
    def needs_rehash(self, password_hash: str) -> bool: ...


class Signer(Protocol):
    kid: str

    def sign(self, claims: dict[str, Any]) -> str: ...


class Vault(Protocol):
    """Makes signing keys and opens them (their private half is stored encrypted)."""

    def new_key(self, now: datetime) -> SigningKey: ...
    def signer(self, key: SigningKey) -> Signer: ...


class KeySource(Protocol):
    async def signer(self) -> Signer:
        """The signer of new tokens (its key created on first need)."""
        ...


class CompanyRegister(Protocol):
    async def lookup(self, siret: str) -> Company | None:
        """The company of this SIRET, ``None`` when the register knows none;
        ``CompanyRegisterUnavailable`` or ``CompanyRegisterInvalid`` when it cannot tell."""
        ...


class Accounts(Protocol):
    """Accounts with their activation tokens, action tokens and CGU acceptances."""

    async def matching(self, kind: AccountKind, login: str, email: str) -> list[ExistingAccount]:
        """Accounts of this kind whose login is ``login`` or whose e-mail is ``email``."""
        ...

    async def add(self, account: Account) -> bool:
        """Insert; ``False`` (and nothing written) when the id, login or (titulaire) e-mail
        is taken, even by a sign-up committed meanwhile."""
        ...

    async def rehearse_signup(
        self,
        account: Account,
        token: OneTimeToken,
        acceptance: CguAcceptance,
        company: Company | None = None,
    ) -> None:
        """The writes of ``add``, ``add_activation_token``, ``add_cgu_acceptance`` (and
        ``Companies.add`` for ``company``) for a stand-in of ``account``, undone before
        returning (a savepoint rolled back): a sign-up refused for an existing account does
        the same database work as an opened one, and leaves nothing."""
        ...

    async def open_rehearsal(self) -> None:
        """Mark where ``rehearse_reset`` undoes its writes (a savepoint), on every path of
        a request that may rehearse: released at commit when nothing was rehearsed."""
        ...

    async def rehearse_reset(self, stand_in: Account, token: ActionToken, requested: Event) -> None:
        """The writes of a reset link, ``add_action_token`` and ``requested``'s outbox row
        (``Uow.publish``), for ``stand_in`` (inserted too, as ``add`` does), undone before
        returning (back to ``open_rehearsal``): a request that makes no link does the
        same database work as one that does, leaves nothing and publishes nothing."""
        ...

    async def remove(self, account_id: uuid.UUID) -> None:
        """The account and its tokens and CGU acceptances."""
        ...

    async def get(self, account_id: uuid.UUID) -> Account | None:
        """The account, locked until the transaction ends."""
        ...

    async def by_login(self, kind: AccountKind, login: str) -> Account | None: ...
    async def save(self, account: Account) -> None: ...
    async def add_activation_token(self, token: OneTimeToken) -> None: ...

    async def activation_token(self, token_hash: str) -> OneTimeToken | None:
        """The token, locked until the transaction ends, so it is redeemed once only."""
        ...

    async def save_activation_token(self, token: OneTimeToken) -> None: ...

    async def add_cgu_acceptance(self, acceptance: CguAcceptance) -> None:
        """Record it; accepting the same version twice changes nothing."""
        ...

    async def add_action_token(self, token: ActionToken) -> None: ...

    async def action_token(self, token_hash: str) -> ActionToken | None:
        """The token, locked until the transaction ends, so it is redeemed once only."""
        ...

    async def save_action_token(self, token: ActionToken) -> None: ...

    async def count_failure(
        self,
        account_id: uuid.UUID,
        login_key: str,
        *,
        max_failures: int,
        now: datetime,
        lock_until: datetime,
        client_address: str | None,
    ) -> bool | None:
        """Count a wrong password and record ``echec_connexion`` in the history, atomically,
        unless the account is locked at ``now`` (then as ``note_refusal``); at
        ``max_failures`` lock it until ``lock_until`` and start counting again. ``True``
        when this failure locked it, ``False`` when counted only, ``None`` when not counted
        (locked, or gone)."""
        ...

    async def note_refusal(self, login_key: str, now: datetime) -> None:
        """The work of a refused login that counts toward no account (unknown, locked,
        pending): a counted failure's writes, rehearsed and kept nowhere (V8)."""
        ...

    async def forget_refusals(self, before: datetime) -> None: ...

    async def reset_failures(self, account_id: uuid.UUID) -> None: ...

    async def lock_ended(self, now: datetime, limit: int) -> list[Account]:
        """Accounts still marked locked whose ``locked_until`` has passed."""
        ...

    async def spend_action_tokens(self, account_id: uuid.UUID, action: str, now: datetime) -> None:
        """Mark every unused token of this account and action as used."""
        ...

    async def unused_since(self, kind: AccountKind, now: datetime, limit: int) -> list[Account]:
        """Accounts of ``kind`` never logged into whose ``delete_if_unused_by`` has passed."""
        ...


class SigningKeys(Protocol):
    async def all(self) -> list[SigningKey]: ...

    async def lock(self) -> None:
        """Serialize key creation across processes until the transaction ends."""
        ...

    async def add(self, key: SigningKey) -> None: ...
    async def retire(self, kid: str, at: datetime) -> None: ...
    async def remove(self, kid: str) -> None: ...


class RefreshTokens(Protocol):
    async def add(self, token: RefreshToken) -> None: ...

    async def get(self, token_hash: str) -> RefreshToken | None:
        """The token, locked until the transaction ends (two uses of one token serialize)."""
        ...

    async def mark_used(self, token_hash: str, at: datetime) -> None: ...

    async def spend(self, token_hash: str, at: datetime) -> RefreshToken | None:
        """Mark the token used at ``at`` if it is live (unused, unrevoked, unexpired), in one
        locking step: the token, now used, or ``None`` when it cannot be spent
        (then :meth:`get` tells why). Two spends of one token: one wins, the other waits
        for it and gets ``None``."""
        ...

    async def spend_for_grant(
        self, token_hash: str, at: datetime
    ) -> tuple[RefreshToken, Account | None] | None:
        """:meth:`spend`, and the token's account read and locked as ``Accounts.get`` reads
        it (``None`` if gone), in one round trip: the token first, then the account, the
        order of the two-step way. ``None`` when the token cannot be spent."""
        ...

    async def revoke_family(self, family_id: uuid.UUID, at: datetime) -> int:
        """Revoke every live token of the family; how many were live."""
        ...

    async def revoke_account(
        self, account_id: uuid.UUID, at: datetime, *, keep_family: uuid.UUID | None = None
    ) -> list[uuid.UUID]:
        """Revoke every live token of the account but those of ``keep_family``; the
        sessions (family ids) that were ended."""
        ...


@dataclass(frozen=True)
class HistoryEntry:
    what: str
    """connexion, echec_connexion, changement_mot_de_passe, changement_adresse…"""
    at: datetime
    client_address: str | None


class History(Protocol):
    async def record(
        self, account_id: uuid.UUID, what: str, at: datetime, client_address: str | None
    ) -> None: ...

    async def of(self, account_id: uuid.UUID, limit: int) -> list[HistoryEntry]:
        """Newest first."""
        ...


class UsedChallenges(Protocol):
    async def first_use(self, challenge_id: str, expires_at: datetime) -> bool:
        """Record the challenge; ``False`` when it was used already."""
        ...

    async def forget_expired(self, now: datetime) -> None: ...


class Companies(Protocol):
    async def add(self, account_id: uuid.UUID, company: Company) -> None: ...

    async def of_account(self, account_id: uuid.UUID) -> Company | None:
        """The company a portal user gave at sign-up; ``None`` for any other account."""
        ...


class Uow(Protocol):
    """One transaction of identity: its repositories, and the outbox of its events. The
    entrypoint opens and closes it; a use case only reads, writes and publishes."""

    @property
    def accounts(self) -> Accounts: ...
    @property
    def refresh_tokens(self) -> RefreshTokens: ...
    @property
    def history(self) -> History: ...
    @property
    def signing_keys(self) -> SigningKeys: ...
    @property
    def used_challenges(self) -> UsedChallenges: ...
    @property
    def companies(self) -> Companies: ...

    def publish(self, *events: Event) -> None: ...
