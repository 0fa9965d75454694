from cpf_runtime.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class HabilitationSettings(ServiceSettings):
    """Every value from ``HABILITATION_*`` (and the platform-wide ``KAFKA_*``, ``AUTH_*``)."""

    model_config = SettingsConfigDict(env_prefix="HABILITATION_", extra="ignore")

    http_port: int = 8002
