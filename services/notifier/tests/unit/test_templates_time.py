"""Dates in an e-mail: a naive datetime is UTC whatever the machine's zone, and an image
without tzdata says plainly that it writes UTC."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import datetime

import pytest
from notifier.domain import templates
from notifier.domain.templates import french_datetime, greeting


@pytest.fixture
def machine_in_new_york() -> Iterator[None]:
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


def test_a_naive_datetime_is_read_as_utc_not_as_the_machines_zone(
    machine_in_new_york: None,
) -> None:
    # 08:30 UTC is 10 h 30 in Paris in July; read as New York time it would be 16 h 30.
    assert (
        french_datetime(datetime(2026, 7, 16, 8, 30))
        == "jeudi 16 juillet 2026 à 10 h 30 (heure de Paris)"
    )


def test_without_tzdata_the_time_is_said_in_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(key: str) -> None:
        raise templates.ZoneInfoNotFoundError(key)

    monkeypatch.setattr(templates, "ZoneInfo", missing)
    assert (
        french_datetime(datetime(2026, 12, 1, 13, 5))
        == "mardi 1er décembre 2026 à 13 h 05 (heure UTC)"
    )


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("Marie", "Curie", "MME"), "Bonjour Madame Marie Curie,"),
        (("", "Curie", "M"), "Bonjour Monsieur Curie,"),
        (("Marie", "Curie", None), "Bonjour Marie Curie,"),
        ((" ", "", None), "Bonjour,"),
    ],
)
def test_greetings(args: tuple[str, str, str | None], said: str) -> None:
    assert greeting(*args) == said  # type: ignore[arg-type]
