"""demarche's settings refuse to start without a real key for the codes' HMAC, and the
wiring builds every route from them."""

from __future__ import annotations

import pytest
from demarche.main import build
from demarche.settings import DemarcheSettings
from pydantic import ValidationError

URL = "postgresql+asyncpg://demarche@localhost/demarche"


@pytest.mark.parametrize("key", [None, "short-key", " " * 40])
def test_a_missing_short_or_blank_hmac_key_stops_the_start(
    key: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DEMARCHE_CODE_HMAC_KEY", raising=False)
    given = {} if key is None else {"code_hmac_key": key}
    with pytest.raises(ValidationError) as refused:
        DemarcheSettings(database_url=URL, **given)
    assert "code_hmac_key" in str(refused.value)


def test_the_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMARCHE_DATABASE_URL", URL)
    monkeypatch.setenv("DEMARCHE_CODE_HMAC_KEY", "k" * 32)
    monkeypatch.setenv("DEMARCHE_REDEMPTION_MAX_FAILURES_PER_SIRET", "3")
    monkeypatch.setenv("DEMARCHE_ASSISTANCES", '{"ceres": "au 01 02 03 04 05"}')
    settings = DemarcheSettings()
    runtime = build(settings)
    assert runtime.ports is not None
    assert runtime.ports.limits.per_siret == 3
    assert runtime.ports.letter_settings.assistance_for("ceres") == "au 01 02 03 04 05"
    assert runtime.ports.letter_settings.portal_for("ceres") == "https://ceres.emploi.gouv.fr"
    assert runtime.ports.letter_settings.portal_for("mon_activite_formation") == (
        "https://mesdemarches.emploi.gouv.fr"
    )
    paths = set(runtime.create_app().openapi()["paths"])
    assert {
        "/v1/demarches",
        "/v1/demarches/{demarche}",
        "/v1/demarches/{demarche}/codes",
        "/v1/demarches/{demarche}/codes/{siret}/reissue",
        "/v1/demarches/{demarche}/codes/{code_id}/lettre",
        "/v1/portail/demarches/{demarche}/activation",
    } <= paths
    assert [c.name for c in runtime.commands] == ["authority-grant", "authority-revoke"]
