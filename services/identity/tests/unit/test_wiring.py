"""What main.py wires and what the company register adapter sends: the portal link's 24 hours
(guides 002, 004) and the SIRET look-up URL (habilitation's ``GET /v1/entreprises/{siret}``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from identity.adapters.company_register import HttpCompanyRegister
from identity.app.login import TokenRules
from identity.domain.errors import CompanyRegisterInvalid, CompanyRegisterUnavailable
from identity.domain.portail import Company
from identity.main import build
from identity.settings import IdentitySettings

SIRET = "73282932000074"
COMPANY = {
    "siret": SIRET,
    "raison_sociale": "ATELIERS DU LAC",
    "adresse": "1 rue du Port",
    "code_postal": "74000",
    "commune": "Annecy",
}


@pytest.fixture
def settings(sealing_keypair: tuple[str, str]) -> IdentitySettings:
    return IdentitySettings(
        signing_key_passphrase="tests-only-passphrase-0123456789",
        database_url="postgresql+asyncpg://nobody:nothing@127.0.0.1:1/none",
        sealing_public_key=sealing_keypair[1],
        public_url="https://identite.example/",
    )


def test_the_portal_link_is_valid_24_hours_and_the_titulaire_link_15_days(
    settings: IdentitySettings,
) -> None:
    assert settings.portail_activation_hours == 24
    assert settings.titulaire_activation_days == 15
    services = build(settings).services
    assert services.portail_signup.activation_validity == timedelta(hours=24)
    assert services.signup.activation_validity == timedelta(days=15)


class FixedSigner:
    def sign(self, claims: dict[str, Any]) -> str:
        assert claims["kind"] == "service" and claims["sub"] == "identity"
        assert claims["exp"] - claims["iat"] == 60
        return "service-token"


class FixedKeys:
    async def signer(self) -> FixedSigner:
        return FixedSigner()


def register_answering(
    monkeypatch: pytest.MonkeyPatch, answer: httpx.Response | Exception
) -> list[httpx.Request]:
    """The adapter's HTTP client, answered in memory; the requests it sent."""
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if isinstance(answer, Exception):
            raise answer
        return answer

    real = httpx.AsyncClient

    def client(**kwargs: Any) -> httpx.AsyncClient:
        return real(transport=httpx.MockTransport(handler), **kwargs)

    monkeypatch.setattr(httpx, "AsyncClient", client)  # a third-party API: patched
    return sent


def adapter(base_url: str = "https://habilitation.example/") -> HttpCompanyRegister:
    rules = TokenRules("https://identite.example", "cpf", timedelta(minutes=15))
    return HttpCompanyRegister(base_url, FixedKeys(), rules)  # type: ignore[arg-type]


async def test_the_look_up_gets_habilitations_entreprises_route_with_a_service_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent = register_answering(monkeypatch, httpx.Response(200, json=COMPANY))
    assert await adapter().lookup(SIRET) == Company(**COMPANY)
    [request] = sent
    assert request.method == "GET"
    assert str(request.url) == f"https://habilitation.example/v1/entreprises/{SIRET}"
    assert request.headers["authorization"] == "Bearer service-token"


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        (httpx.Response(404), None),
        (httpx.Response(503), CompanyRegisterUnavailable),
        (httpx.Response(500), CompanyRegisterInvalid),
        (httpx.Response(200, json={"siret": SIRET}), CompanyRegisterInvalid),
        (httpx.Response(200, text="pas du JSON"), CompanyRegisterInvalid),
        (httpx.ConnectError("refused"), CompanyRegisterUnavailable),
    ],
)
async def test_each_answer_of_the_register_has_one_meaning(
    monkeypatch: pytest.MonkeyPatch, answer: httpx.Response | Exception, outcome: object
) -> None:
    register_answering(monkeypatch, answer)
    if outcome is None:
        assert await adapter().lookup(SIRET) is None
    else:
        with pytest.raises(outcome):  # type: ignore[call-overload]
            await adapter().lookup(SIRET)


async def test_no_register_configured_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    sent = register_answering(monkeypatch, httpx.Response(200, json=COMPANY))
    with pytest.raises(CompanyRegisterUnavailable):
        await adapter("").lookup(SIRET)
    assert sent == []
