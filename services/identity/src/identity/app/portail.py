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

from cpf_contracts.events.identity import AccountRegistered
from cpf_runtime.problems import Problem

from identity.app.errors import invalid_input
from identity.app.ports import Accounts, Clock, Hasher, Outbox, Sealer
from identity.app.signup import SignupRules, _tell_owners
from identity.domain.account import Account, AccountKind, AccountStatus, CguAcceptance
from identity.domain.portail import PortailSignup, siret_violation, validate_portail_signup
from identity.domain.rules import FieldViolation, InvalidInput
from identity.domain.tokens import OneTimeToken


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
    now = clock()
    kind = AccountKind.PORTAIL
    existing = await accounts.matching(kind, form.email.lower(), form.email)
    if any(e.blocks_signup(now) for e in existing):
        _tell_owners(existing, outbox, now)
        return
    for stale in existing:
        await accounts.remove(stale.account.id)
    account = Account(
        id=uuid.uuid4(),
        kind=kind,
        login=form.email.lower(),
        email=form.email,
        civilite=form.civilite,
        prenom=form.prenom,
        nom=form.nom,
        telephone_mobile=form.telephone,
        password_hash=password_hash,
        status=AccountStatus.PENDING,
        created_at=now,
    )
    if not await accounts.add(account):
        _tell_owners(await accounts.matching(kind, account.login, form.email), outbox, now)
        return
    await companies.add(
        account.id,
        Company(form.siret, form.raison_sociale, form.adresse, form.code_postal, form.commune),
    )
    secret, token = OneTimeToken.issue(account.id, now, rules.activation_validity)
    await accounts.add_activation_token(token)
    await accounts.add_cgu_acceptance(CguAcceptance(account.id, rules.cgu_version, now))
    outbox.publish(
        AccountRegistered(
            account_id=account.id,
            kind=kind.value,
            login=account.login,
            email=account.email,
            civilite=account.civilite,
            prenom=account.prenom,
            nom=account.nom,
            activation_link_sealed=sealer.seal(f"{rules.public_url}/activation?token={secret}"),
            activation_expires_at=token.expires_at,
        )
    )
