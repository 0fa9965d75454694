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
# Guide 000's screens, word for word where it shows them (both kinds with a temporary
# password, gestionnaire and operateur, have the gestionnaire policy the sentence states).
FIRST_LOGIN = (
    "Il s'agit de votre première connexion : vous devez changer immédiatement votre mot de "
    "passe. Pour être accepté, votre mot de passe doit impérativement compter 5 lettres "
    "(composées de majuscules et de minuscules) et 3 chiffres."
)
PASSWORD_UPDATED = (
    "Votre mot de passe a bien été mis à jour. Vous pouvez désormais vous identifier avec."  # noqa: E501, S105  (a message)
)
CGU_TOO = (
    "Lors de la première connexion, vous devez également valider les conditions générales "
    "d'utilisation."
)
MESSAGES = {"changer_mot_de_passe": FIRST_LOGIN, "accepter_cgu": CGU_TOO}
DONE = "Vous pouvez désormais vous identifier avec votre identifiant et votre mot de passe."

router = APIRouter(tags=["première connexion"])


def next_step(found: ActionRequired | None, *, password_changed: bool = False) -> ActionRequiredOut:
    """The next required action and its message; right after the temporary password was
    replaced, the message first says so (guide 000)."""
    done = PASSWORD_UPDATED if password_changed else DONE
    if found is None:
        return ActionRequiredOut(action_requise=None, message=done)
    message = MESSAGES[found.action.value]
    return ActionRequiredOut(
        action_requise=found.action.value,
        action_token=found.action_token,
        expires_in=found.expires_in,
        message=f"{PASSWORD_UPDATED} {message}" if password_changed else message,
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
    return next_step(found, password_changed=True)


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
