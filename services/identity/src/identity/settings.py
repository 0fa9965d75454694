"""The identity service's settings, every value from the environment."""

import base64
import binascii

from cpf_runtime.settings import ServiceSettings, require_secret, shared
from pydantic import Field, field_validator
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

    access_token_ttl_seconds: int = Field(900, ge=60, le=3600)
    # Guide 003: the titulaire's activation link is valid 15 days, then sign-up is redone.
    titulaire_activation_days: int = Field(15, ge=1)
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
