"""Commands of ``python -m habilitation`` beyond the runtime's own (``migrate``, ``serve``):
none yet."""

from __future__ import annotations

from cpf_runtime.service import Command

COMMANDS: tuple[Command, ...] = ()
