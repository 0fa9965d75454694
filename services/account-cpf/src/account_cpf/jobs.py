"""account-cpf's scheduled work: none yet (the hours of the year arrive with their issue)."""

from __future__ import annotations

from cpf_runtime.service import Job

JOBS: list[tuple[str, Job]] = []
