"""The company register adapter: habilitation's ``GET /v1/entreprises/{siret}``, called with
a short-lived service token that identity signs itself (kind ``service``, sub ``identity``)."""

from __future__ import annotations

import time
import uuid

import httpx

from identity.app.login import TokenRules
from identity.app.ports import KeySource
from identity.domain.errors import CompanyRegisterInvalid, CompanyRegisterUnavailable
from identity.domain.portail import Company

SERVICE_TOKEN_TTL = 60
FIELDS = ("siret", "raison_sociale", "adresse", "code_postal", "commune")


class HttpCompanyRegister:
    def __init__(
        self, base_url: str, keys: KeySource, rules: TokenRules, timeout: float = 5.0
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._keys = keys
        self._rules = rules
        self._timeout = timeout

    async def _token(self) -> str:
        now = int(time.time())
        signer = await self._keys.signer()
        return signer.sign(
            {
                "iss": self._rules.issuer,
                "aud": self._rules.audience,
                "sub": "identity",
                "kind": "service",
                "iat": now,
                "exp": now + SERVICE_TOKEN_TTL,
                "jti": str(uuid.uuid4()),
            }
        )

    async def lookup(self, siret: str) -> Company | None:
        if not self._base_url:
            raise CompanyRegisterUnavailable()
        headers = {"Authorization": f"Bearer {await self._token()}"}
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                response = await client.get(
                    f"{self._base_url}/v1/entreprises/{siret}", headers=headers
                )
        except httpx.HTTPError as exc:
            raise CompanyRegisterUnavailable() from exc
        if response.status_code == 404:
            return None
        if response.status_code == 503:
            raise CompanyRegisterUnavailable()
        if response.status_code != 200:
            raise CompanyRegisterInvalid()
        try:
            body = response.json()
            values = {f: str(body[f]) for f in FIELDS}
        except (ValueError, KeyError, TypeError) as exc:
            raise CompanyRegisterInvalid() from exc
        return Company(**values)
