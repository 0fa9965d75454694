"""``activation_code`` as the :class:`demarche.app.ports.Codes` repository."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime

from cpf_runtime.records import record_from
from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from demarche.domain.codes import ActivationCode
from demarche.store.tables import LIVE, ActivationCodeRow

_ROW = ActivationCodeRow
_IS_LIVE = (_ROW.redeemed_at.is_(None), _ROW.replaced_at.is_(None))


class SqlCodes:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, code: ActivationCode) -> bool:
        # The partial unique index decides: of concurrent issues, one inserts.
        created = await self._session.scalar(
            insert(_ROW)
            .values(**dataclasses.asdict(code))
            .on_conflict_do_nothing(index_elements=["demarche", "siret"], index_where=text(LIVE))
            .returning(_ROW.code_id)
        )
        return created is not None

    async def get(self, code_id: uuid.UUID) -> ActivationCode | None:
        row = await self._session.get(_ROW, code_id)
        return None if row is None else record_from(ActivationCode, row)

    async def live(self, demarche: str, siret: str) -> ActivationCode | None:
        row = await self._session.scalar(
            select(_ROW).where(_ROW.demarche == demarche, _ROW.siret == siret, *_IS_LIVE)
        )
        return None if row is None else record_from(ActivationCode, row)

    async def replace_live(self, demarche: str, siret: str, at: datetime) -> ActivationCode | None:
        found = (
            await self._session.execute(
                update(_ROW)
                .where(_ROW.demarche == demarche, _ROW.siret == siret, *_IS_LIVE)
                .values(replaced_at=at)
                .returning(*_ROW.__table__.columns)
            )
        ).first()
        if found is None:
            return None
        return dataclasses.replace(ActivationCode(**found._asdict()), replaced_at=None)

    async def redeem(
        self, demarche: str, siret: str, code_hash: str, account_id: uuid.UUID, at: datetime
    ) -> ActivationCode | None:
        # One statement: a concurrent redemption of the same code waits for this row, then
        # finds it redeemed and updates nothing.
        found = (
            await self._session.execute(
                update(_ROW)
                .where(
                    _ROW.demarche == demarche,
                    _ROW.siret == siret,
                    _ROW.code_hash == code_hash,
                    *_IS_LIVE,
                )
                .values(redeemed_at=at, redeemed_by=account_id)
                .returning(*_ROW.__table__.columns)
            )
        ).first()
        return None if found is None else ActivationCode(**found._asdict())
