"""Identity's unit of work: one transaction, carrying the SQL repositories built on it."""

from __future__ import annotations

from cpf_runtime.db import UnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession

from identity.store.repository import (
    SqlAccounts,
    SqlCompanies,
    SqlHistory,
    SqlRefreshTokens,
    SqlSigningKeys,
    SqlUsedChallenges,
)


class IdentityUnitOfWork(UnitOfWork):
    """``runtime.uow()`` of identity: ``uow.accounts``, ``uow.refresh_tokens``…, all on the
    one session; commits at the end of the block (see :class:`cpf_runtime.db.UnitOfWork`)."""

    accounts: SqlAccounts
    refresh_tokens: SqlRefreshTokens
    history: SqlHistory
    signing_keys: SqlSigningKeys
    used_challenges: SqlUsedChallenges
    companies: SqlCompanies

    def bind(self, session: AsyncSession) -> None:
        self.accounts = SqlAccounts(session)
        self.refresh_tokens = SqlRefreshTokens(session)
        self.history = SqlHistory(session)
        self.signing_keys = SqlSigningKeys(session)
        self.used_challenges = SqlUsedChallenges(session)
        self.companies = SqlCompanies(session)


def ours(uow: UnitOfWork) -> IdentityUnitOfWork:
    """A unit of work the runtime built (its ``uow_class`` is ours), typed as identity's."""
    assert isinstance(uow, IdentityUnitOfWork), "Runtime(uow_class=IdentityUnitOfWork)"
    return uow
