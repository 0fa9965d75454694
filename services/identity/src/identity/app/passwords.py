"""A new password, chosen at a first login, in the profile or through a reset link: one
check for the three."""

from __future__ import annotations

from dataclasses import dataclass

from identity.app.ports import Hasher
from identity.domain.account import Account
from identity.domain.password_policy import POLICIES
from identity.domain.rules import FieldError, InvalidInput, on_field

CONFIRMATION_MISMATCH = FieldError(
    "confirmation", "passwords_match", "La confirmation ne correspond pas au nouveau mot de passe."
)


@dataclass(frozen=True)
class OldPassword:
    """The password the person must give with the new one, and how its errors are said."""

    value: str
    unchanged: str
    """The message when the new password is this one again."""
    incorrect: str
    """The message when this is not the account's password."""


async def set_new_password(
    account: Account,
    nouveau: str,
    confirmation: str,
    *,
    hasher: Hasher,
    old: OldPassword | None = None,
) -> None:
    """Check ``nouveau`` (the kind's policy, the confirmation, and with ``old``: changed,
    and the old one right), then store its hash on ``account`` (the caller saves it).
    ``InvalidInput`` naming every broken rule otherwise, and nothing is changed."""
    errors = [on_field("nouveau", v) for v in POLICIES[account.kind.value].violations(nouveau)]
    if nouveau != confirmation:
        errors.append(CONFIRMATION_MISMATCH)
    if old is not None:
        if nouveau and nouveau == old.value:
            errors.append(FieldError("nouveau", "password_unchanged", old.unchanged))
        # Checked even when the form is refused: the same work either way.
        if not await hasher.verify(account.password_hash, old.value):
            errors.append(FieldError("ancien", "password_incorrect", old.incorrect))
    if errors:
        raise InvalidInput(errors=errors)
    account.password_hash = await hasher.hash(nouveau)
    account.password_temporary = False
