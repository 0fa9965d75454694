"""What the entrypoints hand to the use cases, built once in ``main.py``."""

from dataclasses import dataclass

from identity.app.keys import KeyRing
from identity.app.login import TokenRules
from identity.app.ports import Clock, Hasher, Sealer
from identity.app.signup import SignupRules


@dataclass(frozen=True)
class Services:
    clock: Clock
    hasher: Hasher
    sealer: Sealer
    keyring: KeyRing
    signup: SignupRules
    tokens: TokenRules
