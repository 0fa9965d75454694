"""Sign-up of a titulaire (guide 003): a pending account and a 15-day activation link.

The answer never tells whether the NIR or the e-mail is already registered: a valid form
always gets the same answer after the same work (the password is hashed either way; on an
existing account the account, its activation token and its CGU acceptance are written for a
stand-in and rolled back, and a link is sealed, as for a new one), and the owner of an
existing account is told by e-mail instead.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from cpf_contracts.events.identity import AccountRegistered, SignupAttemptedOnExistingAccount
from cpf_runtime.clock import Clock

from identity.app.antirobot import AntiRobot, Proof, require_proof
from identity.app.events import owner
from identity.app.ports import Hasher, Sealer, Uow
from identity.app.throttle import NoticeLimits
from identity.domain.account import (
    Account,
    AccountKind,
    AccountStatus,
    CguAcceptance,
    ExistingAccount,
)
from identity.domain.password_policy import PasswordPolicy
from identity.domain.portail import Company
from identity.domain.signup import TitulaireSignup, validate_titulaire_signup
from identity.domain.tokens import OneTimeToken

SIGNUP_ACCEPTED = (
    "Si ces informations sont valides, un e-mail d'activation a été envoyé à l'adresse indiquée."
)


@dataclass(frozen=True)
class SignupRules:
    policy: PasswordPolicy
    activation_validity: timedelta
    cgu_version: str
    public_url: str
    """Base of the activation link: ``{public_url}/activation?token=…``."""


async def sign_up_titulaire(
    uow: Uow,
    form: TitulaireSignup,
    proof: Proof,
    *,
    anti_robot: AntiRobot,
    hasher: Hasher,
    sealer: Sealer,
    clock: Clock,
    rules: SignupRules,
    notices: NoticeLimits | None = None,
) -> None:
    """Open a pending titulaire account, or tell the owner of the existing one. The form's
    own rules come first: they need no proof and read nothing."""
    form = validate_titulaire_signup(form, rules.policy)
    password_hash = await proven_password_hash(
        uow, proof, form.mot_de_passe, anti_robot=anti_robot, hasher=hasher
    )
    now = clock()
    account = Account(
        id=uuid.uuid4(),
        kind=AccountKind.TITULAIRE,
        login=form.nir,
        email=form.email,
        title=form.civilite,
        first_name=form.prenom or "",
        last_name=form.nom_naissance,
        landline=form.telephone_fixe,
        mobile=form.telephone_mobile,
        password_hash=password_hash,
        status=AccountStatus.PENDING,
        created_at=now,
    )
    await register_pending(uow, account, sealer=sealer, rules=rules, notices=notices)


async def proven_password_hash(
    uow: Uow, proof: Proof, password: str, *, anti_robot: AntiRobot, hasher: Hasher
) -> str:
    """The steps of every sign-up between its form's own rules and its accounts: the
    anti-robot proof (spent once), then the password hashed, the same work whether or not
    an account already holds the login (no enumeration by timing)."""
    await require_proof(anti_robot, proof, uow.used_challenges)
    return await hasher.hash(password)


async def register_pending(
    uow: Uow,
    account: Account,
    *,
    sealer: Sealer,
    rules: SignupRules,
    notices: NoticeLimits | None = None,
    company: Company | None = None,
) -> bool:
    """Open ``account`` (with its ``company``, a portal account's), pending activation, and
    publish its sealed activation link; or, when
    its login or e-mail belongs to an account, tell that account's owner instead. The caller
    answers the same either way (no enumeration). ``True`` when the account was opened."""
    now = account.created_at
    accounts = uow.accounts
    existing = await accounts.matching(account.kind, account.login, account.email)
    if any(e.blocks_signup(now) for e in existing):
        # The same work as opening it (no enumeration by timing): its rows written and
        # rolled back, its link sealed; then the owners told.
        secret, token = OneTimeToken.issue(account.id, now, rules.activation_validity)
        cgu = CguAcceptance(account.id, rules.cgu_version, now)
        await accounts.rehearse_signup(account, token, cgu, company)
        sealer.seal(_activation_link(rules, secret))
        _tell_owners(existing, uow, now, notices)
        return False
    for stale in existing:  # pending, link expired: this sign-up replaces it
        await accounts.remove(stale.account.id)
    if not await accounts.add(account):
        # A concurrent sign-up with the same login or e-mail committed first.
        again = await accounts.matching(account.kind, account.login, account.email)
        _tell_owners(again, uow, now, notices)
        return False

    secret, token = OneTimeToken.issue(account.id, now, rules.activation_validity)
    await accounts.add_activation_token(token)
    await accounts.add_cgu_acceptance(CguAcceptance(account.id, rules.cgu_version, now))
    if company is not None:
        await uow.companies.add(account.id, company)
    uow.publish(
        AccountRegistered(
            **owner(account),
            login=account.login,
            activation_link_sealed=sealer.seal(_activation_link(rules, secret)),
            activation_expires_at=token.expires_at,
            activation_valid_seconds=int(rules.activation_validity.total_seconds()),
        )
    )
    return True


def _activation_link(rules: SignupRules, secret: str) -> str:
    return f"{rules.public_url}/activation?token={secret}"


def _tell_owners(
    existing: list[ExistingAccount], uow: Uow, now: datetime, notices: NoticeLimits | None
) -> None:
    """An e-mail to each blocking account's owner, at most ``notices``' limit per account
    (V7: a flood of sign-ups on one address sends a few notices, and answers the same)."""
    for match in existing:
        if not match.blocks_signup(now):
            continue
        if notices is not None and not notices.for_account("existing", match.account.id, now):
            continue
        a = match.account
        uow.publish(
            SignupAttemptedOnExistingAccount(
                account_id=a.id,
                kind=a.kind.value,
                email=a.email,
                prenom=a.first_name,
                nom=a.last_name,
            )
        )
