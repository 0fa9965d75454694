"""Use cases run when events arrive."""

from cpf_contracts.events.identity import AccountActivated
from cpf_runtime.db import UnitOfWork
from sqlalchemy.dialects.postgresql import insert

from habilitation.store.tables import KnownAccount


async def record_account(event: AccountActivated, uow: UnitOfWork) -> None:
    """Keep the activated account, so that it can be found when inviting or habilitating."""
    values = {
        "account_id": event.account_id,
        "kind": event.kind,
        "login": event.login,
        "email": event.email,
        "prenom": event.prenom,
        "nom": event.nom,
        "activated_at": event.activated_at,
    }
    await uow.session.execute(
        insert(KnownAccount)
        .values(values)
        .on_conflict_do_update(index_elements=[KnownAccount.account_id], set_=values)
    )
