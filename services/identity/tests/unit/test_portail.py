"""Portal users: the sign-up form's rules, the 24-hour link, the SIRET look-up behind its port."""

import dataclasses
from datetime import timedelta

import pytest
from cpf_contracts.events.identity import AccountRegistered, SignupAttemptedOnExistingAccount
from cpf_runtime.problems import Problem
from identity.app.portail import (
    Company,
    CompanyRegisterError,
    look_up_company,
    sign_up_portail,
)
from identity.app.signup import SignupRules
from identity.domain.account import AccountKind, AccountStatus
from identity.domain.password_policy import PORTAIL
from identity.domain.portail import PortailSignup, siret_violation

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


class FakeCompanies:
    def __init__(self) -> None:
        self.added: dict[object, Company] = {}

    async def add(self, account_id, company: Company) -> None:
        self.added[account_id] = company


class FakeRegister:
    def __init__(self, answer: Company | None | CompanyRegisterError) -> None:
        self.answer = answer
        self.asked: list[str] = []

    async def lookup(self, siret: str) -> Company | None:
        self.asked.append(siret)
        if isinstance(self.answer, CompanyRegisterError):
            raise self.answer
        return self.answer


@pytest.fixture
def deps(accounts, outbox, hasher, sealer, clock):
    return {
        "accounts": accounts,
        "companies": FakeCompanies(),
        "outbox": outbox,
        "hasher": hasher,
        "sealer": sealer,
        "clock": clock,
        "rules": RULES,
    }


def test_siret_rules() -> None:
    assert siret_violation(SIRET) is None
    assert siret_violation("73282932000075").rule == "siret_checksum"  # type: ignore[union-attr]
    assert siret_violation("1234").rule == "siret_format"  # type: ignore[union-attr]
    assert siret_violation("35600000000001") is None  # La Poste: digit sum multiple of 5


async def test_a_sign_up_opens_a_pending_account_with_a_24_hour_link(
    deps, accounts, outbox, clock
) -> None:
    await sign_up_portail(form(), **deps)
    (account,) = accounts.accounts.values()
    assert account.kind is AccountKind.PORTAIL
    assert account.login == "claire.martin@example.fr"
    assert account.status is AccountStatus.PENDING
    (event,) = outbox.of(AccountRegistered)
    assert isinstance(event, AccountRegistered)
    assert event.kind == "portail"
    assert event.activation_expires_at == clock.now + timedelta(hours=24)
    company = deps["companies"].added[account.id]
    assert (company.siret, company.raison_sociale) == (SIRET, "Ateliers du Lac (modifiée)")


async def test_the_same_answer_for_an_existing_e_mail(deps, accounts, outbox, hasher) -> None:
    await sign_up_portail(form(), **deps)
    (account,) = accounts.accounts.values()
    account.status = AccountStatus.ACTIVE
    work = hasher.work
    await sign_up_portail(form(prenom="Autre"), **deps)
    assert hasher.work == work + 1
    assert len(accounts.accounts) == 1
    assert len(outbox.of(SignupAttemptedOnExistingAccount)) == 1


async def test_every_broken_rule_is_named(deps) -> None:
    bad = form(
        cgu_acceptees=False,
        mot_de_passe="court",
        mot_de_passe_confirmation="autre",
        telephone="04 50 12",
        siret="73282932000075",
        code_postal="740",
        raison_sociale=" ",
    )
    with pytest.raises(Problem) as refused:
        await sign_up_portail(bad, **deps)
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


async def test_the_look_up_answers_the_company_or_a_clear_problem() -> None:
    register = FakeRegister(COMPANY)
    assert await look_up_company("732 829 320 00074", register=register) == COMPANY
    assert register.asked == [SIRET]
    with pytest.raises(Problem) as bad:
        await look_up_company("123", register=register)
    assert bad.value.status == 422
    with pytest.raises(Problem) as unknown:
        await look_up_company(SIRET, register=FakeRegister(None))
    assert unknown.value.status == 404
    with pytest.raises(Problem) as down:
        await look_up_company(SIRET, register=FakeRegister(CompanyRegisterError(True)))
    assert (down.value.status, down.value.code) == (503, "register-unavailable")
    with pytest.raises(Problem) as nonsense:
        await look_up_company(SIRET, register=FakeRegister(CompanyRegisterError(False)))
    assert nonsense.value.status == 502


def test_the_form_never_prints_its_password() -> None:
    assert "Portail2026" not in repr(form())
    assert "Portail2026" not in repr(dataclasses.replace(form()))
