"""Sign-up of a portal user, and the SIRET look-up that pre-fills it."""

from typing import Any

from cpf_runtime.deps import UowDep
from fastapi import APIRouter

from identity.api import antirobot
from identity.api.schemas import EntrepriseOut, MessageOut, PortailSignupIn
from identity.app.errors import invalid_input
from identity.app.portail import look_up_company, sign_up_portail
from identity.app.services import Services
from identity.app.signup import SIGNUP_ACCEPTED
from identity.domain.portail import PortailSignup, validate_portail_signup
from identity.domain.rules import InvalidInput
from identity.store.repository import SqlAccounts, SqlCompanies, SqlUsedChallenges

PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}


def router(services: Services) -> APIRouter:
    api = APIRouter(tags=["portail"])

    @api.get(
        "/v1/portail/entreprises/{siret}",
        response_model=EntrepriseOut,
        responses={
            404: {"description": "SIRET inconnu du répertoire", **PROBLEM},
            422: {"description": "SIRET mal formé", **PROBLEM},
            502: {"description": "Réponse invalide du répertoire", **PROBLEM},
            503: {"description": "Répertoire indisponible", **PROBLEM},
        },
    )
    async def entreprise(siret: str) -> EntrepriseOut:
        """Les informations de l'entreprise d'un SIRET, pour pré-remplir l'inscription."""
        company = await look_up_company(siret, register=services.company_register)
        return EntrepriseOut(**company.__dict__)

    @api.post(
        "/v1/portail/inscriptions",
        status_code=202,
        response_model=MessageOut,
        responses={422: {"description": "Champs invalides (champ et règle nommés)", **PROBLEM}},
    )
    async def sign_up(body: PortailSignupIn, uow: UowDep) -> MessageOut:
        """Inscription au portail ; même réponse que le compte existe ou non (e-mail envoyé)."""
        form = PortailSignup(**body.model_dump(exclude={"anti_robot"}))
        try:
            validate_portail_signup(form, services.portail_signup.policy)
        except InvalidInput as exc:
            raise invalid_input(exc) from exc
        async with uow:
            await antirobot.check(services, body.anti_robot, SqlUsedChallenges(uow.session))
            await sign_up_portail(
                form,
                accounts=SqlAccounts(uow.session),
                companies=SqlCompanies(uow.session),
                outbox=uow,
                hasher=services.hasher,
                sealer=services.sealer,
                clock=services.clock,
                rules=services.portail_signup,
            )
        return MessageOut(message=SIGNUP_ACCEPTED)

    return api
