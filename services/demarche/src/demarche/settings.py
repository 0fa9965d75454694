from cpf_runtime.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class DemarcheSettings(ServiceSettings):
    """Every value from ``DEMARCHE_*`` (and the platform-wide ``KAFKA_*``, ``AUTH_*``)."""

    model_config = SettingsConfigDict(env_prefix="DEMARCHE_", extra="ignore")

    http_port: int = 8003
