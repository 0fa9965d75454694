"""The *habilitation en masse* file as bytes: reading an uploaded workbook (``.xlsx``) or
CSV into rows of text, and writing the template workbook to fill in."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from habilitation.domain.bulk import COLUMNS, bad_file

SHEET = "Habilitation en masse"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HOWTO = (
    "Une ligne par personne à habiliter (administrateurs délégués et gestionnaires).",
    "Le courriel est saisi deux fois ; le téléphone sans espaces ni points.",
    "Administrateur délégué : oui ou non. Profil : consultation, creation, validation "
    "ou cloture (les administrateurs ont toujours le profil le plus complet).",
    "Toutes les personnes sont rattachées à l'unité de gestion de l'organisme.",
    "Un même fichier peut être renvoyé : une personne déjà habilitée (même courriel) "
    "n'est pas créée deux fois.",
)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone typed as a number in Excel
    return str(value).strip()


def read_table(filename: str, content: bytes) -> list[list[str]]:
    """The rows of the first sheet (xlsx) or of the CSV (``;`` or ``,``, UTF-8); a file
    that cannot be read, or with a NUL character in a cell (which no text column stores),
    is refused as a whole (422, field ``fichier``)."""
    rows = _rows(filename, content)
    for line, row in enumerate(rows, start=1):
        if any("\x00" in cell for cell in row):
            raise bad_file(f"La ligne {line} contient un caractère nul.", "nul_character")
    return rows


def _rows(filename: str, content: bytes) -> list[list[str]]:
    if filename.lower().endswith(".xlsx") or content[:2] == b"PK":
        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
            raise bad_file("Le classeur Excel est illisible.") from exc
        sheet = workbook[SHEET] if SHEET in workbook.sheetnames else workbook.worksheets[0]
        rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        workbook.close()
        return rows
    text = _decode(content)
    first = text.splitlines()[0] if text else ""
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    try:
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        return [[c.strip() for c in row] for row in reader]
    except csv.Error as exc:
        raise bad_file("Le fichier CSV est illisible.") from exc


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252")  # what Excel writes for a French "CSV"
    except UnicodeDecodeError as exc:
        raise bad_file(
            "Le fichier CSV n'est ni en UTF-8 ni en Windows-1252 : enregistrez-le en UTF-8.",
            "file_encoding",
        ) from exc


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
    for line in HOWTO:
        howto.append([line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
