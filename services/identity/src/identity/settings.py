"""The identity service's settings, every value from the environment."""

import base64
import binascii
from typing import Literal

from cpf_runtime.settings import ServiceSettings, require_secret, shared
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict


class IdentitySettings(ServiceSettings):
    """Every value from ``IDENTITY_*`` (and the platform-wide ``KAFKA_*``, ``AUTH_*``,
    ``SEALING_PUBLIC_KEY``)."""

    model_config = SettingsConfigDict(env_prefix="IDENTITY_", extra="ignore")

    http_port: int = 8001
    # Base of the links written in e-mails (the activation page is served by this service).
    public_url: str = "http://127.0.0.1:8001"
    # The notifier's public key: secrets bound for an e-mail are sealed to it.
    sealing_public_key: str = Field(validation_alias=shared("SEALING_PUBLIC_KEY"))

    # Encrypts the signing keys stored in the database (PKCS#8); only identity holds it.
    signing_key_passphrase: SecretStr = Field(min_length=16)

    access_token_ttl_seconds: int = Field(900, ge=60, le=3600)
    # Guide 003: the titulaire's activation link is valid 15 days, then sign-up is redone.
    titulaire_activation_days: int = Field(15, ge=1)
    # Guide 000: a gestionnaire account never logged into is deleted after 15 days.
    gestionnaire_unused_days: int = Field(15, ge=1)
    # How often the job looks for such accounts.
    purge_interval_seconds: float = Field(3600.0, gt=0)
    # Validity of the single-use token of a first login's required action.
    action_token_ttl_seconds: int = Field(600, ge=30, le=3600)
    # Brute-force protection (app/throttle.py): consecutive failures that lock an account,
    # for how long; the progressive delay; failures from one address before a 429.
    login_max_failures: int = Field(5, ge=1)
    login_lock_seconds: int = Field(900, ge=1)
    login_free_failures: int = Field(1, ge=0)
    login_delay_step_ms: int = Field(250, ge=0)
    login_max_delay_ms: int = Field(8000, ge=0)
    login_failure_window_seconds: int = Field(900, ge=1)
    login_address_free_failures: int = Field(20, ge=0)
    login_address_max_failures: int = Field(100, ge=1)
    # How often ended locks are lifted and published (AccountUnlocked).
    unlock_interval_seconds: float = Field(30.0, gt=0)
    # Peers whose X-Forwarded-For is believed (comma-separated addresses); none by default.
    trusted_proxies: str = ""
    # Anti-robot check of the self sign-ups: "pow" (self-hosted proof of work) or "captcha"
    # (a reCAPTCHA/hCaptcha-style token verified at anti_robot_captcha_verify_url).
    anti_robot_mode: Literal["pow", "captcha"] = "pow"
    # Zero bits required at the head of sha256(challenge + solution): 18 ≈ 260,000 hashes.
    anti_robot_difficulty: int = Field(18, ge=1, le=32)
    anti_robot_challenge_seconds: int = Field(600, ge=10)
    # HMAC key of the challenges; empty: a random key per process (set one shared by all
    # processes when several serve the API).
    anti_robot_secret: str = ""
    anti_robot_captcha_verify_url: str = ""
    anti_robot_captcha_secret: str = ""
    # How long a process keeps its signing key before looking for a newer one (rotation).
    signing_key_reload_seconds: int = Field(60, ge=1, le=600)
    # Validity of a refresh token (sliding: each use gives a new one).
    refresh_token_ttl_seconds: int = Field(8 * 3600, ge=300)
    # Validity of a forgotten-password link.
    reset_link_ttl_seconds: int = Field(3600, ge=60, le=86400)
    # E-mails a request may cause (app/throttle.py NoticeLimits): reset links per account
    # and « mot de passe oublié » requests per address, "existing account" notices per
    # account, in a sliding window. Beyond: the same 202, no e-mail.
    notice_max_per_account: int = Field(3, ge=1)
    notice_max_per_address: int = Field(20, ge=1)
    notice_window_seconds: int = Field(3600, ge=1)
    # Mes Démarches (guides 002, 004): the portal user's activation link is valid 24 hours.
    portail_activation_hours: int = Field(24, ge=1)
    # Where « Accéder au portail » of a portal user's activation page leads (guides 002, 004).
    portail_url: str = "https://mesdemarches.example"
    # The company register (habilitation's base URL; the runner sets it).
    company_register_url: str = ""
    company_register_timeout_seconds: float = Field(5.0, gt=0)
    # Version of the CGU (conditions générales d'utilisation) a sign-up accepts.
    cgu_version: str = "2025-01"

    # argon2id at OWASP's parameters (see ARCHITECTURE.md: argon2-cffi's own defaults would
    # cap logins near 12/s on two cores).
    argon2_memory_kib: int = Field(19456, ge=8)
    argon2_time_cost: int = Field(2, ge=1)
    argon2_parallelism: int = Field(1, ge=1)
    # Threads that hash passwords; bounds the CPU and memory (19 MiB each) spent at once.
    password_hash_threads: int = Field(2, ge=1)

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("signing_key_passphrase")
    @classmethod
    def _real_passphrase(cls, value: SecretStr) -> SecretStr:
        require_secret(value.get_secret_value(), "IDENTITY_SIGNING_KEY_PASSPHRASE")
        return value

    @field_validator("sealing_public_key")
    @classmethod
    def _curve25519_key(cls, value: str) -> str:
        require_secret(value, "SEALING_PUBLIC_KEY")
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValueError("SEALING_PUBLIC_KEY must be base64") from exc
        if len(raw) != 32:
            raise ValueError("SEALING_PUBLIC_KEY must be a 32-byte Curve25519 public key")
        return value
