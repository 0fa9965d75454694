"""*Habilitation en masse*: the template, the upload and its report."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile, status

from habilitation.adapters import spreadsheet
from habilitation.api.deps import CurrentActor, PortsDep, SettingsDep, Uow
from habilitation.api.schemas import BulkJobOut, job_out
from habilitation.app import bulk
from habilitation.domain.bulk import bad_file

api = APIRouter(prefix="/v1/habilitations-en-masse", tags=["habilitations-en-masse"])


@api.get(
    "/modele.xlsx",
    response_class=Response,
    responses={
        200: {
            "description": "Le classeur modèle",
            "content": {spreadsheet.XLSX: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def template(actor: CurrentActor) -> Response:
    """Le classeur modèle « Habilitation en masse » à compléter."""
    return Response(
        spreadsheet.template_workbook(),
        media_type=spreadsheet.XLSX,
        headers={"Content-Disposition": 'attachment; filename="habilitation-en-masse.xlsx"'},
    )


@api.post("", status_code=status.HTTP_201_CREATED, response_model=BulkJobOut)
async def upload(
    actor: CurrentActor,
    uow: Uow,
    ports: PortsDep,
    settings: SettingsDep,
    fichier: Annotated[UploadFile, File()],
    organisation_id: Annotated[uuid.UUID | None, Form()] = None,
) -> BulkJobOut:
    """Habiliter en masse depuis un classeur .xlsx ou un fichier .csv (le modèle).

    L'opérateur (la CDC, guide 001) indique l'organisme (`organisation_id`, obligatoire
    pour lui) ; un administrateur habilite dans le sien (seul l'administrateur principal
    peut y nommer des administrateurs délégués)."""
    content = await fichier.read(settings.bulk_max_bytes + 1)
    if len(content) > settings.bulk_max_bytes:
        raise bad_file("Le fichier est trop volumineux.", "file_too_large")
    async with uow:
        job = await bulk.import_file(
            uow,
            bulk.Upload(fichier.filename or "fichier", content),
            actor=actor,
            ports=ports,
            read_table=spreadsheet.read_table,
            max_rows=settings.bulk_max_rows,
            organisation_id=organisation_id,
        )
    return job_out(job)


@api.get("/{job_id}", response_model=BulkJobOut)
async def get_job(job_id: uuid.UUID, actor: CurrentActor, uow: Uow) -> BulkJobOut:
    """L'avancement et le compte rendu d'un import."""
    async with uow:
        job = await bulk.get_job(uow, job_id, actor=actor)
    return job_out(job)
