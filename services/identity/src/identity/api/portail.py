"""Sign-up of a portal user, and the SIRET look-up that pre-fills it."""

from typing import Any

from fastapi import APIRouter

from identity.api.antirobot import proof_of
from identity.api.deps import ServicesDep, UowDep
from identity.api.schemas import EntrepriseOut, MessageOut, PortailSignupIn
from identity.app.portail import look_up_company, sign_up_portail
from identity.app.signup import SIGNUP_ACCEPTED
from identity.domain.portail import PortailSignup

PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}

router = APIRouter(tags=["portail"])


@router.get(
    "/v1/portail/entreprises/{siret}",
    response_model=EntrepriseOut,
    responses={
        404: {"description": "SIRET inconnu du répertoire", **PROBLEM},
        422: {"description": "SIRET mal formé", **PROBLEM},
        502: {"description": "Réponse invalide du répertoire", **PROBLEM},
        503: {"description": "Répertoire indisponible", **PROBLEM},
    },
)
async def entreprise(siret: str, services: ServicesDep) -> EntrepriseOut:
    """Les informations de l'entreprise d'un SIRET, pour pré-remplir l'inscription."""
    company = await look_up_company(siret, register=services.company_register)
    return EntrepriseOut(**company.__dict__)


@router.post(
    "/v1/portail/inscriptions",
    status_code=202,
    response_model=MessageOut,
    responses={422: {"description": "Champs invalides (champ et règle nommés)", **PROBLEM}},
)
async def sign_up(body: PortailSignupIn, uow: UowDep, services: ServicesDep) -> MessageOut:
    """Inscription au portail ; même réponse que le compte existe ou non (e-mail envoyé)."""
    async with uow:
        await sign_up_portail(
            uow,
            PortailSignup(**body.model_dump(exclude={"anti_robot"})),
            proof_of(body.anti_robot),
            anti_robot=services.anti_robot,
            hasher=services.hasher,
            sealer=services.sealer,
            clock=services.clock,
            rules=services.portail_signup,
            notices=services.notices,
        )
    return MessageOut(message=SIGNUP_ACCEPTED)
