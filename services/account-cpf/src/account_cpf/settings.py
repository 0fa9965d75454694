from cpf_runtime.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class AccountCpfSettings(ServiceSettings):
    """Every value from ``ACCOUNT_CPF_*`` (and the platform-wide ``KAFKA_*``, ``AUTH_*``)."""

    model_config = SettingsConfigDict(env_prefix="ACCOUNT_CPF_", extra="ignore")

    http_port: int = 8004
