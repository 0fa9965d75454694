"""The directory of portal accounts, fed by identity's events (each in the consumer's unit
of work with its inbox mark: a redelivered event changes nothing), and its search by name
for a gestionnaire's invitations."""

from __future__ import annotations

import uuid
from datetime import datetime

from cpf_contracts.events.identity import AccountActivated

from habilitation.app.common import Actor
from habilitation.app.demarches import rights
from habilitation.app.demarches.common import PLATFORM, require_company_manager
from habilitation.app.demarches.delegations import revoke_for_deleted_tiers
from habilitation.app.demarches.ports import DemarcheUow
from habilitation.domain.demarches import (
    SEARCH_LIMIT,
    PortailAccount,
    fold,
    require_demarche,
    siren_of,
)


async def account_activated(uow: DemarcheUow, event: AccountActivated) -> None:
    """Keep a portal account (others are not the démarches' business)."""
    if event.kind != "portail":
        return
    company = event.entreprise
    await uow.portail_accounts.record(
        PortailAccount(
            account_id=event.account_id,
            civilite=event.civilite,
            prenom=event.prenom,
            nom=event.nom,
            email=event.email.strip().lower(),
            telephone=event.telephone_mobile or event.telephone_fixe,
            siret=company.siret if company else None,
            siren=siren_of(company.siret) if company else None,
            raison_sociale=company.raison_sociale if company else None,
            nom_cle=fold(event.nom),
            prenom_cle=fold(event.prenom),
            activated_at=event.activated_at,
        )
    )


async def email_changed(uow: DemarcheUow, account_id: uuid.UUID, email: str) -> None:
    await uow.portail_accounts.set_email(account_id, email.strip().lower())


async def phone_changed(uow: DemarcheUow, account_id: uuid.UUID, telephone: str | None) -> None:
    await uow.portail_accounts.set_phone(account_id, telephone)


async def account_deleted(uow: DemarcheUow, account_id: uuid.UUID, *, at: datetime) -> None:
    """The login is gone: so is its entry, every role it held (each revoked with its event)
    and every delegation it acted under."""
    await uow.portail_accounts.remove(account_id)
    for held in await uow.demarche_habilitations.of_account(account_id):
        await rights.revoke(uow, held, actor=PLATFORM, at=at, by=None)
    await revoke_for_deleted_tiers(uow, account_id, at=at)


async def search_accounts(
    uow: DemarcheUow, demarche_code: str, nom: str, *, actor: Actor
) -> list[PortailAccount]:
    """« Commencez à taper le nom » (guide 004): accounts of the gestionnaire's companies
    only (same SIREN), by prefix of nom or prénom, accents and case ignored."""
    found = require_demarche(demarche_code)
    _, sirens = await require_company_manager(uow, actor, found)
    prefix = fold(nom)
    if not prefix:
        return []
    results: list[PortailAccount] = []
    for siren in sorted(sirens):
        results.extend(await uow.portail_accounts.search(siren, prefix, SEARCH_LIMIT))
    results.sort(key=lambda a: (a.nom_cle, a.prenom_cle, str(a.account_id)))
    return results[:SEARCH_LIMIT]
