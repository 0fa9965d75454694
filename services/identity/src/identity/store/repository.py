"""The SQL side of the use cases' ports (``identity.app.ports``), on the unit of work's session."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import fields, replace
from datetime import datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING, TypeVar, cast

from cpf_contracts.base import Event
from cpf_runtime.db import outbox_row
from cpf_runtime.tracing import child_of, current_traceparent
from sqlalchemy import Table, bindparam, column, delete, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession, AsyncSessionTransaction

from identity.app.ports import HistoryEntry
from identity.domain.account import (
    Account,
    AccountKind,
    AccountStatus,
    CguAcceptance,
    Civilite,
    ExistingAccount,
)
from identity.domain.account import stand_in as stand_in_account
from identity.domain.portail import Company
from identity.domain.signing_keys import SigningKey
from identity.domain.tokens import ActionToken, OneTimeToken, RefreshToken
from identity.store.tables import (
    AccountRow,
    ActionTokenRow,
    ActivationTokenRow,
    AntiRobotChallengeRow,
    CguAcceptanceRow,
    HistoryRow,
    LoginRefusalRow,
    PortailCompanyRow,
    RefreshTokenRow,
    SigningKeyRow,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

# Any constant shared by every identity process; names the advisory lock of key creation.
SIGNING_KEY_LOCK = 0x1D_E7_17


R = TypeVar("R", bound="DataclassInstance")
T = TypeVar("T", ActivationTokenRow, ActionTokenRow, RefreshTokenRow)


# The token and signing-key rows are their domain records column for column, by the same
# names: written and read back field by field (a field added to one must be added to the
# other, which the repositories' contract suite shows).
def _values(record: DataclassInstance) -> dict[str, object]:
    return {field.name: getattr(record, field.name) for field in fields(record)}


def _record(record_type: type[R], row: object) -> R:
    return record_type(**{field.name: getattr(row, field.name) for field in fields(record_type)})


async def _token_row(session: AsyncSession, row_type: type[T], token_hash: str) -> T | None:
    # Locked: spending a single-use token is check-then-act; a second use of the same token
    # in flight waits for the first to commit, then finds it used.
    row: T | None = await session.scalar(
        select(row_type).where(row_type.token_hash == token_hash).with_for_update()
    )
    return row


def _account(row: AccountRow) -> Account:
    return Account(
        id=row.id,
        kind=AccountKind(row.kind),
        login=row.login,
        email=row.email,
        title=cast(Civilite, row.civilite),
        first_name=row.prenom,
        last_name=row.nom,
        landline=row.telephone_fixe,
        mobile=row.telephone_mobile,
        password_hash=row.password_hash,
        status=AccountStatus(row.status),
        created_at=row.created_at,
        activated_at=row.activated_at,
        password_temporary=row.password_temporary,
        cgu_required=row.cgu_required,
        last_login_at=row.last_login_at,
        delete_if_unused_by=row.delete_if_unused_by,
        failed_logins=row.failed_logins,
        locked_until=row.locked_until,
    )


def _columns(account: Account) -> dict[str, object]:
    return {
        "id": account.id,
        "kind": account.kind.value,
        "login": account.login,
        "email": account.email,
        "civilite": account.title,
        "prenom": account.first_name,
        "nom": account.last_name,
        "telephone_fixe": account.landline,
        "telephone_mobile": account.mobile,
        "password_hash": account.password_hash,
        "status": account.status.value,
        "created_at": account.created_at,
        "activated_at": account.activated_at,
        "password_temporary": account.password_temporary,
        "cgu_required": account.cgu_required,
        "last_login_at": account.last_login_at,
        "delete_if_unused_by": account.delete_if_unused_by,
        "failed_logins": account.failed_logins,
        "locked_until": account.locked_until,
    }


_ACCOUNT = cast(Table, AccountRow.__table__)
_REFRESH = cast(Table, RefreshTokenRow.__table__)
# A wrong password counted (``count_failure``): the account's failures and its history line;
# or, when no account is counted (locked, gone, or none: ``note_refusal``, ``id`` NULL), the
# same two writes rehearsed for a stand-in account inserted by the same statement, which
# ``count_failure`` then rolls back to its savepoint. Every refusal runs this one statement,
# built once, and writes an account row and a history line (V8).
COUNT_FAILURE = text(
    """
WITH counted AS (
    UPDATE account SET
        failed_logins = CASE WHEN failed_logins + 1 >= :max THEN 0
                             ELSE failed_logins + 1 END,
        locked_until = CASE WHEN failed_logins + 1 >= :max THEN :until
                            ELSE locked_until END
    WHERE id = :id AND (locked_until IS NULL OR locked_until <= :now)
    RETURNING id, failed_logins = 0 AS just_locked
), rehearsed AS (
    INSERT INTO account (id, kind, login, email, civilite, prenom, nom, password_hash, status,
                         created_at, failed_logins)
    SELECT CAST(:stand_in AS uuid), :kind, :stand_in_login, :stand_in_email, :civilite,
           :prenom, :nom, :password_hash, :status, :now, 1
    WHERE NOT EXISTS (SELECT FROM counted)
    RETURNING id
), noted AS (
    INSERT INTO account_history (account_id, at, what, client_address)
    SELECT id, :now, 'echec_connexion', :address FROM counted
    UNION ALL
    SELECT id, :now, 'echec_connexion', :address FROM rehearsed
)
SELECT just_locked FROM counted
    """
)

# ``add_action_token``'s INSERT, and the same with the stand-in account it refers to inserted
# in the same statement (``rehearse_reset``). Both built once, so that both paths of a reset
# request do the same Python work before their statement.
_ACTION = cast(Table, ActionTokenRow.__table__)
ADD_ACTION_TOKEN = insert(_ACTION).values(
    {c.name: bindparam(c.name, type_=c.type) for c in _ACTION.c}
)
REHEARSED_TOKEN = ADD_ACTION_TOKEN.add_cte(
    insert(_ACCOUNT)
    .values({c.name: bindparam(f"a_{c.name}", type_=c.type) for c in _ACCOUNT.c})
    .returning(_ACCOUNT.c.id)
    .cte("rehearsed_account")
)
# ``UnitOfWork._write_outbox``'s INSERT with an id of its own (a rehearsal's, never kept).
REHEARSED_OUTBOX = text(
    "INSERT INTO outbox (id, event_id, topic, key, type, payload) "
    "VALUES (:id, :event_id, :topic, :key, :type, :payload)"
)
ACCOUNT_LOCKED = select(_ACCOUNT).where(_ACCOUNT.c.id == bindparam("account_id")).with_for_update()
ACCOUNT_BY_LOGIN = select(_ACCOUNT).where(
    _ACCOUNT.c.kind == bindparam("kind"), _ACCOUNT.c.login == bindparam("login")
)
ADD_REFRESH_TOKEN = _REFRESH.insert()
SPEND_REFRESH_TOKEN = (
    _REFRESH.update()
    .where(
        _REFRESH.c.token_hash == bindparam("spent_hash"),
        _REFRESH.c.used_at.is_(None),
        _REFRESH.c.revoked_at.is_(None),
        _REFRESH.c.expires_at > bindparam("at"),
    )
    .values(used_at=bindparam("at"))
    .returning(*(_REFRESH.c[f.name] for f in fields(RefreshToken)))
)


TOKEN_FIELDS = [f.name for f in fields(RefreshToken)]
# The refresh grant's reads and its spend, one round trip: the token is spent (checked and
# marked in the UPDATE, which locks its row), then its account is read and locked as
# ``SqlAccounts.get`` does (the LATERAL subquery: a row lock on the nullable side of an
# outer join is not allowed). A token that cannot be spent gives no row.
SPEND_FOR_GRANT = text(
    f"""
    WITH spent AS (
        UPDATE refresh_token SET used_at = :at
         WHERE token_hash = :token_hash AND used_at IS NULL AND revoked_at IS NULL
           AND expires_at > :at
     RETURNING {", ".join(TOKEN_FIELDS)}
    )
    SELECT spent.*, a.*
      FROM spent
      LEFT JOIN LATERAL (
            SELECT {", ".join(f"{c} AS a_{c}" for c in _ACCOUNT.c.keys())}
              FROM account WHERE account.id = spent.account_id FOR UPDATE
      ) a ON true
    """  # noqa: S608  (column names from the table, no input)
).columns(
    *(_REFRESH.c[name] for name in TOKEN_FIELDS),
    *(column(f"a_{c.name}", c.type) for c in _ACCOUNT.c),
)


class SqlAccounts:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._rehearsal: AsyncSessionTransaction | None = None

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

    async def rehearse_signup(
        self,
        account: Account,
        token: OneTimeToken,
        acceptance: CguAcceptance,
        company: Company | None = None,
    ) -> None:
        # The INSERTs of an opened sign-up, for a stand-in account (its own id, login and
        # e-mail: no unique key of a real account is touched or waited on), inside a
        # savepoint rolled back: nothing stays. The account, its token and its CGU
        # acceptance go as one statement, so the round trips are the opened path's
        # (savepoint, statement, rollback for its three INSERTs; a portal account's company
        # one more each way). Three statements plus the savepoint made the refusal 1.5 to
        # 1.9 ms slower, enough for KS to tell.
        keys = stand_in_account(account.kind, account.created_at)  # its id, login, e-mail
        stand_in = keys.id
        rehearsed = replace(account, id=stand_in, login=keys.login, email=keys.email)
        written = insert(AccountRow).values(**_columns(rehearsed)).on_conflict_do_nothing()
        linked = insert(ActivationTokenRow).values(**_values(replace(token, account_id=stand_in)))
        statement = (
            insert(CguAcceptanceRow)
            .values(
                account_id=stand_in,
                cgu_version=acceptance.cgu_version,
                accepted_at=acceptance.accepted_at,
            )
            .add_cte(written.returning(AccountRow.id).cte("rehearsed_account"))
            .add_cte(linked.returning(ActivationTokenRow.token_hash).cte("rehearsed_token"))
        )
        savepoint = await self.session.begin_nested()
        try:
            await self.session.execute(statement)
            if company is not None:  # a round trip of its own, as on the opened path
                await self.session.execute(
                    insert(PortailCompanyRow).values(account_id=stand_in, **_values(company))
                )
        finally:
            await savepoint.rollback()

    async def open_rehearsal(self) -> None:
        # A savepoint on every path: a request that turns out to make no link rolls back to
        # it (``rehearse_reset``); one that makes a link leaves it to the commit, which
        # releases it. Both paths issue one SAVEPOINT and one RELEASE or ROLLBACK TO.
        self._rehearsal = await self.session.begin_nested()

    async def rehearse_reset(self, stand_in: Account, token: ActionToken, requested: Event) -> None:
        # The statements of a reset link, for ``stand_in``: its token (``add_action_token``,
        # with the stand-in inserted in the same statement for the token's foreign key),
        # then its event's outbox row as ``uow.publish`` writes it at commit (one row,
        # ``executemany``); then back to ``open_rehearsal``'s savepoint: nothing stays, no
        # event is published (the outbox trigger's NOTIFY goes with the savepoint). The
        # outbox row takes an id of its own, not the sequence's: no gap in the outbox ids.
        savepoint = self._rehearsal or await self.session.begin_nested()
        self._rehearsal = None
        try:
            values = _values(token) | {f"a_{k}": v for k, v in _columns(stand_in).items()}
            await self.session.execute(REHEARSED_TOKEN, values)
            row = outbox_row(requested, child_of(current_traceparent.get()))
            await self.session.execute(REHEARSED_OUTBOX, [row | {"id": -secrets.randbits(62) - 1}])
        finally:
            await savepoint.rollback()

    async def remove(self, account_id: uuid.UUID) -> None:
        await self.session.execute(delete(AccountRow).where(AccountRow.id == account_id))

    async def get(self, account_id: uuid.UUID) -> Account | None:
        # Core, not the ORM: the row as it is now (an ORM read would hand back the object
        # an earlier read of this session left in its identity map, unrefreshed), and less
        # work on the refresh grant's and the login's path.
        conn = await self.session.connection()
        row = (await conn.execute(ACCOUNT_LOCKED, {"account_id": account_id})).first()
        return None if row is None else _account(row)  # type: ignore[arg-type]

    async def by_login(self, kind: AccountKind, login: str) -> Account | None:
        conn = await self.session.connection()
        found = await conn.execute(ACCOUNT_BY_LOGIN, {"kind": kind.value, "login": login})
        row = found.first()
        return None if row is None else _account(row)  # type: ignore[arg-type]

    async def save(self, account: Account) -> None:
        values = _columns(account)
        del values["id"]
        await self.session.execute(
            update(AccountRow).where(AccountRow.id == account.id).values(**values)
        )

    async def add_activation_token(self, token: OneTimeToken) -> None:
        await self.session.execute(insert(ActivationTokenRow).values(**_values(token)))

    async def activation_token(self, token_hash: str) -> OneTimeToken | None:
        row = await _token_row(self.session, ActivationTokenRow, token_hash)
        return None if row is None else _record(OneTimeToken, row)

    async def save_activation_token(self, token: OneTimeToken) -> None:
        await self.session.execute(
            update(ActivationTokenRow)
            .where(ActivationTokenRow.token_hash == token.token_hash)
            .values(expires_at=token.expires_at, used_at=token.used_at)
        )

    async def add_cgu_acceptance(self, acceptance: CguAcceptance) -> None:
        await self.session.execute(
            insert(CguAcceptanceRow)
            .values(
                account_id=acceptance.account_id,
                cgu_version=acceptance.cgu_version,
                accepted_at=acceptance.accepted_at,
            )
            .on_conflict_do_nothing()
        )

    async def add_action_token(self, token: ActionToken) -> None:
        await self.session.execute(ADD_ACTION_TOKEN, _values(token))

    async def action_token(self, token_hash: str) -> ActionToken | None:
        row = await _token_row(self.session, ActionTokenRow, token_hash)
        return None if row is None else _record(ActionToken, row)

    async def save_action_token(self, token: ActionToken) -> None:
        await self.session.execute(
            update(ActionTokenRow)
            .where(ActionTokenRow.token_hash == token.token_hash)
            .values(used_at=token.used_at)
        )

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
        """Count a wrong password and note it in the history, in one statement that holds
        the row lock, unless the account is locked by then (the same writes are then
        rehearsed for a stand-in and rolled back, as ``note_refusal`` does); at
        ``max_failures`` lock it until ``lock_until`` and start counting again. ``True``
        when this failure locked it, ``None`` when it was not counted (locked meanwhile,
        or gone)."""
        return await self._count_or_rehearse(
            account_id,
            now=now,
            max_failures=max_failures,
            lock_until=lock_until,
            client_address=client_address,
        )

    async def _count_or_rehearse(
        self,
        account_id: uuid.UUID | None,
        *,
        now: datetime,
        max_failures: int,
        lock_until: datetime,
        client_address: str | None,
    ) -> bool | None:
        # One statement: two concurrent failures serialize on the row, and a failure that
        # finds the account locked (by a concurrent one) is not counted. Counted or not, the
        # statement writes an account row and a history line (V8: every refusal costs the
        # same); a rehearsal's go with the savepoint, as one round trip either way.
        stand_in = stand_in_account(AccountKind.TITULAIRE, now)
        savepoint = await self.session.begin_nested()
        just_locked = await self.session.scalar(
            COUNT_FAILURE,
            {
                "id": account_id,
                "max": max_failures,
                "until": lock_until,
                "now": now,
                "address": client_address,
                "stand_in": stand_in.id,
                "kind": stand_in.kind.value,
                "stand_in_login": stand_in.login,
                "stand_in_email": stand_in.email,
                "civilite": stand_in.title,
                "prenom": stand_in.first_name,
                "nom": stand_in.last_name,
                "password_hash": stand_in.password_hash,
                "status": stand_in.status.value,
            },
        )
        if just_locked is None:
            await savepoint.rollback()  # the rehearsal: nothing of it stays
        else:
            await savepoint.commit()  # RELEASE: the failure counted
        return None if just_locked is None else bool(just_locked)

    async def note_refusal(self, login_key: str, now: datetime) -> None:
        # ``count_failure`` for no account (``id`` NULL matches no row): an unknown login,
        # a locked or pending account runs the very statements a counted wrong password
        # does, after the same Python work (V8), and keeps nothing of them.
        await self._count_or_rehearse(
            None, now=now, max_failures=1, lock_until=now, client_address=None
        )

    async def forget_refusals(self, before: datetime) -> None:
        await self.session.execute(
            delete(LoginRefusalRow).where(LoginRefusalRow.last_refused_at < before)
        )

    async def reset_failures(self, account_id: uuid.UUID) -> None:
        await self.session.execute(
            update(AccountRow).where(AccountRow.id == account_id).values(failed_logins=0)
        )

    async def lock_ended(self, now: datetime, limit: int) -> list[Account]:
        """Accounts whose lock has run out (still marked), locked ``SKIP LOCKED``."""
        rows = await self.session.scalars(
            select(AccountRow)
            .where(AccountRow.locked_until <= now)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_account(r) for r in rows]

    async def spend_action_tokens(self, account_id: uuid.UUID, action: str, now: datetime) -> None:
        await self.session.execute(
            update(ActionTokenRow)
            .where(
                ActionTokenRow.account_id == account_id,
                ActionTokenRow.action == action,
                ActionTokenRow.used_at.is_(None),
            )
            .values(used_at=now)
        )

    async def unused_since(self, kind: AccountKind, now: datetime, limit: int) -> list[Account]:
        """Accounts of ``kind`` never logged into whose deadline has passed, locked (others
        running the same purge skip them)."""
        rows = await self.session.scalars(
            select(AccountRow)
            .where(
                AccountRow.kind == kind.value,
                AccountRow.last_login_at.is_(None),
                AccountRow.delete_if_unused_by <= now,
            )
            .order_by(AccountRow.delete_if_unused_by)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_account(r) for r in rows]


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
        await self.session.execute(insert(SigningKeyRow).values(**_values(key)))

    async def retire(self, kid: str, at: datetime) -> None:
        await self.session.execute(
            update(SigningKeyRow).where(SigningKeyRow.kid == kid).values(retired_at=at)
        )

    async def remove(self, kid: str) -> None:
        await self.session.execute(delete(SigningKeyRow).where(SigningKeyRow.kid == kid))


class SqlRefreshTokens:
    """The refresh grant's path runs constant Core statements on the session's connection:
    compiled once, no ORM state per call (the grant is one of the platform's hot paths)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, token: RefreshToken) -> None:
        conn = await self.session.connection()
        await conn.execute(ADD_REFRESH_TOKEN, _values(token))

    async def get(self, token_hash: str) -> RefreshToken | None:
        row = await _token_row(self.session, RefreshTokenRow, token_hash)
        return None if row is None else _record(RefreshToken, row)

    async def mark_used(self, token_hash: str, at: datetime) -> None:
        await self.session.execute(
            update(RefreshTokenRow)
            .where(RefreshTokenRow.token_hash == token_hash)
            .values(used_at=at)
        )

    async def spend(self, token_hash: str, at: datetime) -> RefreshToken | None:
        # One statement checks and marks (the UPDATE locks the row, and a concurrent spend
        # of the same token re-reads it after the first commits: it then finds it used).
        conn = await self.session.connection()
        spent = await conn.execute(SPEND_REFRESH_TOKEN, {"spent_hash": token_hash, "at": at})
        row = spent.first()
        return None if row is None else _record(RefreshToken, row)

    async def spend_for_grant(
        self, token_hash: str, at: datetime
    ) -> tuple[RefreshToken, Account | None] | None:
        conn = await self.session.connection()
        found = await conn.execute(SPEND_FOR_GRANT, {"token_hash": token_hash, "at": at})
        row = found.first()
        if row is None:
            return None
        token = RefreshToken(*row[: len(TOKEN_FIELDS)])
        if row.a_id is None:
            return token, None
        owner = {name: row[len(TOKEN_FIELDS) + i] for i, name in enumerate(_ACCOUNT.c.keys())}
        return token, _account(SimpleNamespace(**owner))  # type: ignore[arg-type]

    async def revoke_family(self, family_id: uuid.UUID, at: datetime) -> int:
        result = await self.session.execute(
            update(RefreshTokenRow)
            .where(RefreshTokenRow.family_id == family_id, RefreshTokenRow.revoked_at.is_(None))
            .values(revoked_at=at)
            .returning(RefreshTokenRow.token_hash)
        )
        return len(result.all())

    async def revoke_account(
        self, account_id: uuid.UUID, at: datetime, *, keep_family: uuid.UUID | None = None
    ) -> list[uuid.UUID]:
        query = update(RefreshTokenRow).where(
            RefreshTokenRow.account_id == account_id, RefreshTokenRow.revoked_at.is_(None)
        )
        if keep_family is not None:
            query = query.where(RefreshTokenRow.family_id != keep_family)
        result = await self.session.execute(
            query.values(revoked_at=at).returning(RefreshTokenRow.family_id)
        )
        return sorted(set(result.scalars()))


class SqlUsedChallenges:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def first_use(self, challenge_id: str, expires_at: datetime) -> bool:
        inserted = await self.session.scalar(
            insert(AntiRobotChallengeRow)
            .values(id=challenge_id, expires_at=expires_at)
            .on_conflict_do_nothing()
            .returning(AntiRobotChallengeRow.id)
        )
        return inserted is not None

    async def forget_expired(self, now: datetime) -> None:
        await self.session.execute(
            delete(AntiRobotChallengeRow).where(AntiRobotChallengeRow.expires_at < now)
        )


class SqlCompanies:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, account_id: uuid.UUID, company: Company) -> None:
        await self.session.execute(
            insert(PortailCompanyRow).values(
                account_id=account_id,
                siret=company.siret,
                raison_sociale=company.raison_sociale,
                adresse=company.adresse,
                code_postal=company.code_postal,
                commune=company.commune,
            )
        )

    async def of_account(self, account_id: uuid.UUID) -> Company | None:
        row = await self.session.get(PortailCompanyRow, account_id)
        return None if row is None else _record(Company, row)


class SqlHistory:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(
        self, account_id: uuid.UUID, what: str, at: datetime, client_address: str | None
    ) -> None:
        await self.session.execute(
            insert(HistoryRow).values(
                account_id=account_id, what=what, at=at, client_address=client_address
            )
        )

    async def of(self, account_id: uuid.UUID, limit: int) -> list[HistoryEntry]:
        rows = await self.session.scalars(
            select(HistoryRow)
            .where(HistoryRow.account_id == account_id)
            .order_by(HistoryRow.id.desc())
            .limit(limit)
        )
        return [HistoryEntry(r.what, r.at, r.client_address) for r in rows]
