"""Sign-up of a titulaire: validation, the pending account, no enumeration."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from cpf_contracts.events.identity import AccountRegistered, SignupAttemptedOnExistingAccount
from cpf_runtime.errors import DomainError, InvalidInput
from identity.api.errors import problem_of
from identity.app.antirobot import Proof
from identity.app.signup import sign_up_titulaire
from identity.app.throttle import NoticeLimits, NoticeRules
from identity.domain.account import AccountKind, AccountStatus
from identity.domain.signup import TitulaireSignup
from identity.domain.tokens import OneTimeToken, digest

NIR = "255081416802538"
OWNER = {
    "email": "owner@example.org",
    "title": "MME",
    "first_name": "Jeanne",
    "last_name": "Martin",
    "password_hash": "hash:Owner123",
}
OTHER_NIR = "180032A12345652"


def form(**changes: Any) -> TitulaireSignup:
    base = TitulaireSignup(
        cgu_acceptees=True,
        nir="2 55 08 14 168 025 38",
        civilite="MME",
        prenom=" Jeanne ",
        nom_naissance="Martin",
        telephone_fixe="",
        telephone_mobile="0612345678",
        email="Jeanne.Martin@Example.ORG",
        email_confirmation="jeanne.martin@example.org",
        mot_de_passe="Abcde123",
        mot_de_passe_confirmation="Abcde123",
    )
    return dataclasses.replace(base, **changes)


@pytest.fixture
def sign_up(run, hasher, anti_robot, sealer, clock, signup_rules):
    async def in_a_unit_of_work(f: TitulaireSignup, proof: Proof | None = None) -> None:
        await run(
            sign_up_titulaire,
            f,
            proof or Proof(defi=uuid.uuid4().hex, solution="s"),
            anti_robot=anti_robot,
            hasher=hasher,
            sealer=sealer,
            clock=clock,
            rules=signup_rules,
        )

    return in_a_unit_of_work


def the_link(event: AccountRegistered, unsealer) -> str:
    return unsealer.unseal(event.activation_link_sealed)


async def test_a_valid_form_opens_a_pending_account(
    sign_up, accounts, uow, hasher, clock, unsealer
) -> None:
    await sign_up(form())

    [account] = accounts.accounts.values()
    assert account.kind is AccountKind.TITULAIRE
    assert account.status is AccountStatus.PENDING
    assert account.login == NIR
    assert account.email == "Jeanne.Martin@example.org"  # domain in lower case
    assert (account.first_name, account.last_name, account.title) == ("Jeanne", "Martin", "MME")
    assert (account.landline, account.mobile) == (None, "0612345678")
    assert account.password_hash == "hash:Abcde123"  # noqa: S105
    assert hasher.hashed == 1
    assert [(c.account_id, c.cgu_version) for c in accounts.cgu] == [(account.id, "2025-01")]

    [event] = uow.published
    assert isinstance(event, AccountRegistered)
    assert (event.account_id, event.kind, event.login) == (account.id, "titulaire", NIR)
    assert event.activation_expires_at == clock.now + timedelta(days=15)

    link = the_link(event, unsealer)
    assert link.startswith("https://identite.example/activation?token=")
    assert "token" not in event.model_dump_json().replace("activation_link_sealed", "")
    secret = parse_qs(urlsplit(link).query)["token"][0]
    [(stored_hash, token)] = accounts.tokens.items()
    assert stored_hash == digest(secret) != secret
    assert len(secret) >= 43  # 32 random bytes
    assert token.account_id == account.id
    assert token.expires_at == clock.now + timedelta(days=15)
    assert secret not in event.activation_link_sealed


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"cgu_acceptees": False}, "cgu_acceptees", "cgu_required"),
        ({"nir": "255081416802539"}, "nir", "nir_key"),
        ({"nir": "12345"}, "nir", "nir_format"),
        ({"prenom": "J" * 101}, "prenom", "max_length"),
        ({"nom_naissance": ""}, "nom_naissance", "required"),
        # V6: a line break, ESC or a right-to-left override would travel into e-mails
        ({"prenom": "Jean\nObjet : urgent"}, "prenom", "control_characters"),
        ({"prenom": "Jean\x1b[2J"}, "prenom", "control_characters"),
        ({"nom_naissance": "Martin\u202egnp.exe"}, "nom_naissance", "control_characters"),
        ({"nom_naissance": "Martin\u2066x\u2069"}, "nom_naissance", "control_characters"),
        ({"prenom": "Jean\u2028Marc"}, "prenom", "control_characters"),
        ({"telephone_fixe": "01 23 45 67 89"}, "telephone_fixe", "phone_digits"),
        ({"telephone_mobile": "06.12.34.56.78"}, "telephone_mobile", "phone_digits"),
        ({"telephone_mobile": "+33612345678"}, "telephone_mobile", "phone_digits"),
        ({"telephone_mobile": "0612"}, "telephone_mobile", "phone_length"),
        ({"email": "pas-une-adresse"}, "email", "email_format"),
        ({"email_confirmation": "autre@example.org"}, "email_confirmation", "emails_match"),
        ({"mot_de_passe_confirmation": "Abcde124"}, "mot_de_passe_confirmation", "passwords_match"),
        (
            {"mot_de_passe": "abcdefgh", "mot_de_passe_confirmation": "abcdefgh"},
            "mot_de_passe",
            "password_min_digits",
        ),
    ],
)
async def test_bad_input_is_refused_naming_field_and_rule(
    sign_up, accounts, uow, hasher, changes, field, rule
) -> None:
    with pytest.raises(DomainError) as caught:
        await sign_up(form(**changes))
    problem = caught.value
    assert problem_of(problem).status == 422
    assert (field, rule) in {(e.field, e.rule) for e in problem.errors}
    assert all(e.message for e in problem.errors)
    assert accounts.accounts == {} and uow.published == [] and hasher.hashed == 0


@pytest.mark.parametrize("prenom", [None, "", "   "])
async def test_the_prenom_is_optional(sign_up, accounts, uow, prenom) -> None:
    """Guide 003: « Prénom » has no asterisk on the sign-up form."""
    await sign_up(form(prenom=prenom))
    [account] = accounts.accounts.values()
    assert account.first_name == ""
    [event] = uow.published
    assert isinstance(event, AccountRegistered) and event.prenom == ""
    assert event.activation_valid_seconds == 15 * 86400


async def test_every_broken_rule_is_reported_at_once(sign_up) -> None:
    with pytest.raises(DomainError) as caught:
        await sign_up(form(cgu_acceptees=False, nir="1", email_confirmation="x@example.org"))
    assert {e.rule for e in caught.value.errors} == {"cgu_required", "nir_format", "emails_match"}


@pytest.mark.parametrize(
    "changes",
    [
        {},  # same NIR
        {"login": OTHER_NIR, "email": "jeanne.martin@EXAMPLE.org"},  # same e-mail
    ],
)
async def test_an_existing_account_is_told_and_nothing_is_created(
    new_account, sign_up, accounts, uow, hasher, changes
) -> None:
    existing = new_account(**OWNER | changes)
    accounts.accounts[existing.id] = existing

    await sign_up(form())  # no error: the answer is the same as for a new account

    assert list(accounts.accounts) == [existing.id]
    assert hasher.hashed == 1  # the same work as a real sign-up
    [event] = uow.published
    assert isinstance(event, SignupAttemptedOnExistingAccount)
    assert (event.account_id, event.email) == (existing.id, existing.email)


async def test_a_blocked_sign_up_rehearses_the_writes_of_an_opened_one(
    new_account, sign_up, accounts, uow, clock, signup_rules
) -> None:
    """Issue 13, V8: on an existing account, the account, its activation token and its CGU
    acceptance go to ``rehearse_signup`` (written and rolled back), so the refusal costs
    the same database work as an opened sign-up; nothing is kept."""
    existing = new_account(**OWNER)
    accounts.accounts[existing.id] = existing

    await sign_up(form())

    [(stand_in, token, cgu, company)] = accounts.rehearsals
    assert stand_in.id != existing.id and stand_in.login == NIR
    assert stand_in.status is AccountStatus.PENDING
    assert token.account_id == stand_in.id == cgu.account_id
    assert token.expires_at == clock.now + signup_rules.activation_validity
    assert cgu.cgu_version == signup_rules.cgu_version and company is None
    assert list(accounts.accounts) == [existing.id]
    assert accounts.tokens == {} and accounts.cgu == []


async def test_an_opened_sign_up_rehearses_nothing(sign_up, accounts) -> None:
    await sign_up(form())

    assert len(accounts.accounts) == 1 and accounts.rehearsals == []


async def test_a_pending_account_with_a_live_link_is_kept(sign_up, accounts, uow, clock) -> None:
    await sign_up(form())
    [first] = accounts.accounts
    clock.advance(timedelta(days=14))
    await sign_up(form(prenom="Autre"))

    assert list(accounts.accounts) == [first]
    assert [type(e) for e in uow.published] == [
        AccountRegistered,
        SignupAttemptedOnExistingAccount,
    ]


async def test_after_15_days_the_sign_up_is_redone(sign_up, accounts, uow, clock) -> None:
    await sign_up(form())
    [first] = accounts.accounts
    old_tokens = set(accounts.tokens)
    clock.advance(timedelta(days=15))
    await sign_up(form(prenom="Jeanne-Marie"))

    [second] = accounts.accounts.values()
    assert second.id != first and second.first_name == "Jeanne-Marie"
    assert not old_tokens & set(accounts.tokens)
    assert [c.account_id for c in accounts.cgu] == [second.id]
    assert [type(e) for e in uow.published] == [AccountRegistered, AccountRegistered]


async def test_a_concurrent_sign_up_that_commits_first_wins(
    new_account, sign_up, accounts, uow, clock
) -> None:
    winner = new_account(**OWNER, status=AccountStatus.PENDING)
    _, winner_token = OneTimeToken.issue(winner.id, clock.now, timedelta(days=15))

    def commit_winner() -> None:
        accounts.accounts[winner.id] = winner
        accounts.tokens[winner_token.token_hash] = winner_token

    accounts.before_add = commit_winner
    await sign_up(form())

    assert list(accounts.accounts) == [winner.id]
    assert list(accounts.tokens) == [winner_token.token_hash] and accounts.cgu == []
    [event] = uow.published
    assert isinstance(event, SignupAttemptedOnExistingAccount)
    assert event.account_id == winner.id


async def test_a_refused_proof_is_a_422_after_the_form_rules(
    sign_up, anti_robot, accounts, uow, hasher
) -> None:
    anti_robot.accept = False
    with pytest.raises(InvalidInput) as caught:
        await sign_up(form())
    assert [(e.field, e.rule) for e in caught.value.errors] == [("anti_robot", "anti_robot_failed")]
    assert accounts.accounts == {} and uow.published == [] and hasher.hashed == 0

    with pytest.raises(InvalidInput) as invalid_form:  # the form's rules come first
        await sign_up(form(nir="1"))
    assert [e.rule for e in invalid_form.value.errors] == ["nir_format"]


async def test_a_proof_serves_once(sign_up, uow) -> None:
    proof = Proof(defi="une-fois", solution="s")
    with pytest.raises(InvalidInput):  # refused by the form's rules: the proof is not spent
        await sign_up(form(mot_de_passe_confirmation="Autre123"), proof)
    await sign_up(form(), proof)
    assert len(uow.events_of(AccountRegistered)) == 1
    other = "autre@example.org"
    with pytest.raises(InvalidInput) as again:
        await sign_up(form(nir=OTHER_NIR, email=other, email_confirmation=other), proof)
    assert [e.rule for e in again.value.errors] == ["anti_robot_failed"]


async def test_v7_an_existing_account_is_told_three_times_an_hour_at_most(
    new_account, run, accounts, uow, hasher, anti_robot, sealer, clock, signup_rules
) -> None:
    existing = new_account(**OWNER)
    accounts.accounts[existing.id] = existing
    notices = NoticeLimits(NoticeRules(per_account=3))
    for _ in range(5):
        await run(
            sign_up_titulaire,
            form(),
            Proof(defi=uuid.uuid4().hex, solution="s"),
            anti_robot=anti_robot,
            hasher=hasher,
            sealer=sealer,
            clock=clock,
            rules=signup_rules,
            notices=notices,
        )
    assert len(uow.events_of(SignupAttemptedOnExistingAccount)) == 3
    assert hasher.hashed == 5  # the same work for each
    clock.advance(NoticeRules().window)
    await run(
        sign_up_titulaire,
        form(),
        Proof(defi=uuid.uuid4().hex, solution="s"),
        anti_robot=anti_robot,
        hasher=hasher,
        sealer=sealer,
        clock=clock,
        rules=signup_rules,
        notices=notices,
    )
    assert len(uow.events_of(SignupAttemptedOnExistingAccount)) == 4


async def test_the_link_s_validity_travels_from_the_setting(
    run, hasher, anti_robot, sealer, clock, signup_rules, uow
) -> None:
    """IDENTITY_TITULAIRE_ACTIVATION_DAYS is the link's life and the delay the e-mail
    writes: change the setting, the event (and so the e-mail) changes."""
    rules = dataclasses.replace(signup_rules, activation_validity=timedelta(days=3))
    await run(
        sign_up_titulaire,
        form(),
        Proof(defi=uuid.uuid4().hex, solution="s"),
        anti_robot=anti_robot,
        hasher=hasher,
        sealer=sealer,
        clock=clock,
        rules=rules,
    )
    [event] = uow.published
    assert isinstance(event, AccountRegistered)
    assert event.activation_valid_seconds == 3 * 86400
    assert event.activation_expires_at == clock() + timedelta(days=3)
