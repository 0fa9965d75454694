"""The notifier's own commands of ``python -m notifier``: none yet.

The runtime's commands (``migrate``, ``dlq-replay``, ``outbox-replay``…) serve it as they
serve every service; a command of its own would be added to :data:`COMMANDS`.
"""

from __future__ import annotations

from cpf_runtime.service import Command

COMMANDS: list[Command] = []
