"""The PDF of the letter, read back with pypdf: every element of guide 004's layout, with
the embedded TrueType font and with the core-font fallback."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from cpf_contracts.catalogue import demarche
from demarche.adapters.letters import DEFAULT_FONT, FpdfLetterMaker, latin1
from demarche.domain.codes import Destinataire
from demarche.domain.letter import letter
from pypdf import PdfReader


def written(raison_sociale: str = "CFI ATLANTIQUE") -> object:
    ceres = demarche("ceres")
    assert ceres is not None
    return letter(
        demarche=ceres,
        destinataire=Destinataire(raison_sociale, "12 rue des Écoles", "44000", "Nantes"),
        siret="73282932000074",
        code="ABCDEFGHJKLM",
        ville="Paris",
        service="Direccte Île-de-France",
        day=date(2026, 12, 1),
        portal_url="https://ceres.emploi.gouv.fr",
        assistance="du lundi au vendredi 9h à 18h au 01 46 29 25 54",
    )


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


# DejaVu where Debian's fonts-dejavu-core is installed (the maker falls back to Helvetica
# where it is not: the same elements must be there either way), and a missing file.
FONTS = [
    pytest.param(DEFAULT_FONT, id="dejavu"),
    pytest.param(Path("/nonexistent/font.ttf"), id="helvetica"),
]


@pytest.mark.parametrize("font", FONTS)
def test_every_element_of_the_letter_is_in_the_pdf(font: Path) -> None:
    maker = FpdfLetterMaker(font)
    assert maker.embeds_font == font.is_file()
    pdf = maker.render(written())  # type: ignore[arg-type]
    assert pdf.startswith(b"%PDF-")
    text = text_of(pdf)
    for element in [
        "CFI ATLANTIQUE",
        "12 rue des Écoles",
        "44000 Nantes",
        "Paris, le 1 décembre 2026",
        "Objet : Modalités d'accès à l'applicatif CERES",
        "Madame, Monsieur,",
        "Vous avez un agrément pour organiser des sessions d'examen",
        "vous devez créer un compte personnel CERES sur le portail de services :",
        "https://ceres.emploi.gouv.fr",
        "Pour ce faire, vous devez vous munir des éléments suivants de votre dossier :",
        "SIRET : 73282932000074",
        "Code d'activation : ABCDEFGHJKLM",
        "du lundi au vendredi 9h à 18h au 01 46 29 25 54",
        "Direccte Île-de-France",
    ]:
        assert element in text, element
    assert text.index("Paris, le") < text.index("Objet") < text.index("SIRET :")


def test_the_embedded_font_keeps_every_character() -> None:
    maker = FpdfLetterMaker(DEFAULT_FONT)
    text = text_of(maker.render(written("Œuvre d’Art — Ŝ")))  # type: ignore[arg-type]
    expected = "Œuvre d’Art — Ŝ" if maker.embeds_font else "OEuvre d'Art - S"
    assert expected in text


def test_the_core_font_writes_the_nearest_latin1_form() -> None:
    assert latin1("Œuvre d’Art — Ŝ « é »") == "OEuvre d'Art - S « é »"
    text = text_of(FpdfLetterMaker(None).render(written("Œuvre d’Art")))  # type: ignore[arg-type]
    assert "OEuvre d'Art" in text
