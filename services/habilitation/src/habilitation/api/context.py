"""What the routers are given by the composition root (``main.build``)."""

from __future__ import annotations

from dataclasses import dataclass

from cpf_runtime.auth import Principal

from habilitation.app.common import Actor, Clock, Draw
from habilitation.register.ports import CompanyRegister


@dataclass(frozen=True)
class Context:
    register: CompanyRegister
    clock: Clock
    draw: Draw
    bulk_max_rows: int
    bulk_max_bytes: int


def actor_of(principal: Principal) -> Actor:
    return Actor(account_id=principal.account_id, kind=principal.kind)
