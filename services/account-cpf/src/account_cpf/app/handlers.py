"""Use cases run when events arrive."""

import uuid
from datetime import UTC, datetime

from cpf_contracts.events.account_cpf import TitulaireCreated
from cpf_contracts.events.identity import AccountActivated
from cpf_runtime.db import UnitOfWork
from sqlalchemy.dialects.postgresql import insert

from account_cpf.store.tables import Titulaire


async def open_titulaire_account(event: AccountActivated, uow: UnitOfWork) -> None:
    """A titulaire's login was activated: open their CPF account (0 hours, DIF not entered)."""
    if event.kind != "titulaire":
        return
    titulaire_id = uuid.uuid4()
    # The inbox already makes a redelivery a no-op; the conflict guard also covers the same
    # account announced by a replayed event with a new id.
    created = await uow.session.scalar(
        insert(Titulaire)
        .values(
            id=titulaire_id,
            account_id=event.account_id,
            nir=event.login,
            civilite=event.civilite,
            prenom=event.prenom,
            nom=event.nom,
            email=event.email,
        )
        .on_conflict_do_nothing()
        .returning(Titulaire.id)
    )
    if created is None:
        return
    uow.publish(
        TitulaireCreated(
            titulaire_id=titulaire_id,
            account_id=event.account_id,
            nir=event.login,
            created_at=datetime.now(UTC),
        )
    )
