"""The anti-robot check of the self sign-ups, behind a port (``AntiRobot``); the methods
(proof of work, remote captcha) are adapters (``adapters/antirobot.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from cpf_runtime.clock import Clock

from identity.app.ports import Uow, UsedChallenges
from identity.domain.errors import InvalidInput, NoChallenge
from identity.domain.rules import FieldError

FAILED = (
    "La vérification anti-robot a échoué ou a expiré : demandez un nouveau défi et recommencez."
)


@dataclass(frozen=True)
class Proof:
    defi: str | None = None
    solution: str | None = None
    jeton: str | None = None


class AntiRobot(Protocol):
    def challenge(self) -> dict[str, Any] | None:
        """A challenge for the client, or ``None`` when the method needs none."""
        ...

    async def verify(self, proof: Proof, used: UsedChallenges) -> bool: ...


def issue_challenge(anti_robot: AntiRobot) -> dict[str, Any]:
    """A challenge to solve before signing up; ``NoChallenge`` when the method has none."""
    issued = anti_robot.challenge()
    if issued is None:
        raise NoChallenge()
    return issued


async def require_proof(anti_robot: AntiRobot, proof: Proof, used: UsedChallenges) -> None:
    """Refuse unless the proof holds. Its single use is recorded in the unit of work: a
    sign-up refused for another reason rolls it back, and the proof can serve again."""
    if not await anti_robot.verify(proof, used):
        raise InvalidInput(errors=[FieldError("anti_robot", "anti_robot_failed", FAILED)])


async def forget_used_challenges(uow: Uow, *, clock: Clock) -> None:
    """The used challenges that have expired need no remembering: they fail anyway."""
    await uow.used_challenges.forget_expired(clock())
