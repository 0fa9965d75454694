"""Activation through the single-use link, valid 15 days."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from cpf_contracts.events.identity import AccountActivated, AccountRegistered
from cpf_runtime.problems import Problem
from identity.app.activation import activate_account
from identity.app.signup import sign_up_titulaire
from identity.domain.account import AccountStatus
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
async def secret(accounts, outbox, hasher, sealer, unsealer, clock, signup_rules) -> str:
    await sign_up_titulaire(
        FORM,
        accounts=accounts,
        outbox=outbox,
        hasher=hasher,
        sealer=sealer,
        clock=clock,
        rules=signup_rules,
    )
    [registered] = outbox.of(AccountRegistered)
    link = unsealer.unseal(registered.activation_link_sealed)
    outbox.events.clear()
    return parse_qs(urlsplit(link).query)["token"][0]


async def activate(secret: str, accounts, outbox, clock) -> None:
    await activate_account(secret, accounts=accounts, outbox=outbox, clock=clock)


async def test_the_link_activates_the_account_once(secret, accounts, outbox, clock) -> None:
    clock.advance(timedelta(days=3))
    await activate(secret, accounts, outbox, clock)

    [account] = accounts.accounts.values()
    assert account.status is AccountStatus.ACTIVE
    assert account.activated_at == clock.now
    [token] = accounts.tokens.values()
    assert token.used_at == clock.now
    [event] = outbox.events
    assert isinstance(event, AccountActivated)
    assert (event.account_id, event.login, event.kind) == (account.id, account.login, "titulaire")
    assert event.activated_at == clock.now

    with pytest.raises(Problem) as again:
        await activate(secret, accounts, outbox, clock)
    assert again.value.status == 400
    assert [(e.field, e.rule) for e in again.value.errors] == [("token", "activation_used")]
    assert len(outbox.events) == 1


async def test_after_15_days_the_link_has_expired(secret, accounts, outbox, clock) -> None:
    clock.advance(timedelta(days=15))
    with pytest.raises(Problem) as expired:
        await activate(secret, accounts, outbox, clock)
    assert expired.value.status == 410
    assert [(e.field, e.rule) for e in expired.value.errors] == [("token", "activation_expired")]
    assert "recommencer votre inscription" in expired.value.detail
    [account] = accounts.accounts.values()
    assert account.status is AccountStatus.PENDING
    assert outbox.events == []


async def test_the_last_second_still_counts(secret, accounts, outbox, clock) -> None:
    clock.advance(timedelta(days=15) - timedelta(seconds=1))
    await activate(secret, accounts, outbox, clock)


@pytest.mark.parametrize("wrong", ["", "inconnu", "x" * 5000])
async def test_an_unknown_token_is_404(secret, accounts, outbox, clock, wrong) -> None:
    with pytest.raises(Problem) as unknown:
        await activate(wrong, accounts, outbox, clock)
    assert unknown.value.status == 404
    assert [(e.field, e.rule) for e in unknown.value.errors] == [("token", "activation_unknown")]


async def test_the_stored_digest_is_not_a_token(secret, accounts, outbox, clock) -> None:
    [stored] = accounts.tokens
    with pytest.raises(Problem) as unknown:
        await activate(stored, accounts, outbox, clock)
    assert unknown.value.status == 404
