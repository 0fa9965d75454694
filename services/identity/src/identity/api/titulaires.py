"""Sign-up of a titulaire."""

from typing import Any

from cpf_runtime.deps import UowDep
from fastapi import APIRouter

from identity.api import antirobot
from identity.api.schemas import MessageOut, TitulaireSignupIn
from identity.app.errors import invalid_input
from identity.app.services import Services
from identity.app.signup import SIGNUP_ACCEPTED, sign_up_titulaire
from identity.domain.rules import InvalidInput
from identity.domain.signup import TitulaireSignup, validate_titulaire_signup
from identity.store.repository import SqlAccounts, SqlUsedChallenges

PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}


def router(services: Services) -> APIRouter:
    api = APIRouter(tags=["titulaires"])

    @api.post(
        "/v1/titulaires",
        status_code=202,
        response_model=MessageOut,
        responses={422: {"description": "Champs invalides (champ et règle nommés)", **PROBLEM}},
    )
    async def sign_up(body: TitulaireSignupIn, uow: UowDep) -> MessageOut:
        """Inscription d'un titulaire ; même réponse que le compte existe ou non (e-mail envoyé)."""
        form = TitulaireSignup(**body.model_dump(exclude={"anti_robot"}))
        try:  # the form's own rules first: they need no proof and read nothing
            validate_titulaire_signup(form, services.signup.policy)
        except InvalidInput as exc:
            raise invalid_input(exc) from exc
        async with uow:
            await antirobot.check(services, body.anti_robot, SqlUsedChallenges(uow.session))
            await sign_up_titulaire(
                form,
                accounts=SqlAccounts(uow.session),
                outbox=uow,
                hasher=services.hasher,
                sealer=services.sealer,
                clock=services.clock,
                rules=services.signup,
            )
        return MessageOut(message=SIGNUP_ACCEPTED)

    return api
