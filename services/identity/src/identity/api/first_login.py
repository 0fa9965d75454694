"""The required actions of a first login: change the temporary password, accept the CGU."""

from typing import Any

from cpf_runtime.deps import UowDep
from cpf_runtime.problems import PROBLEM_JSON, TYPE_BASE, FieldError, invalid
from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from identity.api.schemas import ActionRequiredOut, CguAcceptanceIn, FirstLoginPasswordIn
from identity.app.first_login import accept_cgu, change_temporary_password
from identity.app.login import ActionRequired
from identity.app.services import Services
from identity.store.repository import SqlAccounts

PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}

MESSAGES = {
    "changer_mot_de_passe": "Vous devez changer votre mot de passe provisoire.",
    "accepter_cgu": "Vous devez accepter les conditions générales d'utilisation.",
}
DONE = "C'est fait : connectez-vous avec votre identifiant et votre nouveau mot de passe."


def next_step(found: ActionRequired | None) -> ActionRequiredOut:
    if found is None:
        return ActionRequiredOut(action_requise=None, message=DONE)
    return ActionRequiredOut(
        action_requise=found.action.value,
        action_token=found.action_token,
        expires_in=found.expires_in,
        message=MESSAGES[found.action.value],
    )


def action_required_response(found: ActionRequired) -> JSONResponse:
    """The 403 of ``POST /v1/token`` when the password is right but an action comes first."""
    step = next_step(found)
    body = {
        "type": TYPE_BASE + "action-required",
        "title": "Action requise avant la connexion.",
        "status": 403,
        "detail": step.message,
        **step.model_dump(exclude={"message"}),
    }
    return JSONResponse(
        body, status_code=403, media_type=PROBLEM_JSON, headers={"Cache-Control": "no-store"}
    )


def router(services: Services) -> APIRouter:
    api = APIRouter(tags=["première connexion"])
    refusals: dict[int | str, dict[str, Any]] = {
        401: {"description": "Jeton d'action inconnu, expiré, déjà utilisé", **PROBLEM},
        422: {"description": "Champs invalides (champ et règle nommés)", **PROBLEM},
    }

    @api.post(
        "/v1/mot-de-passe/premiere-connexion", response_model=ActionRequiredOut, responses=refusals
    )
    async def change_password(
        body: FirstLoginPasswordIn, uow: UowDep, response: Response
    ) -> ActionRequiredOut:
        """Remplace le mot de passe provisoire ; répond l'action suivante (accepter_cgu)."""
        async with uow:
            found = await change_temporary_password(
                body.action_token,
                body.ancien,
                body.nouveau,
                body.confirmation,
                accounts=SqlAccounts(uow.session),
                outbox=uow,
                hasher=services.hasher,
                clock=services.clock,
                rules=services.tokens,
            )
        response.headers["Cache-Control"] = "no-store"
        return next_step(found)

    @api.post("/v1/cgu/acceptation", response_model=ActionRequiredOut, responses=refusals)
    async def accept(body: CguAcceptanceIn, uow: UowDep, response: Response) -> ActionRequiredOut:
        """Acceptation des CGU ; ensuite POST /v1/token délivre le jeton d'accès."""
        if not body.cgu_acceptees:
            raise invalid(
                FieldError(
                    "cgu_acceptees",
                    "cgu_required",
                    "Vous devez accepter les conditions générales d'utilisation.",
                )
            )
        async with uow:
            found = await accept_cgu(
                body.action_token,
                services.signup.cgu_version,
                accounts=SqlAccounts(uow.session),
                outbox=uow,
                clock=services.clock,
                rules=services.tokens,
            )
        response.headers["Cache-Control"] = "no-store"
        return next_step(found)

    return api
