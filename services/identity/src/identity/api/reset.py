"""Forgotten password: the request, the page behind the e-mail's link, and the reset."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from identity.api import pages
from identity.api.deps import ClientAddress, ServicesDep, UowDep
from identity.api.schemas import MessageOut, ResetIn, ResetRequestIn
from identity.app.reset import RESET_ACCEPTED, RESET_DONE, request_reset, reset_password
from identity.domain.account import AccountKind

MAX_FORM_BYTES = 8192
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}

router = APIRouter(tags=["mot de passe oublié"])


@router.post("/v1/mot-de-passe/oubli", status_code=202, response_model=MessageOut)
async def forgotten(
    body: ResetRequestIn, uow: UowDep, services: ServicesDep, address: ClientAddress
) -> MessageOut:
    """Demande de lien de réinitialisation ; même réponse que le compte existe ou non."""
    async with uow:
        await request_reset(
            uow,
            AccountKind(body.type_compte),
            body.identifiant,
            sealer=services.sealer,
            clock=services.clock,
            rules=services.reset,
            notices=services.notices,
            address=address,
        )
    return MessageOut(message=RESET_ACCEPTED)


@router.get("/mot-de-passe/reinitialisation", response_class=HTMLResponse)
async def reset_page(token: str = "") -> HTMLResponse:
    """Page du lien reçu par e-mail : un formulaire (un GET ne change rien)."""
    if not token:
        return pages.incomplete_link()
    return pages.reset_form(token)


@router.post(
    "/mot-de-passe/reinitialisation",
    response_class=HTMLResponse,
    openapi_extra={"requestBody": pages.form_body("token", "nouveau", "confirmation")},
)
async def reset_form(
    request: Request, uow: UowDep, services: ServicesDep, address: ClientAddress
) -> HTMLResponse:
    """Réinitialisation depuis la page du lien (formulaire) ; répond par une page HTML."""
    form = await pages.read_form(request, MAX_FORM_BYTES)
    token = form.get("token", "")
    return await pages.link_answer(
        uow,
        lambda: reset_password(
            uow,
            token,
            form.get("nouveau", ""),
            form.get("confirmation", ""),
            address,
            hasher=services.hasher,
            clock=services.clock,
        ),
        pages.page("Mot de passe modifié", f"<p>{RESET_DONE}</p>"),
        invalid=lambda error: pages.reset_form(token, [e.message for e in error.errors], 422),
    )


@router.post(
    "/v1/mot-de-passe/reinitialisation",
    response_model=MessageOut,
    responses={
        404: {"description": "Lien inconnu", **PROBLEM},
        410: {"description": "Lien expiré ou déjà utilisé", **PROBLEM},
        422: {"description": "Champs invalides (champ et règle nommés)", **PROBLEM},
    },
)
async def reset_api(
    body: ResetIn, uow: UowDep, services: ServicesDep, address: ClientAddress
) -> MessageOut:
    """Choisit le nouveau mot de passe avec le jeton du lien (usage unique)."""
    async with uow:
        await reset_password(
            uow,
            body.token,
            body.nouveau,
            body.confirmation,
            address,
            hasher=services.hasher,
            clock=services.clock,
        )
    return MessageOut(message=RESET_DONE)
