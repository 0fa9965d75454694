"""Activation codes, for the agents of a démarche's authority (``operateur`` accounts
granted by ``python -m demarche authority-grant``)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from demarche.api.deps import CurrentActor, PortsDep, UowDep
from demarche.api.schemas import CodeIn, CodeOut, LettreIn, ReissueIn
from demarche.app import codes
from demarche.domain.codes import Destinataire

router = APIRouter(prefix="/v1/demarches/{demarche}/codes", tags=["codes d'activation"])


def _out(issued: codes.IssuedCode) -> CodeOut:
    code = issued.code
    return CodeOut(
        id=code.code_id,
        demarche=code.demarche,
        siret=code.siret,
        code_activation=issued.clear,
        issued_at=code.issued_at,
        replaces_code_id=code.replaces_code_id,
    )


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CodeOut)
async def issue_code(
    demarche: str, body: CodeIn, actor: CurrentActor, uow: UowDep, ports: PortsDep
) -> CodeOut:
    """Émettre le code d'activation d'un SIRET (montré une seule fois)."""
    destinataire = Destinataire(**body.model_dump(exclude={"siret"}))
    async with uow:
        issued = await codes.issue_code(
            uow, ports, actor, demarche=demarche, siret=body.siret, destinataire=destinataire
        )
    return _out(issued)


@router.post("/{siret}/reissue", status_code=status.HTTP_201_CREATED, response_model=CodeOut)
async def reissue_code(
    demarche: str,
    siret: str,
    actor: CurrentActor,
    uow: UowDep,
    ports: PortsDep,
    body: ReissueIn | None = None,
) -> CodeOut:
    """Réémettre un code perdu : l'ancien est refusé aussitôt."""
    given = body.destinataire if body is not None else None
    destinataire = None if given is None else Destinataire(**given.model_dump())
    async with uow:
        issued = await codes.reissue_code(
            uow, ports, actor, demarche=demarche, siret=siret, destinataire=destinataire
        )
    return _out(issued)


@router.post(
    "/{code_id}/lettre",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "Le courrier (PDF)."}},
)
async def letter(
    demarche: str,
    code_id: uuid.UUID,
    body: LettreIn,
    actor: CurrentActor,
    uow: UowDep,
    ports: PortsDep,
) -> Response:
    """Le courrier du code qui vient d'être émis (PDF), tant que ce code est valable."""
    async with uow:
        pdf = await codes.make_letter(
            uow, ports, actor, demarche=demarche, code_id=code_id, code=body.code
        )
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="code-activation-{code_id}.pdf"',
            # The document holds a code in clear: no cache keeps it.
            "Cache-Control": "no-store",
        },
    )
