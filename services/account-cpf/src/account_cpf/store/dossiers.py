"""The dossiers de formation as the :class:`account_cpf.app.ports.Dossiers` repository."""

from __future__ import annotations

import dataclasses
import uuid

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from account_cpf.domain.dossiers import Dossier, StatutDossier
from account_cpf.store.tables import DossierRow


def _dossier(row: DossierRow) -> Dossier:
    return Dossier(
        id=row.id,
        titulaire_id=row.titulaire_id,
        intitule=row.intitule,
        heures=row.heures,
        statut=StatutDossier(row.statut),
        motif_rejet=row.motif_rejet,
        valide_le=row.valide_le,
        created_at=row.created_at,
    )


class SqlDossiers:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def of(self, titulaire_id: uuid.UUID) -> list[Dossier]:
        rows = await self._session.scalars(
            select(DossierRow)
            .where(DossierRow.titulaire_id == titulaire_id)
            .order_by(DossierRow.created_at, DossierRow.id)
        )
        return [_dossier(r) for r in rows]

    async def get(self, titulaire_id: uuid.UUID, dossier_id: uuid.UUID) -> Dossier | None:
        row = await self._session.scalar(
            select(DossierRow).where(
                DossierRow.id == dossier_id, DossierRow.titulaire_id == titulaire_id
            )
        )
        return None if row is None else _dossier(row)

    async def save(self, dossier: Dossier) -> None:
        values = dataclasses.asdict(dossier) | {"statut": dossier.statut.value}
        if values["created_at"] is None:
            del values["created_at"]
        changed = {k: v for k, v in values.items() if k not in ("id", "created_at")}
        await self._session.execute(
            insert(DossierRow)
            .values(**values)
            .on_conflict_do_update(index_elements=[DossierRow.id], set_=changed)
        )

    async def delete(self, dossier_id: uuid.UUID) -> None:
        await self._session.execute(delete(DossierRow).where(DossierRow.id == dossier_id))
