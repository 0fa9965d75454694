"""Activation of an account: the page behind the e-mail's link, and the activation itself."""

from typing import Any
from urllib.parse import parse_qs

from cpf_runtime.db import UnitOfWork
from cpf_runtime.deps import UowDep
from cpf_runtime.problems import Problem
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from identity.api import pages
from identity.api.schemas import ActivationIn, MessageOut
from identity.app.activation import activate_account
from identity.app.services import Services
from identity.store.repository import SqlAccounts

MAX_FORM_BYTES = 4096
ACTIVATED = "Votre compte a bien été activé : vous pouvez vous connecter."
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
FORM_BODY = {
    "required": True,
    "content": {
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "properties": {"token": {"type": "string"}},
                "required": ["token"],
            }
        }
    },
}


async def _form_token(request: Request) -> str:
    """The ``token`` field of a small urlencoded form (read without python-multipart)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return ""
    fields = parse_qs(body.decode("utf-8", errors="replace"), max_num_fields=10)
    return (fields.get("token") or [""])[0]


def router(services: Services) -> APIRouter:
    api = APIRouter(tags=["activation"])

    async def activate(token: str, uow: UnitOfWork) -> None:
        async with uow:
            await activate_account(
                token, accounts=SqlAccounts(uow.session), outbox=uow, clock=services.clock
            )

    @api.get("/activation", response_class=HTMLResponse)
    async def activation_page(token: str = "") -> HTMLResponse:
        """Page du lien d'activation : un bouton confirme l'activation (un GET n'active rien)."""
        if not token:
            return pages.activation_refused(
                "Lien d'activation incomplet",
                "Ce lien d'activation est incomplet : copiez le lien entier reçu par e-mail.",
                400,
            )
        return pages.activation_form(token)

    @api.post(
        "/activation",
        response_class=HTMLResponse,
        openapi_extra={"requestBody": FORM_BODY},
    )
    async def activation_form(request: Request, uow: UowDep) -> HTMLResponse:
        """Activation depuis la page du lien (formulaire) ; répond par une page HTML."""
        try:
            await activate(await _form_token(request), uow)
        except Problem as problem:
            return pages.activation_refused(problem.title, problem.detail, problem.status)
        return pages.activation_done()

    @api.post(
        "/v1/activations",
        response_model=MessageOut,
        responses={
            400: {"description": "Lien déjà utilisé", **PROBLEM},
            404: {"description": "Lien inconnu", **PROBLEM},
            410: {"description": "Lien expiré : l'inscription est à refaire", **PROBLEM},
        },
    )
    async def activation_api(body: ActivationIn, uow: UowDep) -> MessageOut:
        """Active le compte du jeton d'activation (usage unique)."""
        await activate(body.token, uow)
        return MessageOut(message=ACTIVATED)

    return api
