"""Activation of an account: the page behind the e-mail's link, and the activation itself."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from identity.api import pages
from identity.api.deps import ServicesDep, UowDep
from identity.api.schemas import ActivationIn, MessageOut
from identity.app.activation import activate_account

MAX_FORM_BYTES = 4096
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}

router = APIRouter(tags=["activation"])


@router.get("/activation", response_class=HTMLResponse)
async def activation_page(token: str = "") -> HTMLResponse:
    """Page du lien d'activation : un bouton confirme l'activation (un GET n'active rien)."""
    if not token:
        return pages.incomplete_link(
            "Lien d'activation incomplet",
            "Ce lien d'activation est incomplet : copiez le lien entier reçu par e-mail.",
        )
    return pages.activation_form(token)


@router.post(
    "/activation",
    response_class=HTMLResponse,
    openapi_extra={"requestBody": pages.form_body("token")},
)
async def activation_form(request: Request, uow: UowDep, services: ServicesDep) -> HTMLResponse:
    """Activation depuis la page du lien (formulaire) ; répond par une page HTML."""
    token = (await pages.read_form(request, MAX_FORM_BYTES)).get("token", "")
    return await pages.link_answer(
        uow,
        lambda: activate_account(uow, token, clock=services.clock),
        lambda account: pages.activation_done(account.kind, services.portail_url),
    )


@router.post(
    "/v1/activations",
    response_model=MessageOut,
    responses={
        400: {"description": "Lien déjà utilisé", **PROBLEM},
        404: {"description": "Lien inconnu", **PROBLEM},
        410: {"description": "Lien expiré : l'inscription est à refaire", **PROBLEM},
    },
)
async def activation_api(body: ActivationIn, uow: UowDep, services: ServicesDep) -> MessageOut:
    """Active le compte du jeton d'activation (usage unique)."""
    async with uow:
        account = await activate_account(uow, body.token, clock=services.clock)
    return MessageOut(message=pages.activated_message(account.kind))
