"""The required actions of a first login: change the temporary password, accept the CGU."""

from typing import Any

from fastapi import APIRouter, Response

from identity.api.deps import ServicesDep, UowDep
from identity.api.schemas import ActionRequiredOut, CguAcceptanceIn, FirstLoginPasswordIn
from identity.app.first_login import accept_cgu, change_temporary_password
from identity.app.login import ActionRequired

PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Jeton d'action inconnu, expiré, déjà utilisé", **PROBLEM},
    422: {"description": "Champs invalides (champ et règle nommés)", **PROBLEM},
}
MESSAGES = {
    "changer_mot_de_passe": "Vous devez changer votre mot de passe provisoire.",
    "accepter_cgu": "Vous devez accepter les conditions générales d'utilisation.",
}
DONE = "C'est fait : connectez-vous avec votre identifiant et votre nouveau mot de passe."

router = APIRouter(tags=["première connexion"])


def next_step(found: ActionRequired | None) -> ActionRequiredOut:
    if found is None:
        return ActionRequiredOut(action_requise=None, message=DONE)
    return ActionRequiredOut(
        action_requise=found.action.value,
        action_token=found.action_token,
        expires_in=found.expires_in,
        message=MESSAGES[found.action.value],
    )


@router.post(
    "/v1/mot-de-passe/premiere-connexion", response_model=ActionRequiredOut, responses=REFUSALS
)
async def change_password(
    body: FirstLoginPasswordIn, uow: UowDep, services: ServicesDep, response: Response
) -> ActionRequiredOut:
    """Remplace le mot de passe provisoire ; répond l'action suivante (accepter_cgu)."""
    async with uow:
        found = await change_temporary_password(
            uow,
            body.action_token,
            body.ancien,
            body.nouveau,
            body.confirmation,
            hasher=services.hasher,
            clock=services.clock,
            rules=services.tokens,
        )
    response.headers["Cache-Control"] = "no-store"
    return next_step(found)


@router.post("/v1/cgu/acceptation", response_model=ActionRequiredOut, responses=REFUSALS)
async def accept(
    body: CguAcceptanceIn, uow: UowDep, services: ServicesDep, response: Response
) -> ActionRequiredOut:
    """Acceptation des CGU ; ensuite POST /v1/token délivre le jeton d'accès."""
    async with uow:
        found = await accept_cgu(
            uow,
            body.action_token,
            body.cgu_acceptees,
            services.signup.cgu_version,
            clock=services.clock,
            rules=services.tokens,
        )
    response.headers["Cache-Control"] = "no-store"
    return next_step(found)
