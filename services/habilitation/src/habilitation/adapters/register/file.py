"""A file-backed company register (development and tests): a JSON list of objects, or a
CSV (``;`` or ``,``) with the columns ``siret, raison_sociale, adresse, code_postal, commune``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from habilitation.app.ports import Entreprise

DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "entreprises.json"


class FileRegister:
    def __init__(self, path: Path | str = DEFAULT_FILE) -> None:
        self._path = Path(path)
        self._by_siret = {e.siret: e for e in _load(self._path)}

    async def lookup(self, siret: str) -> Entreprise | None:
        return self._by_siret.get(siret)

    def __len__(self) -> int:
        return len(self._by_siret)


def _load(path: Path) -> list[Entreprise]:
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json":
        rows = json.loads(text)
    else:
        dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=";,")
        rows = list(csv.DictReader(io.StringIO(text), dialect=dialect))
    return [
        Entreprise(
            siret=str(row["siret"]).strip(),
            raison_sociale=str(row["raison_sociale"]).strip(),
            adresse=str(row.get("adresse") or "").strip(),
            code_postal=str(row.get("code_postal") or "").strip(),
            commune=str(row.get("commune") or "").strip(),
        )
        for row in rows
    ]
