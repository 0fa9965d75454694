"""Every event of the platform, one module per publishing service."""

from cpf_contracts.events import account_cpf, habilitation, identity, notifier  # noqa: F401
