"""What the entrypoints (routes, consumers, jobs, commands) hand to the use cases, beside
the unit of work: built once in ``main.py``."""

from dataclasses import dataclass, field

from cpf_runtime.clock import Clock

from identity.app.antirobot import AntiRobot
from identity.app.keys import KeyRing
from identity.app.login import TokenRules
from identity.app.ports import CompanyRegister, Hasher, Sealer
from identity.app.provisioning import ProvisioningRules
from identity.app.reset import ResetRules
from identity.app.signup import SignupRules
from identity.app.throttle import NoticeLimits, NoticeRules, Throttle, ThrottleRules


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
    notices: NoticeLimits = field(default_factory=lambda: NoticeLimits(NoticeRules()))
    portail_url: str = "https://mesdemarches.example"
    """« Accéder au portail » of a portal user's activation page (guides 002, 004)."""
