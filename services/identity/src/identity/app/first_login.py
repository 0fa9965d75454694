"""The required actions of a first login with a temporary password (gestionnaire, operateur).

``POST /v1/token`` with the right temporary password issues no access token but an action
token for ``changer_mot_de_passe``; changing the password (old, new, confirmation, under the
kind's policy) issues one for ``accepter_cgu``; accepting the CGU clears the last action, and
only then does ``POST /v1/token`` issue an access token. An action token is single-use,
short-lived, stored as its digest, and allows its one action only.
"""

from __future__ import annotations

from cpf_contracts.events.identity import CguAccepted, PasswordChanged
from cpf_runtime.clock import Clock

from identity.app.links import redeem_action_token
from identity.app.login import ActionRequired, TokenRules, issue_action_token
from identity.app.passwords import OldPassword, set_new_password
from identity.app.ports import Hasher, Uow
from identity.domain.account import Account, CguAcceptance, RequiredAction
from identity.domain.errors import ActionTokenInvalid
from identity.domain.rules import FieldError, InvalidInput
from identity.domain.tokens import ActionToken

CGU_REQUIRED = FieldError(
    "cgu_acceptees", "cgu_required", "Vous devez accepter les conditions générales d'utilisation."
)


async def _redeem(
    uow: Uow, secret: str, action: RequiredAction, clock: Clock
) -> tuple[Account, ActionToken]:
    """The account the token is for, if that action is still its next one."""
    account, token = await redeem_action_token(
        uow, secret, action.value, clock(), unknown=ActionTokenInvalid, spent=ActionTokenInvalid
    )
    if account.required_action is not action:
        raise ActionTokenInvalid()
    return account, token


async def _next_action(
    uow: Uow, account: Account, clock: Clock, rules: TokenRules
) -> ActionRequired | None:
    action = account.required_action
    if action is None:
        return None
    return await issue_action_token(uow, account, action, clock=clock, rules=rules)


async def change_temporary_password(
    uow: Uow,
    secret: str,
    ancien: str,
    nouveau: str,
    confirmation: str,
    *,
    hasher: Hasher,
    clock: Clock,
    rules: TokenRules,
) -> ActionRequired | None:
    """Replace the temporary password; the next required action, if any."""
    account, token = await _redeem(uow, secret, RequiredAction.CHANGE_PASSWORD, clock)
    old = OldPassword(
        ancien,
        unchanged="Le nouveau mot de passe doit être différent du mot de passe provisoire.",
        incorrect="Le mot de passe provisoire est incorrect.",
    )
    # A refusal leaves the action token alive: the person corrects the form.
    await set_new_password(account, nouveau, confirmation, hasher=hasher, old=old)
    now = clock()
    await uow.accounts.save_action_token(token)
    await uow.accounts.save(account)
    uow.publish(
        PasswordChanged(
            account_id=account.id, kind=account.kind.value, reason="first_login", changed_at=now
        )
    )
    return await _next_action(uow, account, clock, rules)


async def accept_cgu(
    uow: Uow,
    secret: str,
    accepted: bool,
    cgu_version: str,
    *,
    clock: Clock,
    rules: TokenRules,
) -> ActionRequired | None:
    """Record the acceptance of ``cgu_version``; the next required action, if any."""
    if not accepted:
        raise InvalidInput(errors=[CGU_REQUIRED])
    account, token = await _redeem(uow, secret, RequiredAction.ACCEPT_CGU, clock)
    now = clock()
    await uow.accounts.save_action_token(token)
    account.cgu_required = False
    await uow.accounts.save(account)
    await uow.accounts.add_cgu_acceptance(CguAcceptance(account.id, cgu_version, now))
    uow.publish(CguAccepted(account_id=account.id, cgu_version=cgu_version, accepted_at=now))
    return await _next_action(uow, account, clock, rules)
