import pytest
from cpf_runtime.sealing import generate_keypair
from notifier.settings import NotifierSettings
from pydantic import ValidationError

URL = "postgresql://notifier:notifier@127.0.0.1:1/notifier"


def test_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOTIFIER_SEALING_PRIVATE_KEY", generate_keypair()[0])
    monkeypatch.setenv("NOTIFIER_DATABASE_URL", URL)
    settings = NotifierSettings()

    assert settings.http_port == 8005
    assert settings.smtp_port == 1025
    assert settings.mail_from == "no-reply@moncompteformation.example"
    assert settings.database_url.startswith("postgresql+asyncpg://")
    assert settings.retry_backoff_initial_seconds == 1.0
    assert settings.retry_backoff_max_seconds == 30.0
    assert settings.site_gestionnaire_login_url.endswith(".example/connexion")
    for url in (
        settings.site_titulaire_login_url,
        settings.site_gestionnaire_login_url,
        settings.site_portail_login_url,
        settings.site_operateur_login_url,
    ):
        assert url.startswith("https://") and ".example/" in url
    # The key is never shown by accident (repr, logs).
    assert settings.sealing_private_key.get_secret_value() not in repr(settings)


@pytest.mark.parametrize("key", ["changeme", "", "secret", "bm90LWEta2V5", "%%%"])
def test_a_placeholder_or_malformed_key_is_refused(key: str) -> None:
    with pytest.raises(ValidationError, match="NOTIFIER_SEALING_PRIVATE_KEY"):
        NotifierSettings(database_url=URL, sealing_private_key=key)


def test_a_missing_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOTIFIER_SEALING_PRIVATE_KEY", raising=False)
    with pytest.raises(ValidationError, match="sealing_private_key"):
        NotifierSettings(database_url=URL)
