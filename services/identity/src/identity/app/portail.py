"""Sign-up of a portal user (Mes Démarches, guides 002 and 004): the e-mail is the login,
the company is given by its SIRET, the activation link is valid 24 hours.

As for a titulaire: a valid form always gets the same answer after the same work; the
owner of an existing account is told by e-mail instead. The company's details are looked
up beforehand (``GET /v1/portail/entreprises/{siret}``) and adjustable: the sign-up takes
them as the person sent them, with no remote call on its path.
"""

from __future__ import annotations

import uuid

from cpf_runtime.clock import Clock

from identity.app.antirobot import AntiRobot, Proof
from identity.app.ports import CompanyRegister, Hasher, Sealer, Uow
from identity.app.signup import SignupRules, proven_password_hash, register_pending
from identity.app.throttle import NoticeLimits
from identity.domain.account import Account, AccountKind, AccountStatus
from identity.domain.errors import CompanyUnknown
from identity.domain.portail import (
    Company,
    PortailSignup,
    normalize_siret,
    siret_violation,
    validate_portail_signup,
)
from identity.domain.rules import InvalidInput, on_field


async def look_up_company(siret: str, *, register: CompanyRegister) -> Company:
    """The company of a SIRET, to pre-fill the sign-up; the register's own failures
    (unavailable, nonsense) pass through as theirs."""
    violation = siret_violation(siret)
    if violation is not None:
        raise InvalidInput(errors=[on_field("siret", violation)])
    company = await register.lookup(normalize_siret(siret))
    if company is None:
        raise CompanyUnknown()
    return company


async def sign_up_portail(
    uow: Uow,
    form: PortailSignup,
    proof: Proof,
    *,
    anti_robot: AntiRobot,
    hasher: Hasher,
    sealer: Sealer,
    clock: Clock,
    rules: SignupRules,
    notices: NoticeLimits | None = None,
) -> None:
    """Open a pending portal account with its company, or tell the owner of the existing
    one. The form's own rules come first: they need no proof and read nothing."""
    form = validate_portail_signup(form, rules.policy)
    password_hash = await proven_password_hash(
        uow, proof, form.mot_de_passe, anti_robot=anti_robot, hasher=hasher
    )
    account = Account(
        id=uuid.uuid4(),
        kind=AccountKind.PORTAIL,
        login=form.email.lower(),
        email=form.email,
        title=form.civilite,
        first_name=form.prenom,
        last_name=form.nom,
        mobile=form.telephone,
        password_hash=password_hash,
        status=AccountStatus.PENDING,
        created_at=clock(),
    )
    company = Company(form.siret, form.raison_sociale, form.adresse, form.code_postal, form.commune)
    await register_pending(
        uow, account, sealer=sealer, rules=rules, notices=notices, company=company
    )
