"""demarche's scheduled work: none yet (expiring activation codes arrive with them)."""

from __future__ import annotations

from cpf_runtime.service import Job

JOBS: list[tuple[str, Job]] = []
