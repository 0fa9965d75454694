"""Characters that have no place in a name, an address or an e-mail (issue 13, V6).

Control characters (``\\n``, ``\\r``, ESC… Unicode category ``Cc``), the line and paragraph
separators (``Zl``, ``Zp``) and the bidirectional controls (U+202A–U+202E overrides and
embeddings, U+2066–U+2069 isolates, U+200E/U+200F/U+061C marks) let a name forge lines of
an e-mail, terminal escapes or text shown backwards (« Trojan Source »). Identity refuses
them at its API (:func:`has_control_characters`, rule ``control_characters``); the
notifier removes any that still reach a template (:func:`without_control_characters`), so
none is rendered. Joiners (U+200C, U+200D), which some scripts need, are allowed.
"""

from __future__ import annotations

import re
import unicodedata

BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
_BREAKING = frozenset({"Cc", "Zl", "Zp"})
CONTROL_CHARACTERS_MESSAGE = (
    "Ce champ ne peut contenir ni retour à la ligne, ni tabulation, ni caractère de contrôle "
    "ou de direction du texte."
)
"""The refusal of rule ``control_characters``, the same in every service."""


def is_control_character(char: str) -> bool:
    return char in BIDI_CONTROLS or unicodedata.category(char) in _BREAKING


def has_control_characters(value: str) -> bool:
    return any(is_control_character(c) for c in value)


def without_control_characters(value: str) -> str:
    """``value`` with each line break, tab or other control turned into a space and each
    bidirectional control removed (the runs of spaces this makes collapsed); a clean
    value is returned as it is."""
    if not has_control_characters(value):
        return value
    out = [" " if is_control_character(c) else c for c in value if c not in BIDI_CONTROLS]
    return re.sub(" {2,}", " ", "".join(out)).strip()
