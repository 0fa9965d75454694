"""Sign-up of a titulaire."""

from typing import Any

from fastapi import APIRouter

from identity.api.antirobot import proof_of
from identity.api.deps import ServicesDep, UowDep
from identity.api.schemas import MessageOut, TitulaireSignupIn
from identity.app.signup import SIGNUP_ACCEPTED, sign_up_titulaire
from identity.domain.signup import TitulaireSignup

PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}

router = APIRouter(tags=["titulaires"])


@router.post(
    "/v1/titulaires",
    status_code=202,
    response_model=MessageOut,
    responses={422: {"description": "Champs invalides (champ et règle nommés)", **PROBLEM}},
)
async def sign_up(body: TitulaireSignupIn, uow: UowDep, services: ServicesDep) -> MessageOut:
    """Inscription d'un titulaire ; même réponse que le compte existe ou non (e-mail envoyé)."""
    async with uow:
        await sign_up_titulaire(
            uow,
            TitulaireSignup(**body.model_dump(exclude={"anti_robot"})),
            proof_of(body.anti_robot),
            anti_robot=services.anti_robot,
            hasher=services.hasher,
            sealer=services.sealer,
            clock=services.clock,
            rules=services.signup,
            notices=services.notices,
        )
    return MessageOut(message=SIGNUP_ACCEPTED)
