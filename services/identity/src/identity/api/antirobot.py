"""The anti-robot challenge of the self sign-ups (proof of work)."""

from typing import Any

from cpf_runtime.problems import FieldError, Problem, invalid
from fastapi import APIRouter, Response

from identity.api.schemas import AntiRobotIn
from identity.app.antirobot import Proof, UsedChallenges
from identity.app.services import Services

FAILED = (
    "La vérification anti-robot a échoué ou a expiré : demandez un nouveau défi et recommencez."
)


def anti_robot_failed() -> Problem:
    return invalid(FieldError("anti_robot", "anti_robot_failed", FAILED))


async def check(services: Services, proof: AntiRobotIn, used: UsedChallenges) -> None:
    """Raise the 422 unless the proof holds (its single use is recorded in the unit of work:
    a sign-up refused for another reason rolls it back, and the proof can serve again)."""
    if not await services.anti_robot.verify(Proof(**proof.model_dump()), used):
        raise anti_robot_failed()


def router(services: Services) -> APIRouter:
    api = APIRouter(tags=["anti-robot"])

    @api.get("/v1/anti-robot/defi")
    async def challenge(response: Response) -> dict[str, Any]:
        """Un défi de preuve de travail : trouver `solution` telle que sha256(defi + solution)
        commence par `difficulte` bits à zéro ; à joindre à l'inscription (usage unique)."""
        response.headers["Cache-Control"] = "no-store"
        issued = services.anti_robot.challenge()
        if issued is None:
            raise Problem(
                404,
                "Pas de défi.",
                "La vérification anti-robot de ce service se fait par un jeton de captcha.",
                code="no-challenge",
            )
        return issued

    return api
