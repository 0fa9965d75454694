"""Forgotten password: the request, the page behind the e-mail's link, and the reset."""

from typing import Any
from urllib.parse import parse_qs

from cpf_runtime.db import UnitOfWork
from cpf_runtime.deps import UowDep
from cpf_runtime.problems import Problem
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from identity.api import pages
from identity.api.client import client_address
from identity.api.schemas import MessageOut, ResetIn, ResetRequestIn
from identity.app.reset import RESET_ACCEPTED, RESET_DONE, request_reset, reset_password
from identity.app.services import Services
from identity.domain.account import AccountKind
from identity.store.repository import SqlAccounts, SqlHistory, SqlRefreshTokens

MAX_FORM_BYTES = 8192
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
FORM_BODY = {
    "required": True,
    "content": {
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "properties": {
                    "token": {"type": "string"},
                    "nouveau": {"type": "string"},
                    "confirmation": {"type": "string"},
                },
                "required": ["token", "nouveau", "confirmation"],
            }
        }
    },
}


async def _form(request: Request) -> dict[str, str]:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            return {}
    fields = parse_qs(body.decode("utf-8", errors="replace"), max_num_fields=10)
    return {k: v[0] for k, v in fields.items()}


def router(services: Services) -> APIRouter:
    api = APIRouter(tags=["mot de passe oublié"])

    async def reset(
        token: str, nouveau: str, confirmation: str, uow: UnitOfWork, request: Request
    ) -> None:
        async with uow:
            await reset_password(
                token,
                nouveau,
                confirmation,
                accounts=SqlAccounts(uow.session),
                outbox=uow,
                hasher=services.hasher,
                clock=services.clock,
                refresh=SqlRefreshTokens(uow.session),
                history=SqlHistory(uow.session),
                client_address=client_address(request, services.trusted_proxies),
            )

    @api.post("/v1/mot-de-passe/oubli", status_code=202, response_model=MessageOut)
    async def forgotten(body: ResetRequestIn, uow: UowDep) -> MessageOut:
        """Demande de lien de réinitialisation ; même réponse que le compte existe ou non."""
        async with uow:
            await request_reset(
                AccountKind(body.type_compte),
                body.identifiant,
                accounts=SqlAccounts(uow.session),
                outbox=uow,
                sealer=services.sealer,
                clock=services.clock,
                rules=services.reset,
            )
        return MessageOut(message=RESET_ACCEPTED)

    @api.get("/mot-de-passe/reinitialisation", response_class=HTMLResponse)
    async def reset_page(token: str = "") -> HTMLResponse:
        """Page du lien reçu par e-mail : un formulaire (un GET ne change rien)."""
        if not token:
            return pages.activation_refused(
                "Lien incomplet", "Ce lien est incomplet : copiez le lien entier reçu.", 400
            )
        return pages.reset_form(token)

    @api.post(
        "/mot-de-passe/reinitialisation",
        response_class=HTMLResponse,
        openapi_extra={"requestBody": FORM_BODY},
    )
    async def reset_form(request: Request, uow: UowDep) -> HTMLResponse:
        """Réinitialisation depuis la page du lien (formulaire) ; répond par une page HTML."""
        form = await _form(request)
        token = form.get("token", "")
        try:
            await reset(token, form.get("nouveau", ""), form.get("confirmation", ""), uow, request)
        except Problem as problem:
            if problem.status == 422:
                return pages.reset_form(token, [e.message for e in problem.errors], 422)
            return pages.activation_refused(problem.title, problem.detail, problem.status)
        return pages.page("Mot de passe modifié", f"<p>{RESET_DONE}</p>")

    @api.post(
        "/v1/mot-de-passe/reinitialisation",
        response_model=MessageOut,
        responses={
            404: {"description": "Lien inconnu", **PROBLEM},
            410: {"description": "Lien expiré ou déjà utilisé", **PROBLEM},
            422: {"description": "Champs invalides (champ et règle nommés)", **PROBLEM},
        },
    )
    async def reset_api(body: ResetIn, uow: UowDep, request: Request) -> MessageOut:
        """Choisit le nouveau mot de passe avec le jeton du lien (usage unique)."""
        await reset(body.token, body.nouveau, body.confirmation, uow, request)
        return MessageOut(message=RESET_DONE)

    return api
