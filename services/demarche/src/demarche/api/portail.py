"""The portal user adds a démarche with the SIRET and the code of the letter."""

from __future__ import annotations

from fastapi import APIRouter

from demarche.api.deps import PortailUser, PortsDep, UowDep
from demarche.api.schemas import ActivationIn, ActivationOut
from demarche.app.redemption import redeem_code

router = APIRouter(prefix="/v1/portail/demarches", tags=["portail"])


@router.post("/{demarche}/activation", response_model=ActivationOut)
async def activate(
    demarche: str, body: ActivationIn, user: PortailUser, uow: UowDep, ports: PortsDep
) -> ActivationOut:
    """« Valider mon accès » : devenir gestionnaire de la démarche pour ce SIRET."""
    async with uow:
        redeemed = await redeem_code(
            uow,
            ports,
            account_id=user.account_id,
            demarche=demarche,
            siret=body.siret,
            code=body.code_activation,
        )
    return ActivationOut(demarche=redeemed.demarche, siret=redeemed.siret, role=redeemed.role)
