"""The SQL side of the use cases' ports (``identity.app.ports``), on the unit of work's session."""

from __future__ import annotations

import uuid
from typing import cast

from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from identity.domain.account import (
    Account,
    AccountKind,
    AccountStatus,
    CguAcceptance,
    Civilite,
    ExistingAccount,
)
from identity.domain.signing_keys import SigningKey
from identity.domain.tokens import OneTimeToken
from identity.store.tables import (
    AccountRow,
    ActivationTokenRow,
    CguAcceptanceRow,
    SigningKeyRow,
)

# Any constant shared by every identity process; names the advisory lock of key creation.
SIGNING_KEY_LOCK = 0x1D_E7_17


def _account(row: AccountRow) -> Account:
    return Account(
        id=row.id,
        kind=AccountKind(row.kind),
        login=row.login,
        email=row.email,
        civilite=cast(Civilite, row.civilite),
        prenom=row.prenom,
        nom=row.nom,
        telephone_fixe=row.telephone_fixe,
        telephone_mobile=row.telephone_mobile,
        password_hash=row.password_hash,
        status=AccountStatus(row.status),
        created_at=row.created_at,
        activated_at=row.activated_at,
    )


def _columns(account: Account) -> dict[str, object]:
    return {
        "id": account.id,
        "kind": account.kind.value,
        "login": account.login,
        "email": account.email,
        "civilite": account.civilite,
        "prenom": account.prenom,
        "nom": account.nom,
        "telephone_fixe": account.telephone_fixe,
        "telephone_mobile": account.telephone_mobile,
        "password_hash": account.password_hash,
        "status": account.status.value,
        "created_at": account.created_at,
        "activated_at": account.activated_at,
    }


class SqlAccounts:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def matching(self, kind: AccountKind, login: str, email: str) -> list[ExistingAccount]:
        expires = (
            select(func.max(ActivationTokenRow.expires_at))
            .where(ActivationTokenRow.account_id == AccountRow.id)
            .scalar_subquery()
        )
        rows = await self.session.execute(
            select(AccountRow, expires).where(
                AccountRow.kind == kind.value,
                or_(AccountRow.login == login, func.lower(AccountRow.email) == email.lower()),
            )
        )
        return [ExistingAccount(_account(row), expires_at) for row, expires_at in rows]

    async def add(self, account: Account) -> bool:
        # No conflict target: a clash on any unique key (login, titulaire e-mail) is a
        # refusal. A conflicting sign-up still in flight makes this wait for its outcome.
        inserted = await self.session.scalar(
            insert(AccountRow)
            .values(**_columns(account))
            .on_conflict_do_nothing()
            .returning(AccountRow.id)
        )
        return inserted is not None

    async def remove(self, account_id: uuid.UUID) -> None:
        await self.session.execute(delete(AccountRow).where(AccountRow.id == account_id))

    async def get(self, account_id: uuid.UUID) -> Account | None:
        row = await self.session.scalar(
            select(AccountRow).where(AccountRow.id == account_id).with_for_update()
        )
        return None if row is None else _account(row)

    async def by_login(self, kind: AccountKind, login: str) -> Account | None:
        row = await self.session.scalar(
            select(AccountRow).where(AccountRow.kind == kind.value, AccountRow.login == login)
        )
        return None if row is None else _account(row)

    async def save(self, account: Account) -> None:
        values = _columns(account)
        del values["id"]
        await self.session.execute(
            update(AccountRow).where(AccountRow.id == account.id).values(**values)
        )

    async def add_activation_token(self, token: OneTimeToken) -> None:
        await self.session.execute(
            insert(ActivationTokenRow).values(
                token_hash=token.token_hash,
                account_id=token.account_id,
                expires_at=token.expires_at,
                used_at=token.used_at,
            )
        )

    async def activation_token(self, token_hash: str) -> OneTimeToken | None:
        row = await self.session.scalar(
            select(ActivationTokenRow)
            .where(ActivationTokenRow.token_hash == token_hash)
            .with_for_update()
        )
        if row is None:
            return None
        return OneTimeToken(row.token_hash, row.account_id, row.expires_at, row.used_at)

    async def save_activation_token(self, token: OneTimeToken) -> None:
        await self.session.execute(
            update(ActivationTokenRow)
            .where(ActivationTokenRow.token_hash == token.token_hash)
            .values(expires_at=token.expires_at, used_at=token.used_at)
        )

    async def add_cgu_acceptance(self, acceptance: CguAcceptance) -> None:
        await self.session.execute(
            insert(CguAcceptanceRow).values(
                account_id=acceptance.account_id,
                cgu_version=acceptance.cgu_version,
                accepted_at=acceptance.accepted_at,
            )
        )


class SqlSigningKeys:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def all(self) -> list[SigningKey]:
        rows = await self.session.scalars(select(SigningKeyRow))
        return [
            SigningKey(r.kid, r.private_key_pem, dict(r.public_jwk), r.created_at, r.retired_at)
            for r in rows
        ]

    async def lock(self) -> None:
        await self.session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": SIGNING_KEY_LOCK}
        )

    async def add(self, key: SigningKey) -> None:
        await self.session.execute(
            insert(SigningKeyRow).values(
                kid=key.kid,
                private_key_pem=key.private_key_pem,
                public_jwk=key.public_jwk,
                created_at=key.created_at,
                retired_at=key.retired_at,
            )
        )
