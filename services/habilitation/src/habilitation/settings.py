from cpf_runtime.settings import ServiceSettings
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
