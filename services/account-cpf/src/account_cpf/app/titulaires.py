"""Use cases of the titulaire's account: opening it, and its synthèse."""

from __future__ import annotations

import uuid

from cpf_contracts.events.account_cpf import TitulaireCreated
from cpf_contracts.events.identity import AccountActivated
from cpf_runtime.clock import Clock, utcnow

from account_cpf.app.access import EN_COURS_DE_CREATION, account_for
from account_cpf.app.ports import AccountCpfUow
from account_cpf.domain.access import Acteur, Droit, require_titulaire
from account_cpf.domain.titulaires import AccountOpening, Synthese, Titulaire, synthese


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


async def synthese_of(
    uow: AccountCpfUow, acteur: Acteur, titulaire_id: uuid.UUID | None = None
) -> Synthese:
    """The synthèse of the titulaire's own account (read in one statement), or of one a
    gestionnaire reaches."""
    if acteur.kind == "titulaire":
        require_titulaire(Droit.LIRE)
        state = await uow.titulaires.state_of(acteur.account_id)
        if state is None:
            raise AccountOpening(EN_COURS_DE_CREATION)
        return synthese(
            mouvements=state.mouvements,
            heures_dif=state.titulaire.heures_dif,
            dossiers=state.dossiers,
        )
    titulaire, _ = await account_for(uow, acteur, titulaire_id, Droit.LIRE)
    return synthese(
        mouvements=await uow.titulaires.movements(titulaire.id),
        heures_dif=titulaire.heures_dif,
        dossiers=await uow.dossiers.of(titulaire.id),
    )
