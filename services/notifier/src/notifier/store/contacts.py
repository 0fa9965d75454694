"""Queries on ``account_contact``: the address each account's owner is reached at."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from notifier.domain.messages import Contact
from notifier.store.tables import AccountContact


async def remember(
    session: AsyncSession,
    *,
    account_id: uuid.UUID,
    kind: str,
    contact: Contact,
    now: datetime,
) -> None:
    """Record (or refresh) where the owner of ``account_id`` is reached.

    An account's events share one partition, so they arrive in order: the latest wins.
    """
    values = {"kind": kind, "email": contact.email, "prenom": contact.prenom, "nom": contact.nom}
    await session.execute(
        insert(AccountContact)
        .values(account_id=account_id, updated_at=now, **values)
        .on_conflict_do_update(
            index_elements=[AccountContact.account_id], set_={**values, "updated_at": now}
        )
    )


async def change_email(
    session: AsyncSession, *, account_id: uuid.UUID, email: str, now: datetime
) -> None:
    await session.execute(
        update(AccountContact)
        .where(AccountContact.account_id == account_id)
        .values(email=email, updated_at=now)
    )


async def forget(session: AsyncSession, account_id: uuid.UUID) -> None:
    await session.execute(delete(AccountContact).where(AccountContact.account_id == account_id))


async def find(session: AsyncSession, account_id: uuid.UUID) -> Contact | None:
    """The account's contact, or ``None`` when no event ever gave its address."""
    row = await session.get(AccountContact, account_id)
    return None if row is None else Contact(row.email, row.prenom, row.nom)
