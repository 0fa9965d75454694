"""The activation letter as a PDF (fpdf2: maintained, pure Python).

With a TrueType font that covers French (DejaVu Sans, Debian's ``fonts-dejavu-core``) the
font is embedded and every character is kept. Without one (the file is absent), the PDF
core font Helvetica is used: it encodes latin-1 only, which holds French's accents and
« », so only the rare characters outside it are written as their nearest latin-1 form.
"""

from __future__ import annotations

import logging
import unicodedata
from pathlib import Path

from fpdf import FPDF

from demarche.domain.letter import Letter

log = logging.getLogger(__name__)

DEFAULT_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
_LATIN1_STAND_INS = str.maketrans(
    {"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "œ": "oe", "Œ": "OE", "…": "..."}
)


def latin1(text: str) -> str:
    """``text`` as Helvetica can write it (the nearest latin-1 form of each character)."""
    return "".join(_latin1_char(c) for c in text.translate(_LATIN1_STAND_INS))


def _latin1_char(char: str) -> str:
    if ord(char) < 256:
        return char
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    return base if base and all(ord(c) < 256 for c in base) else "?"


class FpdfLetterMaker:
    def __init__(self, font: Path | None = DEFAULT_FONT) -> None:
        self._font = font if font is not None and font.is_file() else None
        if font is not None and self._font is None:
            log.warning("letter font not found, using Helvetica", extra={"font": str(font)})

    @property
    def embeds_font(self) -> bool:
        return self._font is not None

    def _pdf(self) -> FPDF:
        pdf = FPDF(format="A4")
        pdf.set_margins(25, 25, 25)
        pdf.set_auto_page_break(auto=True, margin=25)
        if self._font is not None:
            pdf.add_font("Lettre", "", str(self._font))
            pdf.set_font("Lettre", size=11)
        else:
            pdf.set_font("Helvetica", size=11)
        pdf.set_title("Modalités d'accès" if self._font else latin1("Modalités d'accès"))
        pdf.add_page()
        return pdf

    def render(self, letter: Letter) -> bytes:
        pdf = self._pdf()
        text = (lambda s: s) if self._font is not None else latin1

        def block(value: str, *, align: str = "L", gap: float = 3) -> None:
            pdf.multi_cell(0, 6, text(value), align=align, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(gap)

        # The organisation's name and address, where a window envelope shows them.
        pdf.set_x(110)
        for line in letter.destinataire:
            pdf.set_x(110)
            pdf.multi_cell(75, 6, text(line), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(10)
        block(letter.lieu_date, align="R", gap=8)
        block(letter.objet, gap=6)
        block(letter.salutation)
        for paragraph in letter.paragraphes:
            block(paragraph)
        block(letter.portail, align="C")
        block(letter.elements_du_dossier)
        block(letter.identifiants, align="C")
        block(letter.assistance, gap=10)
        block(letter.signature, align="R")
        return bytes(pdf.output())
