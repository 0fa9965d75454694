"""Login (access tokens) and the public keys that verify them."""

from typing import Any

from cpf_runtime.deps import RuntimeDep, UowDep
from fastapi import APIRouter, Response

from identity.api.schemas import JwksOut, TokenIn, TokenOut
from identity.app.keys import published_keys
from identity.app.login import log_in
from identity.app.services import Services
from identity.domain.account import AccountKind
from identity.store.repository import SqlAccounts, SqlSigningKeys

PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}


def router(services: Services) -> APIRouter:
    api = APIRouter(tags=["jetons"])

    @api.post(
        "/v1/token",
        response_model=TokenOut,
        responses={401: {"description": "Identifiant ou mot de passe incorrect", **PROBLEM}},
    )
    async def token(body: TokenIn, uow: UowDep, response: Response) -> TokenOut:
        """Connexion : identifiant et mot de passe contre un jeton d'accès (JWT ES256)."""
        async with uow:
            issued = await log_in(
                AccountKind(body.type_compte),
                body.identifiant,
                body.mot_de_passe,
                accounts=SqlAccounts(uow.session),
                hasher=services.hasher,
                keys=services.keyring,
                clock=services.clock,
                rules=services.tokens,
            )
        response.headers["Cache-Control"] = "no-store"
        return TokenOut(access_token=issued.token, expires_in=issued.expires_in)

    @api.get("/.well-known/jwks.json", response_model=JwksOut, tags=["jetons"])
    async def jwks(runtime: RuntimeDep, response: Response) -> JwksOut:
        """Les clés publiques (JWKS) qui vérifient les jetons d'accès."""
        await services.keyring.signer()  # a first key exists before anyone asks to verify
        async with runtime.uow() as uow:
            keys = await published_keys(
                SqlSigningKeys(uow.session), services.clock, services.tokens.ttl
            )
        response.headers["Cache-Control"] = "public, max-age=60"
        return JwksOut(keys=keys)

    return api
