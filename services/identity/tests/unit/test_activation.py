"""Activation through the single-use link, valid 15 days."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from cpf_contracts.events.identity import AccountActivated, AccountRegistered, Entreprise
from cpf_runtime.errors import DomainError
from identity.api.errors import problem_of
from identity.app.activation import activate_account
from identity.app.antirobot import Proof
from identity.app.portail import sign_up_portail
from identity.app.signup import SignupRules, sign_up_titulaire
from identity.domain.account import AccountStatus
from identity.domain.password_policy import PORTAIL
from identity.domain.portail import PortailSignup
from identity.domain.signup import TitulaireSignup

FORM = TitulaireSignup(
    cgu_acceptees=True,
    nir="255081416802538",
    civilite="M",
    prenom="Jean",
    nom_naissance="Dupont",
    email="jean.dupont@example.org",
    email_confirmation="jean.dupont@example.org",
    mot_de_passe="Abcde123",
    mot_de_passe_confirmation="Abcde123",
)


@pytest.fixture
async def secret(run, uow, hasher, anti_robot, proof, sealer, unsealer, clock, signup_rules) -> str:
    await run(
        sign_up_titulaire,
        FORM,
        proof,
        anti_robot=anti_robot,
        hasher=hasher,
        sealer=sealer,
        clock=clock,
        rules=signup_rules,
    )
    [registered] = uow.events_of(AccountRegistered)
    link = unsealer.unseal(registered.activation_link_sealed)
    uow.published.clear()
    return parse_qs(urlsplit(link).query)["token"][0]


@pytest.fixture
def activate(run, clock):
    async def in_a_unit_of_work(secret: str) -> None:
        await run(activate_account, secret, clock=clock)

    return in_a_unit_of_work


async def test_the_link_activates_the_account_once(secret, activate, accounts, uow, clock) -> None:
    clock.advance(timedelta(days=3))
    await activate(secret)

    [account] = accounts.accounts.values()
    assert account.status is AccountStatus.ACTIVE
    assert account.activated_at == clock.now
    [token] = accounts.tokens.values()
    assert token.used_at == clock.now
    [event] = uow.published
    assert isinstance(event, AccountActivated)
    assert (event.account_id, event.login, event.kind) == (account.id, account.login, "titulaire")
    assert event.activated_at == clock.now

    with pytest.raises(DomainError) as again:
        await activate(secret)
    assert problem_of(again.value).status == 400
    assert [(e.field, e.rule) for e in again.value.errors] == [("token", "activation_used")]
    assert len(uow.published) == 1


async def test_after_15_days_the_link_has_expired(secret, activate, accounts, uow, clock) -> None:
    clock.advance(timedelta(days=15))
    with pytest.raises(DomainError) as expired:
        await activate(secret)
    assert problem_of(expired.value).status == 410
    assert [(e.field, e.rule) for e in expired.value.errors] == [("token", "activation_expired")]
    assert "recommencer votre inscription" in expired.value.message
    [account] = accounts.accounts.values()
    assert account.status is AccountStatus.PENDING
    assert uow.published == []


async def test_the_last_second_still_counts(secret, activate, accounts, uow, clock) -> None:
    clock.advance(timedelta(days=15) - timedelta(seconds=1))
    await activate(secret)

    [account] = accounts.accounts.values()
    assert account.status is AccountStatus.ACTIVE
    assert account.activated_at == clock.now
    [event] = uow.events_of(AccountActivated)
    assert event.account_id == account.id


@pytest.mark.parametrize("wrong", ["", "inconnu", "x" * 5000])
async def test_an_unknown_token_is_404(secret, activate, accounts, uow, clock, wrong) -> None:
    with pytest.raises(DomainError) as unknown:
        await activate(wrong)
    assert problem_of(unknown.value).status == 404
    assert [(e.field, e.rule) for e in unknown.value.errors] == [("token", "activation_unknown")]


async def test_the_stored_digest_is_not_a_token(secret, activate, accounts, uow, clock) -> None:
    [stored] = accounts.tokens
    with pytest.raises(DomainError) as unknown:
        await activate(stored)
    assert problem_of(unknown.value).status == 404


async def test_a_titulaire_activation_carries_no_company(secret, activate, uow) -> None:
    await activate(secret)
    [event] = uow.events_of(AccountActivated)
    assert event.entreprise is None


async def test_a_portal_activation_carries_the_company_given_at_sign_up(
    run, uow, hasher, anti_robot, sealer, unsealer, clock
) -> None:
    form = PortailSignup(
        cgu_acceptees=True,
        email="claire.martin@example.fr",
        email_confirmation="claire.martin@example.fr",
        mot_de_passe="Portail2026-ok",
        mot_de_passe_confirmation="Portail2026-ok",
        civilite="MME",
        prenom="Claire",
        nom="Martin",
        telephone="0450123456",
        siret="732 829 320 00074",
        raison_sociale="Ateliers du Lac (modifiée)",
        adresse="1 rue du Port",
        code_postal="74000",
        commune="Annecy",
    )
    rules = SignupRules(PORTAIL, timedelta(hours=24), "2025-01", "https://identite.example")
    await run(
        sign_up_portail,
        form,
        Proof(defi="portail", solution="s"),
        anti_robot=anti_robot,
        hasher=hasher,
        sealer=sealer,
        clock=clock,
        rules=rules,
    )
    [registered] = uow.events_of(AccountRegistered)
    link = unsealer.unseal(registered.activation_link_sealed)
    await run(activate_account, parse_qs(urlsplit(link).query)["token"][0], clock=clock)

    [event] = uow.events_of(AccountActivated)
    assert event.kind == "portail"
    assert event.entreprise == Entreprise(
        siret="73282932000074",
        raison_sociale="Ateliers du Lac (modifiée)",
        adresse="1 rue du Port",
        code_postal="74000",
        commune="Annecy",
    )
