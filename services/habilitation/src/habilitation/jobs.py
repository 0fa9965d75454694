"""Scheduled work: none. Habilitation changes only when a person or an event asks (bulk
imports run inside their upload request, see ``app/bulk.py``)."""

from __future__ import annotations

from cpf_runtime.service import Job

JOBS: tuple[tuple[str, Job], ...] = ()
