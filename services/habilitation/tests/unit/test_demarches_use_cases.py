"""The démarches' use cases on the fake unit of work: no database, no broker."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from cpf_contracts.events.demarche import ActivationCodeRedeemed
from cpf_contracts.events.habilitation_demarche import (
    AccessRequestDecided,
    AccessRequested,
    DelegationAccepted,
    DelegationEnded,
    DelegationProposed,
    DelegationRevoked,
    DemarcheHabilitationGranted,
    DemarcheHabilitationRevoked,
    InvitationAccepted,
    InvitationExpired,
    InvitationSent,
)
from cpf_contracts.events.identity import AccountActivated, Entreprise
from cpf_runtime.clock import FakeClock
from cpf_runtime.errors import InvalidInput
from habilitation.app.common import Actor
from habilitation.app.demarches import delegations, directory, invitations, requests, rights, screen
from habilitation.app.demarches.common import DemarcheRules
from habilitation.domain import demarche_errors as errors
from habilitation.domain.demarche_screen import ScreenQuery
from habilitation.domain.siret import luhn_check_digit
from habilitation.store.demarche_fake import FakeDemarcheUnitOfWork

NOON = datetime(2026, 3, 22, 11, tzinfo=UTC)


def siret(siren: str, n: int) -> str:
    partial = f"{siren}{n:04d}"
    return partial + luhn_check_digit(partial)


EKYSS = "518315411"
OTHER = "394915581"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOON)


@pytest.fixture
def uow() -> FakeDemarcheUnitOfWork:
    return FakeDemarcheUnitOfWork()


@pytest.fixture
def rules(clock: FakeClock) -> DemarcheRules:
    return DemarcheRules("https://portail.test", timedelta(days=7), clock)


async def person(
    uow: FakeDemarcheUnitOfWork,
    company: str | None,
    nom: str,
    prenom: str = "Jean",
    email: str | None = None,
) -> Actor:
    account_id = uuid.uuid4()
    entreprise = (
        Entreprise(
            siret=company,
            raison_sociale="EKYSS",
            adresse="1 rue",
            code_postal="75001",
            commune="Paris",
        )
        if company
        else None
    )
    event = AccountActivated(
        account_id=account_id,
        kind="portail",
        login=email or f"{account_id.hex[:8]}@example.fr",
        email=email or f"{account_id.hex[:8]}@example.fr",
        civilite="M",
        prenom=prenom,
        nom=nom,
        activated_at=NOON,
        entreprise=entreprise,
        telephone_fixe="0102030405",
    )
    async with uow:
        await directory.account_activated(uow, event)
    return Actor(str(account_id), "portail")


async def redeem(uow: FakeDemarcheUnitOfWork, actor: Actor, demarche: str, on: str) -> None:
    assert actor.uuid is not None
    event = ActivationCodeRedeemed(
        code_id=uuid.uuid4(),
        demarche=demarche,
        siret=on,
        account_id=actor.uuid,
        redeemed_at=NOON,  # type: ignore[arg-type]
    )
    async with uow:
        await rights.code_redeemed(uow, event)


async def test_the_directory_keeps_the_phone_given_at_sign_up(
    uow: FakeDemarcheUnitOfWork,
) -> None:
    actor = await person(uow, None, "Martin")
    assert actor.uuid is not None
    async with uow:
        account = await uow.portail_accounts.get(actor.uuid)
    assert account is not None
    assert account.telephone == "0102030405"


async def test_a_code_grants_the_manager_role_once(
    uow: FakeDemarcheUnitOfWork, clock: FakeClock
) -> None:
    me = await person(uow, siret(EKYSS, 1), "Munoz")
    await redeem(uow, me, "mon_activite_formation", siret(EKYSS, 1))
    await redeem(uow, me, "mon_activite_formation", siret(EKYSS, 1))
    [granted] = uow.events_of(DemarcheHabilitationGranted)
    assert (granted.role, granted.provenance) == ("gestionnaire", "code_activation")
    async with uow:
        home = await rights.home(uow, actor=me, clock=clock)
    assert [e.demarche.code for e in home.mes_demarches] == ["mon_activite_formation"]
    assert len(home.autres_demarches) == 3


async def test_authorization_direct_and_through_a_delegation_until_its_end(
    uow: FakeDemarcheUnitOfWork, clock: FakeClock, rules: DemarcheRules
) -> None:
    covered = siret(EKYSS, 1)
    boss = await person(uow, covered, "Munoz", "Amandine")
    await redeem(uow, boss, "mon_activite_formation", covered)
    tiers = await person(
        uow, siret(OTHER, 3), "Tiers", "Déclarant", email="prenom.nom@fournisseur.fr"
    )
    form = delegations.DelegationForm(
        siret(OTHER, 3), "Prenom.Nom@Fournisseur.fr", "declarant", covered, date(2026, 3, 31)
    )
    async with uow:
        shown = await delegations.preview_delegation(
            uow, "mon_activite_formation", form, actor=boss, rules=rules
        )
    assert (
        shown.objet
        == "Invitation à rejoindre la démarche Mon Activité Formation pour le compte de EKYSS"
    )
    assert "Amandine Munoz vous invite" in shown.message
    assert "prenom.nom@fournisseur.fr" in shown.confirmation
    assert uow.events_of(DelegationProposed) == []  # a preview changes nothing
    async with uow:
        made = await delegations.propose_delegation(
            uow, "mon_activite_formation", form, actor=boss, rules=rules
        )
    [proposed] = uow.events_of(DelegationProposed)
    assert proposed.accept_link == f"https://portail.test/portail/delegations/{made.id}"
    async with uow:
        await delegations.accept_delegation(uow, made.id, actor=tiers, clock=clock)
    assert uow.events_of(DelegationAccepted)[0].tiers_account_id == tiers.uuid
    async with uow:
        seen = await rights.authorization(
            uow, "mon_activite_formation", covered, actor=tiers, clock=clock
        )
    assert (seen.autorise, seen.roles, seen.via[0].delegation) == (True, ["declarant"], True)
    clock.advance(timedelta(days=9, hours=12))  # 1 April, 00:30 in Paris: the end date passed
    async with uow:
        seen = await rights.authorization(
            uow, "mon_activite_formation", covered, actor=tiers, clock=clock
        )
        assert seen.autorise is False
        assert await delegations.end_delegations(uow, clock=clock) == 1
    [ended] = uow.events_of(DelegationEnded)
    assert ended.ends_on == date(2026, 3, 31)


async def test_a_delegation_to_another_company_or_ending_in_the_past_is_refused(
    uow: FakeDemarcheUnitOfWork, rules: DemarcheRules
) -> None:
    boss = await person(uow, siret(EKYSS, 1), "Munoz")
    await redeem(uow, boss, "mon_activite_formation", siret(EKYSS, 1))
    form = delegations.DelegationForm(
        siret(OTHER, 1), "t@example.fr", "declarant", siret(OTHER, 2), date(2026, 3, 21)
    )
    with pytest.raises(InvalidInput) as refused:
        async with uow:
            await delegations.propose_delegation(
                uow, "mon_activite_formation", form, actor=boss, rules=rules
            )
    assert {(e.field, e.rule) for e in refused.value.errors} == {
        ("siret", "siret_other_company"),
        ("fin", "date_in_past"),
    }
    with pytest.raises(errors.FeatureOff):
        async with uow:
            await delegations.propose_delegation(uow, "ceres", form, actor=boss, rules=rules)
    assert uow.published[-1:] == [uow.events_of(DemarcheHabilitationGranted)[0]]


async def test_a_revoked_delegation_cannot_be_accepted_nor_by_someone_else(
    uow: FakeDemarcheUnitOfWork, clock: FakeClock, rules: DemarcheRules
) -> None:
    covered = siret(EKYSS, 1)
    boss = await person(uow, covered, "Munoz")
    await redeem(uow, boss, "mon_activite_formation", covered)
    stranger = await person(uow, None, "Autre", email="autre@example.fr")
    form = delegations.DelegationForm(siret(OTHER, 1), "t@example.fr", "declarant", covered)
    async with uow:
        made = await delegations.propose_delegation(
            uow, "mon_activite_formation", form, actor=boss, rules=rules
        )
    with pytest.raises(errors.NotTheInvitee):
        async with uow:
            await delegations.accept_delegation(uow, made.id, actor=stranger, clock=clock)
    async with uow:
        await delegations.revoke_delegation(
            uow, "mon_activite_formation", made.id, actor=boss, clock=clock
        )
    assert len(uow.events_of(DelegationRevoked)) == 1
    tiers = await person(uow, None, "Tiers", email="t@example.fr")
    with pytest.raises(errors.DelegationOver):
        async with uow:
            await delegations.accept_delegation(uow, made.id, actor=tiers, clock=clock)


async def test_an_access_request_goes_to_the_managers_and_is_decided_once(
    uow: FakeDemarcheUnitOfWork, clock: FakeClock
) -> None:
    on = siret(EKYSS, 1)
    requester = await person(uow, on, "Martin", "Claire")
    with pytest.raises(errors.NoGestionnaireYet):
        async with uow:
            await requests.request_access(
                uow, "mon_activite_formation", on, "declarant", actor=requester, clock=clock
            )
    boss = await person(uow, on, "Munoz", "Amandine")
    await redeem(uow, boss, "mon_activite_formation", on)
    async with uow:
        made = await requests.request_access(
            uow, "mon_activite_formation", on, "declarant", actor=requester, clock=clock
        )
    [asked] = uow.events_of(AccessRequested)
    assert [g.nom for g in asked.gestionnaires] == ["Munoz"]
    with pytest.raises(errors.RequestPending):
        async with uow:
            await requests.request_access(
                uow, "mon_activite_formation", on, None, actor=requester, clock=clock
            )
    with pytest.raises(errors.NotManager):
        async with uow:
            await requests.decide_request(
                uow,
                "mon_activite_formation",
                made.id,
                requests.Decision(True),
                actor=requester,
                clock=clock,
            )
    with pytest.raises(InvalidInput):
        async with uow:
            await requests.decide_request(
                uow,
                "mon_activite_formation",
                made.id,
                requests.Decision(False),
                actor=boss,
                clock=clock,
            )
    async with uow:
        await requests.decide_request(
            uow, "mon_activite_formation", made.id, requests.Decision(True), actor=boss, clock=clock
        )
    [decided] = uow.events_of(AccessRequestDecided)
    assert (decided.decision, decided.role) == ("acceptee", "declarant")
    assert uow.events_of(DemarcheHabilitationGranted)[-1].provenance == "demande_acces"
    with pytest.raises(errors.AlreadyDecided):
        async with uow:
            await requests.decide_request(
                uow,
                "mon_activite_formation",
                made.id,
                requests.Decision(False, reason="non"),
                actor=boss,
                clock=clock,
            )


async def test_an_invitation_by_email_is_accepted_by_that_address_only(
    uow: FakeDemarcheUnitOfWork, clock: FakeClock, rules: DemarcheRules
) -> None:
    on = siret(EKYSS, 1)
    boss = await person(uow, on, "Duponttest", "Guy")
    await redeem(uow, boss, "ceres", on)
    form = invitations.InvitationForm(
        role="centre_agree", siret=siret(EKYSS, 2), email="New@Example.fr"
    )
    async with uow:
        text = await invitations.preview_invitation(uow, "ceres", form, actor=boss, rules=rules)
    assert text.objet == "Invitation à rejoindre la démarche CERES"
    assert text.message.startswith(
        "Bonjour, Guy Duponttest vous invite à accéder au service CERES avec le rôle "
        "Centre agréé pour l'entreprise EKYSS."
    )
    async with uow:
        sent = await invitations.send_invitation(uow, "ceres", form, actor=boss, rules=rules)
    [event] = uow.events_of(InvitationSent)
    assert (event.invitee_email, event.expires_at) == ("new@example.fr", NOON + timedelta(days=7))
    someone = await person(uow, None, "Autre", email="autre@example.fr")
    with pytest.raises(errors.NotTheInvitee):
        async with uow:
            await invitations.accept_invitation(uow, sent.id, actor=someone, clock=clock)
    invitee = await person(uow, None, "Nouveau", email="new@example.fr")
    async with uow:
        await invitations.accept_invitation(uow, sent.id, actor=invitee, clock=clock)
    assert len(uow.events_of(InvitationAccepted)) == 1
    assert uow.events_of(DemarcheHabilitationGranted)[-1].provenance == "invitation"


async def test_an_invitation_expires_and_is_then_refused(
    uow: FakeDemarcheUnitOfWork, clock: FakeClock, rules: DemarcheRules
) -> None:
    on = siret(EKYSS, 1)
    boss = await person(uow, on, "Duponttest", "Guy")
    await redeem(uow, boss, "ceres", on)
    colleague = await person(uow, siret(EKYSS, 5), "Éloïse", "Anne")
    async with uow:
        found = await directory.search_accounts(uow, "ceres", "elo", actor=boss)
    assert [a.nom for a in found] == ["Éloïse"]
    assert colleague.uuid is not None
    form = invitations.InvitationForm(role="centre_agree", siret=on, account_id=colleague.uuid)
    async with uow:
        sent = await invitations.send_invitation(uow, "ceres", form, actor=boss, rules=rules)
    clock.advance(timedelta(days=7))
    with pytest.raises(errors.InvitationNotPending):
        async with uow:
            await invitations.accept_invitation(uow, sent.id, actor=colleague, clock=clock)
    async with uow:
        assert await invitations.expire_invitations(uow, clock=clock) == 1
    assert len(uow.events_of(InvitationExpired)) == 1


async def test_the_search_never_shows_another_company(uow: FakeDemarcheUnitOfWork) -> None:
    boss = await person(uow, siret(EKYSS, 1), "Duponttest")
    await redeem(uow, boss, "ceres", siret(EKYSS, 1))
    await person(uow, siret(OTHER, 1), "Dupond")
    async with uow:
        found = await directory.search_accounts(uow, "ceres", "dup", actor=boss)
    assert [a.nom for a in found] == ["Duponttest"]


async def test_the_users_screen_counts_facets_without_their_own_filter(
    uow: FakeDemarcheUnitOfWork, clock: FakeClock, rules: DemarcheRules
) -> None:
    on = siret(EKYSS, 1)
    boss = await person(uow, on, "Munoz")
    await redeem(uow, boss, "mon_activite_formation", on)
    for n in range(2):
        someone = await person(uow, on, f"Declarant{n}")
        assert someone.uuid is not None
        async with uow:
            await screen.add_habilitation(
                uow,
                "mon_activite_formation",
                account_id=someone.uuid,
                role="declarant",
                siret=on,
                actor=boss,
                clock=clock,
            )
    tiers = await person(uow, siret(OTHER, 1), "Tiers", email="t@example.fr")
    form = delegations.DelegationForm(siret(OTHER, 1), "t@example.fr", "declarant", on)
    async with uow:
        made = await delegations.propose_delegation(
            uow, "mon_activite_formation", form, actor=boss, rules=rules
        )
        await delegations.accept_delegation(uow, made.id, actor=tiers, clock=clock)
    async with uow:
        everyone = await screen.users_screen(
            uow, "mon_activite_formation", ScreenQuery(), actor=boss, clock=clock
        )
        declarants = await screen.users_screen(
            uow,
            "mon_activite_formation",
            ScreenQuery(role="declarant", tiers=False),
            actor=boss,
            clock=clock,
        )
    assert (everyone.result.roles, everyone.result.tiers) == (
        {"gestionnaire": 1, "declarant": 3},
        {"oui": 1, "non": 3},
    )
    assert [u.account.nom for u in declarants.result.users] == ["Declarant0", "Declarant1"]
    assert declarants.result.roles == {"gestionnaire": 1, "declarant": 2}
    assert declarants.result.tiers == {"oui": 1, "non": 2}


async def test_the_last_gestionnaire_stays_and_a_deleted_one_is_revoked(
    uow: FakeDemarcheUnitOfWork, clock: FakeClock
) -> None:
    on = siret(EKYSS, 1)
    boss = await person(uow, on, "Munoz")
    await redeem(uow, boss, "mon_activite_formation", on)
    [own] = uow.demarche_habilitations.rows.values()
    with pytest.raises(errors.LastGestionnaire):
        async with uow:
            await screen.delete_habilitation(
                uow, "mon_activite_formation", own.id, actor=boss, clock=clock
            )
    outsider = await person(uow, siret(OTHER, 1), "Dehors")
    await redeem(uow, outsider, "mon_activite_formation", siret(OTHER, 1))
    with pytest.raises(errors.NotManager):
        async with uow:
            await screen.delete_habilitation(
                uow, "mon_activite_formation", own.id, actor=outsider, clock=clock
            )
    async with uow:
        history = await screen.demarche_history(uow, "mon_activite_formation", actor=boss)
    assert [e.action for e in history] == ["demarche_habilitation.granted"]
    assert boss.uuid is not None
    async with uow:
        await directory.account_deleted(uow, boss.uuid, at=NOON)
    assert [e.habilitation_id for e in uow.events_of(DemarcheHabilitationRevoked)] == [own.id]
