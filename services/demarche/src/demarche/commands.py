"""demarche's own commands of ``python -m demarche``: none yet (the runtime's ``migrate``,
``dlq-replay``… serve it as every service)."""

from __future__ import annotations

from cpf_runtime.service import Command

COMMANDS: list[Command] = []
