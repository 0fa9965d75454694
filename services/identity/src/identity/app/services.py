"""What the entrypoints hand to the use cases, built once in ``main.py``."""

from dataclasses import dataclass, field

from identity.app.antirobot import AntiRobot
from identity.app.keys import KeyRing
from identity.app.login import TokenRules
from identity.app.portail import CompanyRegister
from identity.app.ports import Clock, Hasher, Sealer
from identity.app.provisioning import ProvisioningRules
from identity.app.reset import ResetRules
from identity.app.signup import SignupRules
from identity.app.throttle import Throttle, ThrottleRules


@dataclass(frozen=True)
class Services:
    clock: Clock
    hasher: Hasher
    sealer: Sealer
    keyring: KeyRing
    signup: SignupRules
    tokens: TokenRules
    provisioning: ProvisioningRules
    reset: ResetRules
    anti_robot: AntiRobot
    portail_signup: SignupRules
    company_register: CompanyRegister
    throttle: Throttle = field(default_factory=lambda: Throttle(ThrottleRules()))
    trusted_proxies: frozenset[str] = frozenset()
