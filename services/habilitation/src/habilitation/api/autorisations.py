"""The authorization check a démarche's own application calls, with the user's bearer
token forwarded: what the user may do for a SIRET (roles held directly or through a
delegation, end dates applied at the moment of the request)."""

from __future__ import annotations

from fastapi import APIRouter

from habilitation.api.demarche_deps import RulesDep
from habilitation.api.demarche_schemas import AutorisationOut, ViaOut
from habilitation.api.deps import CurrentActor, Reader
from habilitation.app.demarches.rights import authorization

api = APIRouter(prefix="/v1/autorisations", tags=["autorisations"])


@api.get("/{demarche}/{siret}", response_model=AutorisationOut)
async def autorisation(
    demarche: str, siret: str, actor: CurrentActor, uow: Reader, rules: RulesDep
) -> AutorisationOut:
    """Ce que l'utilisateur du jeton peut faire pour ce SIRET dans cette démarche : ses
    rôles, en propre ou par une délégation acceptée, non révoquée et dont la date de fin
    n'est pas passée (comparée à l'horloge à chaque appel). Un jeton d'un autre type que
    ``portail`` n'a aucun rôle. Répondu depuis les tables d'habilitation, en une requête
    indexée, sans appel distant."""
    # A reader: the one query outside a transaction, one round trip (no BEGIN, no COMMIT).
    async with uow:
        found = await authorization(uow, demarche, siret, actor=actor, clock=rules.clock)
    return AutorisationOut(
        autorise=found.autorise,
        roles=found.roles,
        via=[
            ViaOut(
                role=v.role,
                delegation=v.delegation,
                pour_siret=v.pour_siret,
                fin=v.fin,
                tiers_siret=v.tiers_siret,
            )
            for v in found.via
        ],
    )
