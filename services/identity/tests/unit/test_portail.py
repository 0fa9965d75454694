"""Portal users: the sign-up form's rules, the 24-hour link, the SIRET look-up behind its port."""

import dataclasses
from datetime import timedelta

import pytest
from cpf_contracts.events.identity import AccountRegistered, SignupAttemptedOnExistingAccount
from cpf_runtime.errors import DomainError
from identity.api.errors import problem_of
from identity.app.antirobot import Proof
from identity.app.portail import look_up_company, sign_up_portail
from identity.app.signup import SignupRules
from identity.domain.account import AccountKind, AccountStatus
from identity.domain.errors import (
    CompanyRegisterInvalid,
    CompanyRegisterUnavailable,
    CompanyUnknown,
    InvalidInput,
)
from identity.domain.password_policy import PORTAIL
from identity.domain.portail import Company, PortailSignup, siret_violation

RULES = SignupRules(PORTAIL, timedelta(hours=24), "2025-01", "https://identite.example")
SIRET = "73282932000074"
COMPANY = Company(SIRET, "ATELIERS DU LAC", "1 rue du Port", "74000", "Annecy")


def form(**overrides: object) -> PortailSignup:
    values: dict[str, object] = {
        "cgu_acceptees": True,
        "email": "Claire.Martin@Example.FR",
        "email_confirmation": "claire.martin@example.fr",
        "mot_de_passe": "Portail2026-ok",
        "mot_de_passe_confirmation": "Portail2026-ok",
        "civilite": "MME",
        "prenom": "Claire",
        "nom": "Martin",
        "telephone": "0450123456",
        "siret": "732 829 320 00074",
        "raison_sociale": "Ateliers du Lac (modifiée)",
        "adresse": "1 rue du Port",
        "code_postal": "74000",
        "commune": "Annecy",
    }
    return PortailSignup(**(values | overrides))  # type: ignore[arg-type]


class FakeRegister:
    def __init__(self, answer: Company | None | Exception) -> None:
        self.answer = answer
        self.asked: list[str] = []

    async def lookup(self, siret: str) -> Company | None:
        self.asked.append(siret)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


@pytest.fixture
def sign_up(run, anti_robot, hasher, sealer, clock):
    async def in_a_unit_of_work(f: PortailSignup) -> None:
        await run(
            sign_up_portail,
            f,
            Proof(defi=f.prenom + f.email, solution="s"),
            anti_robot=anti_robot,
            hasher=hasher,
            sealer=sealer,
            clock=clock,
            rules=RULES,
        )

    return in_a_unit_of_work


def test_siret_rules() -> None:
    assert siret_violation(SIRET) is None
    assert siret_violation("73282932000075").rule == "siret_checksum"  # type: ignore[union-attr]
    assert siret_violation("1234").rule == "siret_format"  # type: ignore[union-attr]
    assert siret_violation("35600000000001") is None  # La Poste: digit sum multiple of 5


async def test_a_sign_up_opens_a_pending_account_with_a_24_hour_link(
    sign_up, accounts, uow, clock
) -> None:
    await sign_up(form())
    (account,) = accounts.accounts.values()
    assert account.kind is AccountKind.PORTAIL
    assert account.login == "claire.martin@example.fr"
    assert account.status is AccountStatus.PENDING
    (event,) = uow.events_of(AccountRegistered)
    assert isinstance(event, AccountRegistered)
    assert event.kind == "portail"
    assert event.activation_expires_at == clock.now + timedelta(hours=24)
    company = uow.companies.added[account.id]
    assert (company.siret, company.raison_sociale) == (SIRET, "Ateliers du Lac (modifiée)")


async def test_the_same_answer_for_an_existing_e_mail(sign_up, accounts, uow, hasher) -> None:
    await sign_up(form())
    (account,) = accounts.accounts.values()
    account.status = AccountStatus.ACTIVE
    work = hasher.work
    await sign_up(form(prenom="Autre"))
    assert hasher.work == work + 1
    assert len(accounts.accounts) == 1
    assert len(uow.events_of(SignupAttemptedOnExistingAccount)) == 1
    # Issue 13, V8: the refusal rehearses the opened sign-up's writes, its company too.
    [(stand_in, _, _, company)] = accounts.rehearsals
    assert stand_in.kind is AccountKind.PORTAIL and company is not None
    assert company.siret == SIRET
    assert list(uow.companies.added) == [account.id]


async def test_every_broken_rule_is_named(sign_up) -> None:
    bad = form(
        cgu_acceptees=False,
        mot_de_passe="court",
        mot_de_passe_confirmation="autre",
        telephone="04 50 12",
        siret="73282932000075",
        code_postal="740",
        raison_sociale=" ",
    )
    with pytest.raises(DomainError) as refused:
        await sign_up(bad)
    rules = {(e.field, e.rule) for e in refused.value.errors}
    assert {
        ("cgu_acceptees", "cgu_required"),
        ("mot_de_passe", "password_min_length"),
        ("mot_de_passe_confirmation", "passwords_match"),
        ("telephone", "phone_digits"),
        ("siret", "siret_checksum"),
        ("code_postal", "code_postal_format"),
        ("raison_sociale", "required"),
    } <= rules


async def test_v6_control_characters_and_bidi_overrides_are_refused_naming_the_field(
    sign_up, accounts
) -> None:
    bad = form(
        prenom="Claire\r\nBcc: x@evil.example",
        nom="Martin\u202e",
        raison_sociale="Ateliers\x00du Lac",
        adresse="1 rue\tdu Lac",
        commune="Annecy\u200f",
    )
    with pytest.raises(DomainError) as refused:
        await sign_up(bad)
    assert problem_of(refused.value).status == 422
    assert {(e.field, e.rule) for e in refused.value.errors} == {
        (field, "control_characters")
        for field in ("prenom", "nom", "raison_sociale", "adresse", "commune")
    }
    assert all("contrôle" in e.message for e in refused.value.errors)
    assert accounts.accounts == {}
    await sign_up(form(prenom="Zoé-Françoise", nom="N\u2019Diaye"))  # accents, apostrophe


async def test_the_look_up_answers_the_company_or_a_clear_problem() -> None:
    register = FakeRegister(COMPANY)
    assert await look_up_company("732 829 320 00074", register=register) == COMPANY
    assert register.asked == [SIRET]
    with pytest.raises(InvalidInput) as bad:
        await look_up_company("123", register=register)
    assert [(e.field, e.rule) for e in bad.value.errors] == [("siret", "siret_format")]
    assert problem_of(bad.value).status == 422
    with pytest.raises(CompanyUnknown) as unknown:
        await look_up_company(SIRET, register=FakeRegister(None))
    assert problem_of(unknown.value).status == 404
    with pytest.raises(CompanyRegisterUnavailable) as down:
        await look_up_company(SIRET, register=FakeRegister(CompanyRegisterUnavailable()))
    problem = problem_of(down.value)
    assert (problem.status, problem.code, problem.headers) == (
        503,
        "register-unavailable",
        {"Retry-After": "30"},
    )
    with pytest.raises(CompanyRegisterInvalid) as nonsense:
        await look_up_company(SIRET, register=FakeRegister(CompanyRegisterInvalid()))
    assert problem_of(nonsense.value).status == 502


def test_the_form_never_prints_its_password() -> None:
    assert "Portail2026" not in repr(form())
    assert "Portail2026" not in repr(dataclasses.replace(form()))
