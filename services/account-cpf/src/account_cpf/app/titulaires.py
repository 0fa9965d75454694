"""Use cases of the titulaire's account: opening it, and its synthèse."""

from __future__ import annotations

import uuid

from cpf_contracts.events.account_cpf import TitulaireCreated
from cpf_contracts.events.identity import AccountActivated
from cpf_runtime.clock import Clock, utcnow

from account_cpf.app.ports import AccountCpfUow
from account_cpf.domain.titulaires import Synthese, Titulaire, TitulaireNotFound, synthese


async def open_titulaire_account(
    uow: AccountCpfUow, event: AccountActivated, *, clock: Clock = utcnow
) -> None:
    """A titulaire's login was activated: open their CPF account (0 heures, DIF not entered)."""
    if event.kind != "titulaire":
        return
    titulaire = Titulaire(
        id=uuid.uuid4(),
        account_id=event.account_id,
        nir=event.login,
        civilite=event.civilite,
        prenom=event.prenom,
        nom=event.nom,
        email=event.email,
    )
    # The inbox already makes a redelivery a no-op; this also covers the same account
    # announced by a replayed event with a new id.
    if not await uow.titulaires.add(titulaire):
        return
    uow.publish(
        TitulaireCreated(
            titulaire_id=titulaire.id,
            account_id=titulaire.account_id,
            nir=titulaire.nir,
            created_at=clock(),
        )
    )


async def synthese_of(uow: AccountCpfUow, account_id: uuid.UUID) -> Synthese:
    """The synthèse of the account of the titulaire who holds login ``account_id``."""
    titulaire = await uow.titulaires.by_account(account_id)
    if titulaire is None:
        raise TitulaireNotFound(
            "Votre compte formation est en cours de création, réessayez dans un instant."
        )
    return synthese(
        mouvements=await uow.titulaires.movements(titulaire.id),
        heures_dif=titulaire.heures_dif,
        dossiers=await uow.titulaires.dossiers(titulaire.id),
    )
