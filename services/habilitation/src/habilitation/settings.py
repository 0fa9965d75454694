from cpf_runtime.settings import ServiceSettings
from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict


class HabilitationSettings(ServiceSettings):
    """Every value from ``HABILITATION_*`` (and the platform-wide ``KAFKA_*``, ``AUTH_*``)."""

    model_config = SettingsConfigDict(env_prefix="HABILITATION_", extra="ignore")

    http_port: int = 8002
    # The company register: the public company search API when a URL is set (e.g.
    # https://recherche-entreprises.api.gouv.fr), otherwise a file (JSON or CSV); without a
    # file either, the development register shipped in the package.
    company_register_url: str | None = None
    company_register_file: str | None = None
    company_register_timeout_seconds: float = 3.0
    bulk_max_rows: int = 500
    bulk_max_bytes: int = 2_000_000
    # The démarches of the Mes Démarches portal (issue 10): the portal's address, base of
    # the acceptance links in invitation and delegation e-mails (they carry no secret: ADR
    # 0006), how long an invitation stays valid, and how often the jobs look for ended
    # delegations and expired invitations (access stops at the date anyway).
    portal_url: str = "https://mesdemarches.emploi.gouv.fr"
    invitation_days: int = Field(7, ge=1, le=90)
    demarche_jobs_interval_seconds: float = Field(60.0, gt=0)

    @field_validator("portal_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")
