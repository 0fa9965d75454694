"""The anti-robot challenge of the self sign-ups (proof of work)."""

from typing import Any

from fastapi import APIRouter, Response

from identity.api.deps import ServicesDep
from identity.api.schemas import AntiRobotIn
from identity.app.antirobot import Proof, issue_challenge

router = APIRouter(tags=["anti-robot"])


def proof_of(body: AntiRobotIn) -> Proof:
    return Proof(**body.model_dump())


@router.get("/v1/anti-robot/defi")
async def challenge(response: Response, services: ServicesDep) -> dict[str, Any]:
    """Un défi de preuve de travail : trouver `solution` telle que sha256(defi + solution)
    commence par `difficulte` bits à zéro ; à joindre à l'inscription (usage unique)."""
    response.headers["Cache-Control"] = "no-store"
    return issue_challenge(services.anti_robot)
