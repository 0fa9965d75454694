"""How the events name an account's owner: the contracts' French words for ``Account``'s
English fields, written once."""

from __future__ import annotations

import uuid
from typing import TypedDict

from identity.domain.account import Account, Civilite


class Owner(TypedDict):
    account_id: uuid.UUID
    kind: str
    email: str
    civilite: Civilite
    prenom: str
    nom: str


def owner(account: Account) -> Owner:
    """The fields an event about ``account`` carries for the e-mail to its owner."""
    return Owner(
        account_id=account.id,
        kind=account.kind.value,
        email=account.email,
        civilite=account.title,
        prenom=account.first_name,
        nom=account.last_name,
    )
