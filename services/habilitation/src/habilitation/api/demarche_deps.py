"""The dependencies of the démarches' routes: the rules' settings and ports."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from cpf_runtime.deps import on_loop
from fastapi import Depends

from habilitation.api.deps import PortsDep, SettingsDep
from habilitation.app.demarches.common import DemarcheRules


def get_rules(settings: SettingsDep, ports: PortsDep) -> DemarcheRules:
    return DemarcheRules(
        portal_url=settings.portal_url,
        invitation_validity=timedelta(days=settings.invitation_days),
        clock=ports.clock,
        register=ports.register,
    )


RulesDep = Annotated[DemarcheRules, Depends(on_loop(get_rules))]  # no thread hop
