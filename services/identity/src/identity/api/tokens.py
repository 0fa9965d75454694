"""Login (access tokens) and the public keys that verify them."""

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from identity.api.deps import ClientAddress, ServicesDep, UowDep
from identity.api.errors import action_required_response
from identity.api.first_login import next_step
from identity.api.schemas import JwksOut, RefreshIn, TokenIn, TokenOut
from identity.app.keys import published_keys
from identity.app.login import AccessToken, ActionRequired, log_in
from identity.app.refresh import log_out, refresh_access
from identity.domain.account import AccountKind

PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}

router = APIRouter(tags=["jetons"])


def token_out(issued: AccessToken, response: Response) -> TokenOut:
    response.headers["Cache-Control"] = "no-store"
    return TokenOut(
        access_token=issued.token,
        expires_in=issued.expires_in,
        refresh_token=issued.refresh_token,
        refresh_expires_in=issued.refresh_expires_in,
    )


@router.post(
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
    body: TokenIn,
    uow: UowDep,
    services: ServicesDep,
    address: ClientAddress,
    response: Response,
) -> TokenOut | JSONResponse:
    """Connexion : identifiant et mot de passe contre un jeton d'accès (JWT ES256)."""
    async with uow:  # a failure counted (and maybe a lock) is committed before the 401
        issued = await log_in(
            uow,
            AccountKind(body.type_compte),
            body.identifiant,
            body.mot_de_passe,
            hasher=services.hasher,
            keys=services.keyring,
            clock=services.clock,
            rules=services.tokens,
            throttle=services.throttle,
            address=address,
        )
    if isinstance(issued, ActionRequired):
        return action_required_response(next_step(issued))
    return token_out(issued, response)


@router.post(
    "/v1/token/refresh",
    response_model=TokenOut,
    responses={401: {"description": "Jeton inconnu, expiré, révoqué ou réutilisé", **PROBLEM}},
)
async def refresh(
    body: RefreshIn, uow: UowDep, services: ServicesDep, response: Response
) -> TokenOut:
    """Renouvellement : le jeton de renouvellement contre un nouveau couple de jetons.
    Un jeton déjà utilisé révoque toute la session (détection de réutilisation)."""
    async with uow:  # a reuse's revocation is committed before the 401
        issued = await refresh_access(
            uow,
            body.refresh_token,
            keys=services.keyring,
            clock=services.clock,
            rules=services.tokens,
        )
    return token_out(issued, response)


@router.post("/v1/deconnexion", status_code=204)
async def logout(body: RefreshIn, uow: UowDep, services: ServicesDep) -> Response:
    """Déconnexion : la session du jeton de renouvellement est révoquée."""
    async with uow:
        await log_out(uow, body.refresh_token, clock=services.clock)
    return Response(status_code=204)


@router.get("/.well-known/jwks.json", response_model=JwksOut)
async def jwks(uow: UowDep, services: ServicesDep, response: Response) -> JwksOut:
    """Les clés publiques (JWKS) qui vérifient les jetons d'accès."""
    await services.keyring.signer()  # a first key exists before anyone asks to verify
    async with uow:
        keys = await published_keys(uow, services.clock, services.tokens.ttl)
    response.headers["Cache-Control"] = "public, max-age=60"
    return JwksOut(keys=keys)
