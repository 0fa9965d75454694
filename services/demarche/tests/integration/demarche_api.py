"""Helpers of the integration tests: the API as anyone, and an agent of each authority."""

from __future__ import annotations

import argparse
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from cpf_runtime.testing import TokenMint
from demarche.api.deps import DemarcheRuntime
from demarche.commands import authority_grant_command
from demarche.settings import DemarcheSettings
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

HMAC_KEY = "tests-only-hmac-key-0123456789abcdef"
SIRET = "73282932000074"
OTHER_SIRET = "35600000000010"
ORGANISATION = {
    "raison_sociale": "CFI ATLANTIQUE",
    "adresse": "12 rue des Écoles",
    "code_postal": "44000",
    "commune": "Nantes",
}


def settings_for(url: str, **over: Any) -> DemarcheSettings:
    return DemarcheSettings(database_url=url, code_hmac_key=HMAC_KEY, **over)


@dataclass
class Api:
    client: httpx.AsyncClient
    engine: AsyncEngine
    mint: TokenMint
    runtime: DemarcheRuntime

    def auth(self, account_id: uuid.UUID, kind: str) -> dict[str, str]:
        return self.mint.headers(kind=kind, account_id=account_id)

    def portail(self, account_id: uuid.UUID | None = None) -> dict[str, str]:
        return self.auth(account_id or uuid.uuid4(), "portail")

    async def agent(
        self, demarche: str = "ceres", service: str = "Direccte Île-de-France", ville: str = "Paris"
    ) -> dict[str, str]:
        """A new operateur account made an agent of ``demarche`` by the command."""
        account_id = uuid.uuid4()
        args = argparse.Namespace(
            account_id=account_id, demarche=demarche, service=service, ville=ville
        )
        assert await authority_grant_command().run(self.runtime, args) == 0
        return self.auth(account_id, "operateur")

    async def issue(
        self, agent: dict[str, str], siret: str = SIRET, demarche: str = "ceres"
    ) -> dict[str, Any]:
        response = await self.client.post(
            f"/v1/demarches/{demarche}/codes", json={"siret": siret} | ORGANISATION, headers=agent
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    def redeem(
        self, code: str, *, siret: str = SIRET, demarche: str = "ceres", user: Any = None
    ) -> Any:
        return self.client.post(
            f"/v1/portail/demarches/{demarche}/activation",
            json={"siret": siret, "code_activation": code},
            headers=self.portail() if user is None else user,
        )

    async def sql(self, query: str, **params: Any) -> list[Any]:
        async with self.engine.connect() as conn:
            return list((await conn.execute(text(query), params)).all())
