"""The operator's back office (``/v1/operateur``): CPF credits as the yearly feed brings them."""

from fastapi import APIRouter, status

from account_cpf.api.deps import CurrentOperateur, UowDep
from account_cpf.api.schemas import CreditIn, CreditOut
from account_cpf.app.hours import credit_hours

router = APIRouter(prefix="/v1/operateur", tags=["operateur"])


@router.post("/credits", response_model=CreditOut, status_code=status.HTTP_201_CREATED)
async def post_credit(body: CreditIn, _: CurrentOperateur, uow: UowDep) -> CreditOut:
    """Créditer des heures CPF sur le compte d'un titulaire (par son NIR)."""
    async with uow:
        m = await credit_hours(uow, body.nir, body.heures, body.origine)
    return CreditOut(titulaire_id=m.titulaire_id, heures=m.heures, origine=m.origine, date=m.date)
