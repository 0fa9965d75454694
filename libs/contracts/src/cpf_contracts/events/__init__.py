"""Every event of the platform: one module per publishing service (habilitation has two:
its CPF employer space, and the démarches of the portal)."""

from cpf_contracts.events import (  # noqa: F401
    account_cpf,
    demarche,
    habilitation,
    habilitation_demarche,
    identity,
    notifier,
)
