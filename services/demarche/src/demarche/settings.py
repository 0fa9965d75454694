from pathlib import Path

from cpf_runtime.settings import ServiceSettings, require_secret
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from demarche.adapters.letters import DEFAULT_FONT
from demarche.app.ports import DEFAULT_ASSISTANCE, DEFAULT_PORTAL_URL, DEFAULT_PORTAL_URLS


class DemarcheSettings(ServiceSettings):
    """Every value from ``DEMARCHE_*`` (and the platform-wide ``KAFKA_*``, ``AUTH_*``)."""

    model_config = SettingsConfigDict(env_prefix="DEMARCHE_", extra="ignore")

    http_port: int = 8003
    # The key of the activation codes' HMAC-SHA256 (adapters/hashing.py): only demarche
    # holds it; changing it makes every code issued before unusable.
    code_hmac_key: SecretStr = Field(min_length=32)
    # Wrong codes before a démarche and SIRET's code locks (until reissued), and wrong
    # codes per account in a window before a 429.
    redemption_max_failures_per_siret: int = Field(5, ge=1)
    redemption_max_failures_per_account: int = Field(10, ge=1)
    redemption_account_window_seconds: int = Field(3600, ge=1)
    # Written on the letters: the portal's address (one per démarche where it has its own,
    # as JSON: {"ceres": "https://ceres.emploi.gouv.fr"}) and the assistance line.
    portal_url: str = DEFAULT_PORTAL_URL
    portal_urls: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_PORTAL_URLS))
    assistance: str = DEFAULT_ASSISTANCE
    assistances: dict[str, str] = {}
    # A TrueType font covering French, embedded in the letters; when the file is absent,
    # the PDF core font Helvetica (latin-1) is used.
    letter_font: Path = DEFAULT_FONT

    @field_validator("code_hmac_key")
    @classmethod
    def _real_key(cls, value: SecretStr) -> SecretStr:
        require_secret(value.get_secret_value(), "DEMARCHE_CODE_HMAC_KEY")
        return value
