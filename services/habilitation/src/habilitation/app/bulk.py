"""*Habilitation en masse* (guide 001): an administrator uploads one workbook (``.xlsx``) or
CSV listing the delegated administrators and gestionnaires of their organisation.

The file is processed inside the upload request, in one transaction, up to
``HABILITATION_BULK_MAX_ROWS`` rows (the guide's threshold for a file is 30 people; a few
hundred rows take well under a second): the job record is written with its final progress
and report, so a client reads the same report through ``GET …/{job_id}`` later. Re-uploading
a file creates nobody twice: a row whose e-mail is already habilitated in the organisation
is reported as skipped (the unique index on active e-mails guards concurrent uploads).
"""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
import zipfile
from typing import Any

from cpf_runtime.db import UnitOfWork
from cpf_runtime.problems import FieldError, Problem, invalid
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from habilitation.app.common import (
    Actor,
    Clock,
    Draw,
    audit,
    conflict,
    forbidden,
    not_found,
    require_action,
    require_member,
)
from habilitation.app.gestionnaires import unite_of
from habilitation.app.people import add_person, email_taken
from habilitation.domain.bulk import COLUMNS, is_blank, map_header, read_row
from habilitation.domain.permissions import Action
from habilitation.store.tables import BulkJob, Organisation

SHEET = "Habilitation en masse"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone typed as a number in Excel
    return str(value).strip()


def read_table(filename: str, content: bytes) -> list[list[str]]:
    """The rows of the first sheet (xlsx) or of the CSV (``;`` or ``,``, UTF-8)."""
    if filename.lower().endswith(".xlsx") or content[:2] == b"PK":
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise bad_file("Le classeur Excel est illisible.") from exc
        sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
        rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        workbook.close()
        return rows
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252")  # what Excel writes for a French "CSV"
    first = text.splitlines()[0] if text else ""
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def bad_file(detail: str, rule: str = "file_unreadable") -> Problem:
    return invalid(FieldError("fichier", rule, detail))


async def import_file(
    uow: UnitOfWork,
    *,
    actor: Actor,
    filename: str,
    content: bytes,
    clock: Clock,
    draw: Draw,
    max_rows: int,
) -> BulkJob:
    member = await require_member(uow.session, actor)
    require_action(member, Action.HABILITATION_BULK)
    unite = await unite_of(uow, member.organisation_id)
    if unite is None:
        raise conflict("Créez d'abord l'unité de gestion de votre organisme.", "unite-missing")
    organisation = await uow.session.get(Organisation, member.organisation_id)
    assert organisation is not None
    table = read_table(filename, content)
    if not table:
        raise bad_file("Le fichier est vide.", "file_empty")
    mapping, missing = map_header(table[0])
    if missing:
        raise bad_file(
            "Colonnes manquantes : " + ", ".join(missing) + ". Utilisez le modèle fourni.",
            "columns_missing",
        )
    lines: list[tuple[int, dict[str, str]]] = []
    for index, raw in enumerate(table[1:], start=2):  # line 1 is the header
        cells = {key: raw[i] if i < len(raw) else "" for i, key in mapping.items()}
        if not is_blank(cells):
            lines.append((index, cells))
    if len(lines) > max_rows:
        raise bad_file(
            f"Le fichier compte {len(lines)} lignes ; au plus {max_rows} par envoi.",
            "too_many_rows",
        )
    now = clock()
    job = BulkJob(
        id=uuid.uuid4(),
        organisation_id=member.organisation_id,
        requested_by=actor.account_id,
        filename=filename[:255],
        file_sha256=hashlib.sha256(content).hexdigest(),
        status="running",
        total_rows=len(lines),
        processed_rows=0,
        created_count=0,
        skipped_count=0,
        error_count=0,
        report={},
        created_at=now,
    )
    uow.session.add(job)
    errors: list[dict[str, Any]] = []
    created: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line, cells in lines:
        row, row_errors = read_row(line, cells)
        if row is not None and row.contact.email in seen:
            errors.append(
                {
                    "ligne": line,
                    "champ": "email",
                    "regle": "email_duplicate",
                    "message": f"Ce courriel figure déjà ligne {seen[row.contact.email]}.",
                }
            )
        elif row is None:
            errors += [
                {"ligne": e.line, "champ": e.field, "regle": e.rule, "message": e.message}
                for e in row_errors
            ]
        else:
            seen[row.contact.email] = line
            if await email_taken(uow, member.organisation_id, row.contact.email):
                skipped.append(
                    {"ligne": line, "email": row.contact.email, "motif": "deja_habilite"}
                )
            else:
                person = await add_person(
                    uow,
                    actor=actor,
                    organisation=organisation,
                    contact=row.contact,
                    role="administrateur_delegue" if row.administrateur_delegue else "gestionnaire",
                    profile=row.profile,
                    unite_id=unite.id,
                    now=now,
                    draw=draw,
                )
                created.append(
                    {
                        "ligne": line,
                        "email": person.email,
                        "identifiant": person.identifiant,
                        "account_id": str(person.account_id),
                    }
                )
        job.processed_rows += 1
    job.created_count = len(created)
    job.skipped_count = len(skipped)
    job.error_count = len({e["ligne"] for e in errors})
    job.report = {"erreurs": errors, "crees": created, "ignores": skipped}
    job.status = "done"
    job.finished_at = clock()
    audit(
        uow.session,
        actor=actor,
        action="habilitation.bulk_imported",
        at=now,
        organisation_id=member.organisation_id,
        subject_id=job.id,
        after={
            "fichier": job.filename,
            "sha256": job.file_sha256,
            "crees": job.created_count,
            "ignores": job.skipped_count,
            "erreurs": job.error_count,
        },
    )
    await uow.session.flush()
    return job


async def get_job(uow: UnitOfWork, job_id: uuid.UUID, *, actor: Actor) -> BulkJob:
    member = await require_member(uow.session, actor)
    require_action(member, Action.HABILITATION_BULK)
    job = await uow.session.get(BulkJob, job_id)
    if job is None:
        raise not_found("Import inconnu.")
    if job.organisation_id != member.organisation_id:
        raise forbidden("Cet import n'est pas celui de votre organisme.")
    return job


def template_workbook() -> bytes:
    """The template to fill in: one header row, drop-down lists, and a how-to sheet."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = SHEET
    sheet.append([label for _, label in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, (_, label) in enumerate(COLUMNS):
        sheet.column_dimensions[chr(ord("A") + index)].width = max(14, len(label) + 2)
    lists = {
        "A": '"M,MME"',
        "H": '"oui,non"',
        "I": '"consultation,creation,validation,cloture"',
    }
    for column, formula in lists.items():
        validation = DataValidation(type="list", formula1=formula, allow_blank=True)
        validation.add(f"{column}2:{column}1000")
        sheet.add_data_validation(validation)
    sheet.freeze_panes = "A2"
    howto = workbook.create_sheet("Mode d'emploi")
    for line in (
        "Une ligne par personne à habiliter (administrateurs délégués et gestionnaires).",
        "Le courriel est saisi deux fois ; le téléphone sans espaces ni points.",
        "Administrateur délégué : oui ou non. Profil : consultation, creation, validation "
        "ou cloture (les administrateurs ont toujours le profil le plus complet).",
        "Toutes les personnes sont rattachées à l'unité de gestion de l'organisme.",
        "Un même fichier peut être renvoyé : une personne déjà habilitée (même courriel) "
        "n'est pas créée deux fois.",
    ):
        howto.append([line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
