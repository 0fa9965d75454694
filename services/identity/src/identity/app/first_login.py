"""The required actions of a first login with a temporary password (gestionnaire, operateur).

``POST /v1/token`` with the right temporary password issues no access token but an action
token for ``changer_mot_de_passe``; changing the password (old, new, confirmation, under the
kind's policy) issues one for ``accepter_cgu``; accepting the CGU clears the last action, and
only then does ``POST /v1/token`` issue an access token. An action token is single-use,
short-lived, stored as its digest, and allows its one action only.
"""

from __future__ import annotations

from cpf_contracts.events.identity import CguAccepted, PasswordChanged
from cpf_runtime.problems import FieldError, Problem, invalid

from identity.app.login import ActionRequired, TokenRules, issue_action_token
from identity.app.ports import Accounts, Clock, Hasher, Outbox
from identity.domain.account import Account, CguAcceptance, RequiredAction
from identity.domain.password_policy import POLICIES
from identity.domain.tokens import ActionToken, TokenExpired, TokenUsed, digest

MAX_TOKEN_LENGTH = 200


def action_token_invalid() -> Problem:
    return Problem(
        401,
        "Jeton d'action invalide ou expiré.",
        "Reconnectez-vous avec votre identifiant et votre mot de passe pour recommencer.",
        [
            FieldError(
                "action_token",
                "action_token_invalid",
                "Ce jeton d'action n'est pas valide, a expiré ou a déjà servi.",
            )
        ],
        code="action-token-invalid",
    )


async def _redeem(
    secret: str, action: RequiredAction, *, accounts: Accounts, clock: Clock
) -> tuple[Account, ActionToken]:
    """The account the token is for; the token is spent in memory, saved by the caller once
    the action succeeds."""
    token = None
    if 0 < len(secret) <= MAX_TOKEN_LENGTH:
        token = await accounts.action_token(digest(secret))
    if token is None or token.action != action.value:
        raise action_token_invalid()
    try:
        token.redeem(clock())
    except (TokenUsed, TokenExpired) as exc:
        raise action_token_invalid() from exc
    account = await accounts.get(token.account_id)
    if account is None or account.required_action is not action:
        raise action_token_invalid()
    return account, token


async def change_temporary_password(
    secret: str,
    ancien: str,
    nouveau: str,
    confirmation: str,
    *,
    accounts: Accounts,
    outbox: Outbox,
    hasher: Hasher,
    clock: Clock,
    rules: TokenRules,
) -> ActionRequired | None:
    """Replace the temporary password; the next required action, if any."""
    account, token = await _redeem(
        secret, RequiredAction.CHANGE_PASSWORD, accounts=accounts, clock=clock
    )
    errors = [
        FieldError("nouveau", v.rule, v.message)
        for v in POLICIES[account.kind.value].violations(nouveau)
    ]
    if nouveau != confirmation:
        errors.append(
            FieldError(
                "confirmation",
                "passwords_match",
                "La confirmation ne correspond pas au nouveau mot de passe.",
            )
        )
    if nouveau and nouveau == ancien:
        errors.append(
            FieldError(
                "nouveau",
                "password_unchanged",
                "Le nouveau mot de passe doit être différent du mot de passe provisoire.",
            )
        )
    # The old password is checked even when the form is refused: same work either way.
    if not await hasher.verify(account.password_hash, ancien):
        errors.append(
            FieldError("ancien", "password_incorrect", "Le mot de passe provisoire est incorrect.")
        )
    if errors:
        raise invalid(*errors)  # the action token still lives: the person corrects the form
    now = clock()
    await accounts.save_action_token(token)
    account.password_hash = await hasher.hash(nouveau)
    account.password_temporary = False
    await accounts.save(account)
    outbox.publish(
        PasswordChanged(
            account_id=account.id, kind=account.kind.value, reason="first_login", changed_at=now
        )
    )
    action = account.required_action
    if action is None:
        return None
    return await issue_action_token(account, action, accounts=accounts, clock=clock, rules=rules)


async def accept_cgu(
    secret: str,
    cgu_version: str,
    *,
    accounts: Accounts,
    outbox: Outbox,
    clock: Clock,
    rules: TokenRules,
) -> ActionRequired | None:
    account, token = await _redeem(
        secret, RequiredAction.ACCEPT_CGU, accounts=accounts, clock=clock
    )
    now = clock()
    await accounts.save_action_token(token)
    account.cgu_required = False
    await accounts.save(account)
    await accounts.add_cgu_acceptance(CguAcceptance(account.id, cgu_version, now))
    outbox.publish(CguAccepted(account_id=account.id, cgu_version=cgu_version, accepted_at=now))
    action = account.required_action
    if action is None:
        return None
    return await issue_action_token(account, action, accounts=accounts, clock=clock, rules=rules)
