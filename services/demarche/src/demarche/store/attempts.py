"""``siret_attempt`` and ``account_attempt`` as the :class:`demarche.app.ports.Attempts`
repository: every count is one ``INSERT … ON CONFLICT DO UPDATE … RETURNING``, which keeps
the counter's row locked until the transaction ends."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncSession

from demarche.store.tables import SiretAttemptRow

_RESERVE_ACCOUNT = text(
    """
    INSERT INTO account_attempt AS a (account_id, window_started_at, failures)
    VALUES (:account_id, :now, 1)
    ON CONFLICT (account_id) DO UPDATE SET
        failures = CASE WHEN a.window_started_at <= :window_start THEN 1
                        ELSE a.failures + 1 END,
        window_started_at = CASE WHEN a.window_started_at <= :window_start THEN :now
                                 ELSE a.window_started_at END
    RETURNING failures, window_started_at
    """
)
# A locked SIRET's row is not updated (the WHERE), so nothing comes back: still, ON
# CONFLICT locks it, and the attempts on it wait their turn.
_RESERVE_SIRET = text(
    """
    INSERT INTO siret_attempt AS s (demarche, siret, failures)
    VALUES (:demarche, :siret, 1)
    ON CONFLICT (demarche, siret) DO UPDATE SET failures = s.failures + 1
    WHERE s.locked_at IS NULL
    RETURNING failures
    """
)


class SqlAttempts:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def reserve_account(
        self, account_id: uuid.UUID, now: datetime, window_seconds: int
    ) -> tuple[int, datetime]:
        params = {
            "account_id": account_id,
            "now": now,
            "window_start": now - timedelta(seconds=window_seconds),
        }
        failures, started = (await self._session.execute(_RESERVE_ACCOUNT, params)).one()
        return int(failures), started

    async def release_account(self, account_id: uuid.UUID) -> None:
        await self._session.execute(
            text(
                "UPDATE account_attempt SET failures = greatest(failures - 1, 0) "
                "WHERE account_id = :account_id"
            ),
            {"account_id": account_id},
        )

    async def reserve_siret(self, demarche: str, siret: str) -> int | None:
        counted = await self._session.scalar(_RESERVE_SIRET, {"demarche": demarche, "siret": siret})
        return None if counted is None else int(counted)

    async def release_siret(self, demarche: str, siret: str) -> None:
        await self._session.execute(
            text(
                "UPDATE siret_attempt SET failures = greatest(failures - 1, 0) "
                "WHERE demarche = :demarche AND siret = :siret"
            ),
            {"demarche": demarche, "siret": siret},
        )

    async def lock_siret(self, demarche: str, siret: str, at: datetime) -> None:
        await self._session.execute(
            text(
                "UPDATE siret_attempt SET locked_at = :at "
                "WHERE demarche = :demarche AND siret = :siret"
            ),
            {"demarche": demarche, "siret": siret, "at": at},
        )

    async def locked(self, demarche: str, siret: str) -> bool:
        row = await self._session.get(SiretAttemptRow, (demarche, siret))
        return row is not None and row.locked_at is not None

    async def reset_siret(self, demarche: str, siret: str) -> None:
        await self._session.execute(
            delete(SiretAttemptRow).where(
                SiretAttemptRow.demarche == demarche, SiretAttemptRow.siret == siret
            )
        )
