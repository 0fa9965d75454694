"""The notifier's unit of work: one transaction carrying its repositories."""

from __future__ import annotations

from cpf_runtime.db import UnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession

from notifier.store.contacts import SqlContacts
from notifier.store.messages import SqlMessages


class NotifierUnitOfWork(UnitOfWork):
    """``uow.messages`` (the e-mails) and ``uow.contacts`` (the owners' addresses)."""

    messages: SqlMessages
    contacts: SqlContacts

    def bind(self, session: AsyncSession) -> None:
        self.messages = SqlMessages(session)
        self.contacts = SqlContacts(session)
