"""A duration and a greeting at their edges (docs/mutation.md): one hour is « 1 heure »,
not « 1 heures »; under a minute is « 1 minute »; a blank prénom leaves no double space."""

from __future__ import annotations

import pytest
from notifier.domain.templates import french_duration, greeting


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "1 minute"),
        (59, "1 minute"),
        (60, "1 minute"),
        (120, "2 minutes"),
        (3600, "1 heure"),
        (7200, "2 heures"),
        (86400, "24 heures"),
        (2 * 86400, "2 jours"),
    ],
)
def test_a_duration_in_french_words(seconds: int, words: str) -> None:
    assert french_duration(seconds) == words


def test_a_blank_prenom_is_left_out_of_the_greeting() -> None:
    assert greeting("  ", "Curie", "MME") == "Bonjour Madame Curie,"
    assert greeting("", " ") == "Bonjour,"
