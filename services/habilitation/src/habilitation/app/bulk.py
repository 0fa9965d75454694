"""*Habilitation en masse* (guide 001): one workbook (``.xlsx``) or CSV per organisation
listing the delegated administrators and gestionnaires to create, uploaded by the operator
(the CDC, to whom organisations send it) for any organisation, or by an administrator for
his own (a délégué's file may name gestionnaires only: délégués are the principal's).

The file is processed inside the upload request, in one transaction, up to
``HABILITATION_BULK_MAX_ROWS`` rows (the guide's threshold for a file is 30 people; a few
hundred rows take well under a second): the job record is written with its final progress
and report, so a client reads the same report through ``GET …/{job_id}`` later. Re-uploading
a file creates nobody twice: a row whose e-mail is already habilitated in the organisation
is reported as skipped (the unique index on active e-mails guards concurrent uploads).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from habilitation.app.common import Actor, organisation_of, record, require_action_by
from habilitation.app.people import add_person
from habilitation.app.ports import HabilitationUow, Ports
from habilitation.domain.bulk import BulkRow, bad_file, is_blank, map_header, read_row
from habilitation.domain.errors import FieldError, Forbidden, NotFound, UniteMissing, invalid
from habilitation.domain.models import BulkJob, Gestionnaire, Organisation, Unite
from habilitation.domain.permissions import ONLY_THE_PRINCIPAL, Action

Table = list[list[str]]
ReadTable = Callable[[str, bytes], Table]
"""The file's rows of text (``adapters.spreadsheet.read_table``)."""


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes


def lines_of(table: Table, max_rows: int) -> list[tuple[int, dict[str, str]]]:
    """The non-blank lines by spreadsheet line number (the header is line 1), as cells by
    column key; the file is refused as a whole when it cannot be read as the template."""
    if not table:
        raise bad_file("Le fichier est vide.", "file_empty")
    mapping, missing = map_header(table[0])
    if missing:
        raise bad_file(
            "Colonnes manquantes : " + ", ".join(missing) + ". Utilisez le modèle fourni.",
            "columns_missing",
        )
    lines: list[tuple[int, dict[str, str]]] = []
    for index, raw in enumerate(table[1:], start=2):
        cells = {key: raw[i] if i < len(raw) else "" for i, key in mapping.items()}
        if not is_blank(cells):
            lines.append((index, cells))
    if len(lines) > max_rows:
        raise bad_file(
            f"Le fichier compte {len(lines)} lignes ; au plus {max_rows} par envoi.",
            "too_many_rows",
        )
    return lines


@dataclass
class Report:
    """The job's report, in the API's words (French keys)."""

    erreurs: list[dict[str, Any]] = field(default_factory=list)
    crees: list[dict[str, Any]] = field(default_factory=list)
    ignores: list[dict[str, Any]] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)  # e-mail -> its first line

    def as_dict(self) -> dict[str, Any]:
        return {"erreurs": self.erreurs, "crees": self.crees, "ignores": self.ignores}


async def import_file(
    uow: HabilitationUow,
    upload: Upload,
    *,
    actor: Actor,
    ports: Ports,
    read_table: ReadTable,
    max_rows: int,
    organisation_id: uuid.UUID | None = None,
) -> BulkJob:
    """Import the file into the caller's organisation, or, for the operator (the CDC, who
    processes the files organisations send, guide 001), into ``organisation_id``."""
    organisation = await _bulk_target(uow, actor, organisation_id)
    unite = await uow.unites.of_organisation(organisation.id)
    if unite is None:
        raise UniteMissing
    lines = lines_of(read_table(upload.filename, upload.content), max_rows)
    now = ports.clock()
    job = BulkJob(
        id=uuid.uuid4(),
        organisation_id=organisation.id,
        requested_by=actor.account_id,
        filename=upload.filename[:255],
        file_sha256=hashlib.sha256(upload.content).hexdigest(),
        status="running",
        total_rows=len(lines),
        created_at=now,
    )
    report = Report()
    await _import_lines(
        uow, lines, job, report, actor=actor, into=(organisation, unite), now=now, ports=ports
    )
    await _finish(uow, job, report, actor=actor, ports=ports)
    return job


async def _import_lines(
    uow: HabilitationUow,
    lines: list[tuple[int, dict[str, str]]],
    job: BulkJob,
    report: Report,
    *,
    actor: Actor,
    into: tuple[Organisation, Unite],
    now: datetime,
    ports: Ports,
) -> None:
    organisation, unite = into
    principal_rights = actor.kind == "operateur" or await _is_principal(uow, actor)
    for line, cells in lines:
        row, row_errors = read_row(line, cells)
        if row is not None and row.contact.email in report.seen:
            first = report.seen[row.contact.email]
            report.erreurs.append(
                {
                    "ligne": line,
                    "champ": "email",
                    "regle": "email_duplicate",
                    "message": f"Ce courriel figure déjà ligne {first}.",
                }
            )
        elif row is None:
            report.erreurs += [
                {"ligne": e.line, "champ": e.field, "regle": e.rule, "message": e.message}
                for e in row_errors
            ]
        elif row.administrateur_delegue and not principal_rights:
            report.erreurs.append(
                {
                    "ligne": line,
                    "champ": "administrateur_delegue",
                    "regle": "principal_only",
                    "message": ONLY_THE_PRINCIPAL,
                }
            )
        else:
            report.seen[row.contact.email] = line
            await _import_row(
                uow, row, report, actor=actor, into=(organisation, unite), now=now, ports=ports
            )
        job.processed_rows += 1


async def _is_principal(uow: HabilitationUow, actor: Actor) -> bool:
    member = await uow.gestionnaires.get(actor.uuid) if actor.uuid else None
    return member is not None and member.role == "administrateur_principal"


async def _bulk_target(
    uow: HabilitationUow, actor: Actor, organisation_id: uuid.UUID | None
) -> Organisation:
    """The organisation the file fills: any, for the operator; the caller's, otherwise."""
    if actor.kind == "operateur":
        if organisation_id is None:
            raise invalid(
                FieldError("organisation_id", "required", "Indiquez l'organisme à habiliter.")
            )
        organisation = await uow.organisations.get(organisation_id)
        if organisation is None:
            raise NotFound("Organisme inconnu.")
        return organisation
    member = await require_action_by(uow, actor, Action.HABILITATION_BULK)
    if organisation_id is not None and organisation_id != member.organisation_id:
        raise Forbidden("Cet organisme n'est pas le vôtre.")
    return await organisation_of(uow, member)


async def _import_row(
    uow: HabilitationUow,
    row: BulkRow,
    report: Report,
    *,
    actor: Actor,
    into: tuple[Organisation, Unite],
    now: datetime,
    ports: Ports,
) -> None:
    organisation, unite = into
    if await uow.gestionnaires.email_taken(organisation.id, row.contact.email):
        report.ignores.append(
            {"ligne": row.line, "email": row.contact.email, "motif": "deja_habilite"}
        )
        return
    person: Gestionnaire = await add_person(
        uow,
        actor=actor,
        organisation=organisation,
        contact=row.contact,
        role="administrateur_delegue" if row.administrateur_delegue else "gestionnaire",
        profile=row.profile,
        unite_id=unite.id,
        now=now,
        draw=ports.draw,
    )
    report.crees.append(
        {
            "ligne": row.line,
            "email": person.email,
            "identifiant": person.identifiant,
            "account_id": str(person.account_id),
        }
    )


async def _finish(
    uow: HabilitationUow, job: BulkJob, report: Report, *, actor: Actor, ports: Ports
) -> None:
    job.created_count = len(report.crees)
    job.skipped_count = len(report.ignores)
    job.error_count = len({e["ligne"] for e in report.erreurs})
    job.report = report.as_dict()
    job.status = "done"
    job.finished_at = ports.clock()
    await uow.bulk_jobs.add(job)
    await record(
        uow,
        actor=actor,
        action="habilitation.bulk_imported",
        at=job.created_at,
        organisation_id=job.organisation_id,
        subject_id=job.id,
        after={
            "fichier": job.filename,
            "sha256": job.file_sha256,
            "crees": job.created_count,
            "ignores": job.skipped_count,
            "erreurs": job.error_count,
        },
    )


async def get_job(uow: HabilitationUow, job_id: uuid.UUID, *, actor: Actor) -> BulkJob:
    """An import of the caller's organisation (any, for the operator), with its report."""
    member = None
    if actor.kind != "operateur":
        member = await require_action_by(uow, actor, Action.HABILITATION_BULK)
    job = await uow.bulk_jobs.get(job_id)
    if job is None:
        raise NotFound("Import inconnu.")
    if member is not None and job.organisation_id != member.organisation_id:
        raise Forbidden("Cet import n'est pas celui de votre organisme.")
    return job
