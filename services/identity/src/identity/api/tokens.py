"""Login (access tokens) and the public keys that verify them."""

from typing import Any

from cpf_runtime.deps import RuntimeDep, UowDep
from cpf_runtime.problems import Problem
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from identity.api.client import client_address
from identity.api.first_login import action_required_response
from identity.api.schemas import JwksOut, RefreshIn, TokenIn, TokenOut
from identity.app.keys import published_keys
from identity.app.login import AccessToken, ActionRequired, attempt_login
from identity.app.refresh import log_out, refresh_access
from identity.app.services import Services
from identity.domain.account import AccountKind
from identity.store.repository import (
    SqlAccounts,
    SqlHistory,
    SqlRefreshTokens,
    SqlSigningKeys,
)

PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}


def token_out(issued: AccessToken) -> TokenOut:
    return TokenOut(
        access_token=issued.token,
        expires_in=issued.expires_in,
        refresh_token=issued.refresh_token,
        refresh_expires_in=issued.refresh_expires_in,
    )


def router(services: Services) -> APIRouter:
    api = APIRouter(tags=["jetons"])

    @api.post(
        "/v1/token",
        response_model=TokenOut,
        responses={
            401: {"description": "Identifiant ou mot de passe incorrect", **PROBLEM},
            429: {"description": "Trop d'échecs depuis cette adresse", **PROBLEM},
            403: {
                "description": "Mot de passe correct, mais une action est requise d'abord "
                "(action_requise, action_token, expires_in)",
                **PROBLEM,
            },
        },
    )
    async def token(
        body: TokenIn, uow: UowDep, request: Request, response: Response
    ) -> TokenOut | JSONResponse:
        """Connexion : identifiant et mot de passe contre un jeton d'accès (JWT ES256)."""
        async with uow:
            issued = await attempt_login(
                AccountKind(body.type_compte),
                body.identifiant,
                body.mot_de_passe,
                accounts=SqlAccounts(uow.session),
                hasher=services.hasher,
                keys=services.keyring,
                clock=services.clock,
                rules=services.tokens,
                refresh=SqlRefreshTokens(uow.session),
                throttle=services.throttle,
                address=client_address(request, services.trusted_proxies),
                outbox=uow,
                history=SqlHistory(uow.session),
            )
        if isinstance(issued, Problem):
            raise issued  # a failure counted (and maybe a lock) is committed first
        if isinstance(issued, ActionRequired):
            return action_required_response(issued)
        response.headers["Cache-Control"] = "no-store"
        return token_out(issued)

    @api.post(
        "/v1/token/refresh",
        response_model=TokenOut,
        responses={401: {"description": "Jeton inconnu, expiré, révoqué ou réutilisé", **PROBLEM}},
    )
    async def refresh(body: RefreshIn, uow: UowDep, response: Response) -> TokenOut:
        """Renouvellement : le jeton de renouvellement contre un nouveau couple de jetons.
        Un jeton déjà utilisé révoque toute la session (détection de réutilisation)."""
        async with uow:
            issued = await refresh_access(
                body.refresh_token,
                accounts=SqlAccounts(uow.session),
                refresh=SqlRefreshTokens(uow.session),
                keys=services.keyring,
                clock=services.clock,
                rules=services.tokens,
            )
        if not isinstance(issued, AccessToken):
            raise issued  # the family's revocation is committed
        response.headers["Cache-Control"] = "no-store"
        return token_out(issued)

    @api.post("/v1/deconnexion", status_code=204)
    async def logout(body: RefreshIn, uow: UowDep) -> Response:
        """Déconnexion : la session du jeton de renouvellement est révoquée."""
        async with uow:
            await log_out(
                body.refresh_token, refresh=SqlRefreshTokens(uow.session), clock=services.clock
            )
        return Response(status_code=204)

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
