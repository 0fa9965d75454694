"""The caller's own profile (access token): password, e-mail, phone, history."""

from typing import Any

from cpf_runtime.db import UnitOfWork
from cpf_runtime.deps import CurrentPrincipal, UowDep
from cpf_runtime.problems import Problem
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from identity.api import pages
from identity.api.activation import FORM_BODY, _form_token
from identity.api.client import client_address
from identity.api.schemas import (
    ActivationIn,
    EmailChangeIn,
    HistoryEntryOut,
    HistoryOut,
    MessageOut,
    PasswordChangeIn,
    PhoneIn,
)
from identity.app.profile import (
    change_password,
    change_phone,
    confirm_email_change,
    own_history,
    request_email_change,
)
from identity.app.services import Services
from identity.store.repository import SqlAccounts, SqlHistory

EMAIL_SENT = (
    "Un e-mail contenant un lien de confirmation a été envoyé à la nouvelle adresse : "
    "elle remplacera l'actuelle quand vous aurez suivi ce lien."
)
EMAIL_CHANGED = "Votre adresse électronique a été modifiée."
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Jeton d'accès absent ou invalide", **PROBLEM},
    422: {"description": "Champs invalides (champ et règle nommés)", **PROBLEM},
}


def router(services: Services) -> APIRouter:
    api = APIRouter(tags=["mon compte"])

    @api.post("/v1/moi/mot-de-passe", response_model=MessageOut, responses=REFUSALS)
    async def password(
        body: PasswordChangeIn, principal: CurrentPrincipal, uow: UowDep, request: Request
    ) -> MessageOut:
        """Changer mon mot de passe : ancien, nouveau, confirmation (règle de mon espace)."""
        async with uow:
            await change_password(
                principal.account_id,
                body.ancien,
                body.nouveau,
                body.confirmation,
                client_address(request, services.trusted_proxies),
                accounts=SqlAccounts(uow.session),
                outbox=uow,
                hasher=services.hasher,
                history=SqlHistory(uow.session),
                clock=services.clock,
            )
        return MessageOut(message="Votre mot de passe a été modifié.")

    @api.put("/v1/moi/telephone", response_model=MessageOut, responses=REFUSALS)
    async def phone(body: PhoneIn, principal: CurrentPrincipal, uow: UowDep) -> MessageOut:
        """Changer mon numéro de téléphone (chiffres uniquement)."""
        async with uow:
            await change_phone(
                principal.account_id,
                body.telephone_fixe,
                body.telephone_mobile,
                accounts=SqlAccounts(uow.session),
                outbox=uow,
                clock=services.clock,
            )
        return MessageOut(message="Votre numéro de téléphone a été modifié.")

    @api.post("/v1/moi/email", status_code=202, response_model=MessageOut, responses=REFUSALS)
    async def email(body: EmailChangeIn, principal: CurrentPrincipal, uow: UowDep) -> MessageOut:
        """Changer mon adresse : un lien de confirmation est envoyé à la nouvelle adresse."""
        async with uow:
            await request_email_change(
                principal.account_id,
                body.email,
                body.email_confirmation,
                accounts=SqlAccounts(uow.session),
                outbox=uow,
                sealer=services.sealer,
                clock=services.clock,
                public_url=services.reset.public_url,
            )
        return MessageOut(message=EMAIL_SENT)

    async def confirm(token: str, request: Request, uow: UnitOfWork) -> None:
        async with uow:
            await confirm_email_change(
                token,
                client_address(request, services.trusted_proxies),
                accounts=SqlAccounts(uow.session),
                outbox=uow,
                history=SqlHistory(uow.session),
                clock=services.clock,
            )

    @api.get("/adresse/confirmation", response_class=HTMLResponse)
    async def email_page(token: str = "") -> HTMLResponse:
        """Page du lien de confirmation : un bouton confirme (un GET ne change rien)."""
        if not token:
            return pages.activation_refused(
                "Lien incomplet", "Ce lien est incomplet : copiez le lien entier reçu.", 400
            )
        return pages.confirm_form(token)

    @api.post(
        "/adresse/confirmation",
        response_class=HTMLResponse,
        openapi_extra={"requestBody": FORM_BODY},
    )
    async def email_form(request: Request, uow: UowDep) -> HTMLResponse:
        """Confirmation depuis la page du lien (formulaire) ; répond par une page HTML."""
        try:
            await confirm(await _form_token(request), request, uow)
        except Problem as problem:
            return pages.activation_refused(problem.title, problem.detail, problem.status)
        return pages.page("Adresse modifiée", f"<p>{EMAIL_CHANGED}</p>")

    @api.post(
        "/v1/moi/email/confirmation",
        response_model=MessageOut,
        responses={
            404: {"description": "Lien inconnu", **PROBLEM},
            409: {"description": "Adresse prise entre-temps", **PROBLEM},
            410: {"description": "Lien expiré ou déjà utilisé", **PROBLEM},
        },
    )
    async def email_confirm(body: ActivationIn, request: Request, uow: UowDep) -> MessageOut:
        """Confirme la nouvelle adresse avec le jeton du lien (usage unique)."""
        await confirm(body.token, request, uow)
        return MessageOut(message=EMAIL_CHANGED)

    @api.get("/v1/moi/historique", response_model=HistoryOut, responses=REFUSALS)
    async def history(principal: CurrentPrincipal, uow: UowDep, response: Response) -> HistoryOut:
        """Consulter mon historique : connexions, échecs, changements (100 derniers)."""
        async with uow:
            entries = await own_history(
                principal.account_id,
                accounts=SqlAccounts(uow.session),
                history=SqlHistory(uow.session),
            )
        response.headers["Cache-Control"] = "no-store"
        return HistoryOut(
            entrees=[
                HistoryEntryOut(evenement=e.what, date=e.at, adresse_ip=e.client_address)
                for e in entries
            ]
        )

    return api
