"""Settings: OWASP's argon2id parameters, 15-day activation, the shared sealing key."""

import pytest
from identity.settings import IdentitySettings
from pydantic import ValidationError

URL = "postgresql://identity:identity@127.0.0.1:5432/identity"


def test_defaults(monkeypatch: pytest.MonkeyPatch, sealing_keypair) -> None:
    monkeypatch.setenv("IDENTITY_DATABASE_URL", URL)
    monkeypatch.setenv("SEALING_PUBLIC_KEY", sealing_keypair[1])
    monkeypatch.setenv("IDENTITY_PUBLIC_URL", "https://identite.example/")
    monkeypatch.setenv("IDENTITY_SIGNING_KEY_PASSPHRASE", "tests-only-passphrase-0123456789")
    settings = IdentitySettings()  # type: ignore[call-arg]
    assert settings.sealing_public_key == sealing_keypair[1]
    assert settings.public_url == "https://identite.example"
    assert settings.database_url.startswith("postgresql+asyncpg://")
    assert settings.http_port == 8001
    assert settings.access_token_ttl_seconds == 900
    assert settings.titulaire_activation_days == 15
    assert (settings.argon2_memory_kib, settings.argon2_time_cost) == (19456, 2)
    assert settings.argon2_parallelism == 1


@pytest.mark.parametrize("key", ["", "changeme", "pas du base64 !", "c2hvcnQ="])
def test_a_bad_sealing_key_stops_the_start(key: str) -> None:
    with pytest.raises(ValidationError):
        IdentitySettings(
            database_url=URL,
            sealing_public_key=key,
            signing_key_passphrase="tests-only-passphrase-0123456789",
        )


@pytest.mark.parametrize("passphrase", ["", "changeme", "too short"])
def test_a_missing_or_weak_signing_key_passphrase_stops_the_start(
    passphrase: str, sealing_keypair
) -> None:
    with pytest.raises(ValidationError):
        IdentitySettings(
            database_url=URL,
            sealing_public_key=sealing_keypair[1],
            signing_key_passphrase=passphrase,
        )
