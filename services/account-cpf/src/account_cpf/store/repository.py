from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from account_cpf.domain.model import IN_PROGRESS, DossierStatus, Summary, summarise
from account_cpf.store.tables import Dossier, HoursMovement, Titulaire


class TitulaireRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_account(self, account_id: UUID) -> Titulaire | None:
        return await self.session.scalar(
            select(Titulaire).where(Titulaire.account_id == account_id)
        )

    async def summary(self, titulaire: Titulaire) -> Summary:
        movements = (
            await self.session.scalars(
                select(HoursMovement.hours).where(HoursMovement.titulaire_id == titulaire.id)
            )
        ).all()
        dossiers = (
            await self.session.execute(
                select(Dossier.status, func.coalesce(Dossier.hours, 0)).where(
                    Dossier.titulaire_id == titulaire.id
                )
            )
        ).all()
        statuses = [DossierStatus(status) for status, _ in dossiers]
        committed = sum(h for status, h in dossiers if DossierStatus(status) in IN_PROGRESS)
        return summarise(
            movements=list(movements),
            committed_hours=committed,
            dif_hours=titulaire.dif_hours,
            dossier_statuses=statuses,
        )
