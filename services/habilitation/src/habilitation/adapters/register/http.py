"""The public company search API (``recherche-entreprises.api.gouv.fr``, SIRENE data):
``GET {base}/search?q={siret}`` answers companies with their ``siege`` and their
``matching_etablissements``; the establishment whose SIRET matches is the answer."""

from __future__ import annotations

from typing import Any

import httpx

from habilitation.app.ports import Entreprise, RegisterError, RegisterUnavailable


class HttpRegister:
    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 3.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._timeout = timeout
        self._transport = transport

    async def lookup(self, siret: str) -> Entreprise | None:
        try:
            async with httpx.AsyncClient(
                timeout=self._timeout, transport=self._transport
            ) as client:
                response = await client.get(
                    f"{self._base_url}/search",
                    params={"q": siret, "page": 1, "per_page": 5},
                    headers={"Accept": "application/json"},
                )
        except httpx.TimeoutException as exc:
            raise RegisterUnavailable("timeout") from exc
        except httpx.HTTPError as exc:
            raise RegisterUnavailable(repr(exc)) from exc
        if response.status_code == 404:
            return None
        if response.status_code == 429 or response.status_code >= 500:
            raise RegisterUnavailable(f"status {response.status_code}")
        if response.status_code != 200:
            raise RegisterError(f"status {response.status_code}")
        try:
            return _find(response.json(), siret)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise RegisterError("unreadable answer") from exc


def _find(document: dict[str, Any], siret: str) -> Entreprise | None:
    for company in document.get("results") or []:
        name = company.get("nom_raison_sociale") or company.get("nom_complet") or ""
        establishments = list(company.get("matching_etablissements") or [])
        if company.get("siege"):
            establishments.append(company["siege"])
        for etab in establishments:
            if str(etab.get("siret")) == siret:
                return Entreprise(
                    siret=siret,
                    raison_sociale=str(name),
                    adresse=str(etab.get("adresse") or ""),
                    code_postal=str(etab.get("code_postal") or ""),
                    commune=str(etab.get("libelle_commune") or ""),
                )
    return None
