"""Sign-up of a portal user (Mes Démarches, guides 002 and 004): the e-mail is the login,
the company is given by its SIRET, the activation link is valid 24 hours.

As for a titulaire: a valid form always gets the same answer after the same work; the
owner of an existing account is told by e-mail instead. The company's details are looked
up beforehand (``GET /v1/portail/entreprises/{siret}``) and adjustable: the sign-up takes
them as the person sent them, with no remote call on its path.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from cpf_runtime.problems import Problem

from identity.app.errors import invalid_input
from identity.app.ports import Accounts, Clock, Hasher, Outbox, Sealer
from identity.app.signup import SignupRules, register_pending
from identity.domain.account import Account, AccountKind, AccountStatus
from identity.domain.portail import PortailSignup, siret_violation, validate_portail_signup
from identity.domain.rules import FieldViolation, InvalidInput


@dataclass(frozen=True)
class Company:
    siret: str
    raison_sociale: str
    adresse: str
    code_postal: str
    commune: str


class CompanyRegisterError(Exception):
    """The register did not answer (``unavailable``) or answered nonsense."""

    def __init__(self, unavailable: bool) -> None:
        super().__init__("unavailable" if unavailable else "bad gateway")
        self.unavailable = unavailable


class CompanyRegister(Protocol):
    async def lookup(self, siret: str) -> Company | None:
        """The company of this SIRET, ``None`` when the register knows none;
        ``CompanyRegisterError`` when it cannot tell."""
        ...


class Companies(Protocol):
    async def add(self, account_id: uuid.UUID, company: Company) -> None: ...


def company_unknown() -> Problem:
    return Problem(
        404,
        "Entreprise introuvable.",
        "Aucun établissement ne correspond à ce SIRET dans le répertoire des entreprises.",
        code="entreprise-unknown",
    )


def register_failed(exc: CompanyRegisterError) -> Problem:
    if exc.unavailable:
        return Problem(
            503,
            "Répertoire des entreprises indisponible.",
            "Le répertoire des entreprises ne répond pas : réessayez dans quelques instants, "
            "ou saisissez les informations de l'entreprise.",
            code="register-unavailable",
            headers={"Retry-After": "30"},
        )
    return Problem(
        502,
        "Réponse invalide du répertoire des entreprises.",
        "Le répertoire des entreprises a donné une réponse inattendue : saisissez les "
        "informations de l'entreprise.",
        code="register-bad-gateway",
    )


async def look_up_company(siret: str, *, register: CompanyRegister) -> Company:
    violation = siret_violation(siret)
    if violation is not None:
        raise invalid_input(
            InvalidInput([FieldViolation("siret", violation.rule, violation.message)])
        )
    try:
        company = await register.lookup("".join(siret.split()))
    except CompanyRegisterError as exc:
        raise register_failed(exc) from exc
    if company is None:
        raise company_unknown()
    return company


async def sign_up_portail(
    form: PortailSignup,
    *,
    accounts: Accounts,
    companies: Companies,
    outbox: Outbox,
    hasher: Hasher,
    sealer: Sealer,
    clock: Clock,
    rules: SignupRules,
) -> None:
    try:
        form = validate_portail_signup(form, rules.policy)
    except InvalidInput as exc:
        raise invalid_input(exc) from exc

    password_hash = await hasher.hash(form.mot_de_passe)
    account = Account(
        id=uuid.uuid4(),
        kind=AccountKind.PORTAIL,
        login=form.email.lower(),
        email=form.email,
        civilite=form.civilite,
        prenom=form.prenom,
        nom=form.nom,
        telephone_mobile=form.telephone,
        password_hash=password_hash,
        status=AccountStatus.PENDING,
        created_at=clock(),
    )
    opened = await register_pending(
        account, accounts=accounts, outbox=outbox, sealer=sealer, rules=rules
    )
    if opened:
        await companies.add(
            account.id,
            Company(form.siret, form.raison_sociale, form.adresse, form.code_postal, form.commune),
        )
