"""The ``account_contact`` table as the :class:`notifier.app.ports.Contacts` repository."""

from __future__ import annotations

import uuid
from datetime import datetime

from cpf_runtime.records import record_from
from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifier.domain.messages import Contact
from notifier.store.tables import AccountContactRow


class SqlContacts:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def remember(
        self, *, account_id: uuid.UUID, kind: str, contact: Contact, now: datetime
    ) -> None:
        # An account's events share one partition, so they arrive in order: the latest wins.
        values = {
            "kind": kind,
            "email": contact.email,
            "prenom": contact.prenom,
            "nom": contact.nom,
        }
        await self._session.execute(
            insert(AccountContactRow)
            .values(account_id=account_id, updated_at=now, **values)
            .on_conflict_do_update(
                index_elements=[AccountContactRow.account_id], set_={**values, "updated_at": now}
            )
        )

    async def change_email(self, *, account_id: uuid.UUID, email: str, now: datetime) -> None:
        await self._session.execute(
            update(AccountContactRow)
            .where(AccountContactRow.account_id == account_id)
            .values(email=email, updated_at=now)
        )

    async def forget(self, account_id: uuid.UUID) -> None:
        await self._session.execute(
            delete(AccountContactRow).where(AccountContactRow.account_id == account_id)
        )

    async def find(self, account_id: uuid.UUID) -> Contact | None:
        # Fresh from the database: an upsert in this session does not refresh a loaded row.
        row = await self._session.get(AccountContactRow, account_id, populate_existing=True)
        return None if row is None else record_from(Contact, row)
