"""The HTTP API of the CPF employer space: back-office, company register, administration
of people, the caller's own rights, bulk import and the audit history."""

from __future__ import annotations

import math
import uuid
from typing import Annotated, Literal

from cpf_runtime.deps import CurrentPrincipal, UowDep
from fastapi import APIRouter, File, Query, Response, UploadFile, status

from habilitation.api.context import Context, actor_of
from habilitation.api.schemas import (
    AuditOut,
    BulkJobOut,
    EntrepriseOut,
    GestionnaireIn,
    GestionnaireOut,
    GestionnairePage,
    GestionnairePatch,
    GestionnaireRow,
    MessageOut,
    MyRightsOut,
    OrganisationCreatedOut,
    OrganisationIn,
    OrganisationOut,
    OrganisationPage,
    PersonRef,
    UniteIn,
    UniteOut,
)
from habilitation.app import bulk, gestionnaires, organisations
from habilitation.app.common import forbidden, require_member
from habilitation.store.tables import AuditEntry, BulkJob, Gestionnaire, Organisation, Unite


def _organisation(row: Organisation) -> OrganisationOut:
    return OrganisationOut(
        id=row.id,
        siret=row.siret,
        raison_sociale=row.raison_sociale,
        kind=row.kind,
        created_at=row.created_at,
    )


def _unite(row: Unite | None) -> UniteOut | None:
    return UniteOut(id=row.id, nom=row.nom) if row is not None else None


def _gestionnaire(row: Gestionnaire, unite: Unite | None) -> GestionnaireOut:
    return GestionnaireOut(
        account_id=row.account_id,
        identifiant=row.identifiant,
        organisation_id=row.organisation_id,
        civilite=row.civilite,
        prenom=row.prenom,
        nom=row.nom,
        email=row.email,
        telephone=row.telephone,
        fonction=row.fonction,
        unite=_unite(unite),
        role=row.role,
        administrateur_delegue=row.role == "administrateur_delegue",
        profile=row.profile,
        created_at=row.created_at,
    )


def _audit(rows: list[AuditEntry]) -> list[AuditOut]:
    return [
        AuditOut(
            id=r.id,
            occurred_at=r.occurred_at,
            actor_id=r.actor_id,
            actor_kind=r.actor_kind,
            action=r.action,
            organisation_id=r.organisation_id,
            subject_id=r.subject_id,
            before=r.before,
            after=r.after,
        )
        for r in rows
    ]


def _job(job: BulkJob) -> BulkJobOut:
    return BulkJobOut.model_validate(job, from_attributes=True)


def make_router(ctx: Context) -> APIRouter:
    router = APIRouter(prefix="/v1")

    # --- back-office ---

    @router.post(
        "/organisations",
        status_code=status.HTTP_201_CREATED,
        response_model=OrganisationCreatedOut,
        tags=["back-office"],
    )
    async def create_organisation(
        body: OrganisationIn, principal: CurrentPrincipal, uow: UowDep
    ) -> OrganisationCreatedOut:
        """Inscrire un organisme (un SIRET) et son administrateur principal (opérateur)."""
        admin = body.administrateur
        form = organisations.NewOrganisation(
            siret=body.siret.strip(),
            raison_sociale=body.raison_sociale,
            kind=body.kind,
            civilite=admin.civilite,
            prenom=admin.prenom,
            nom=admin.nom,
            email=admin.email,
            email_confirmation=admin.email_confirmation,
            telephone=admin.telephone,
            fonction=admin.fonction,
        )
        async with uow:
            created = await organisations.create_organisation(
                uow,
                form,
                actor=actor_of(principal),
                register=ctx.register,
                clock=ctx.clock,
                draw=ctx.draw,
            )
        return OrganisationCreatedOut(
            **_organisation(created.organisation).model_dump(),
            administrateur=PersonRef(
                account_id=created.principal.account_id,
                identifiant=created.principal.identifiant,
            ),
        )

    @router.get("/organisations", response_model=OrganisationPage, tags=["back-office"])
    async def list_organisations(
        principal: CurrentPrincipal,
        uow: UowDep,
        siret: Annotated[str | None, Query(max_length=14, description="SIRET ou SIREN")] = None,
        page: Annotated[int, Query(ge=1)] = 1,
        taille: Annotated[int, Query(ge=1, le=100)] = 10,
    ) -> OrganisationPage:
        """Les organismes inscrits, les plus récents d'abord (opérateur)."""
        async with uow:
            total, rows = await organisations.list_organisations(
                uow, actor=actor_of(principal), siret=siret, page=page, taille=taille
            )
        return OrganisationPage(
            total=total, page=page, taille=taille, resultats=[_organisation(r) for r in rows]
        )

    @router.get(
        "/organisations/{organisation_id}", response_model=OrganisationOut, tags=["back-office"]
    )
    async def get_organisation(
        organisation_id: uuid.UUID, principal: CurrentPrincipal, uow: UowDep
    ) -> OrganisationOut:
        """Un organisme (l'opérateur, ou les personnes habilitées dans cet organisme)."""
        actor = actor_of(principal)
        async with uow:
            if actor.kind != "operateur":
                member = await require_member(uow.session, actor)
                if member.organisation_id != organisation_id:
                    raise forbidden("Cet organisme n'est pas le vôtre.")
            row = await organisations.get_organisation(uow, organisation_id)
        return _organisation(row)

    @router.get(
        "/organisations/{organisation_id}/historique",
        response_model=list[AuditOut],
        tags=["historique"],
    )
    async def organisation_history(
        organisation_id: uuid.UUID, principal: CurrentPrincipal, uow: UowDep
    ) -> list[AuditOut]:
        """L'historique des habilitations d'un organisme (ses administrateurs ; l'opérateur)."""
        async with uow:
            rows = await gestionnaires.organisation_history(
                uow, organisation_id, actor=actor_of(principal)
            )
        return _audit(rows)

    # --- company register ---

    @router.get("/entreprises/{siret}", response_model=EntrepriseOut, tags=["entreprises"])
    async def lookup_entreprise(siret: str, principal: CurrentPrincipal) -> EntrepriseOut:
        """Raison sociale, adresse et commune d'un établissement, d'après son SIRET."""
        found = await organisations.lookup_entreprise(ctx.register, siret.strip())
        return EntrepriseOut(**found.__dict__)

    # --- the caller ---

    @router.get("/moi/habilitations", response_model=MyRightsOut, tags=["habilitations"])
    async def my_habilitations(principal: CurrentPrincipal, uow: UowDep) -> MyRightsOut:
        """Mon organisme, mon rôle, mon profil, mon unité et les actions qui me sont permises."""
        async with uow:
            rights = await gestionnaires.my_habilitations(uow, actor=actor_of(principal))
        return MyRightsOut(
            account_id=rights.member.account_id,
            identifiant=rights.member.identifiant,
            organisation=_organisation(rights.organisation),
            role=rights.member.role,
            profile=rights.profile,
            unite=_unite(rights.unite),
            actions=rights.actions,
        )

    # --- unité de gestion ---

    @router.post(
        "/unites", status_code=status.HTTP_201_CREATED, response_model=UniteOut, tags=["unites"]
    )
    async def create_unite(body: UniteIn, principal: CurrentPrincipal, uow: UowDep) -> UniteOut:
        """Créer l'unité de gestion de mon organisme (une seule par organisme)."""
        async with uow:
            unite = await gestionnaires.create_unite(
                uow, actor=actor_of(principal), nom=body.nom, clock=ctx.clock
            )
        return UniteOut(id=unite.id, nom=unite.nom)

    @router.get("/unites", response_model=list[UniteOut], tags=["unites"])
    async def list_unites(principal: CurrentPrincipal, uow: UowDep) -> list[UniteOut]:
        """L'unité de gestion de mon organisme (liste vide tant qu'elle n'est pas créée)."""
        async with uow:
            member = await require_member(uow.session, actor_of(principal))
            unite = await gestionnaires.unite_of(uow, member.organisation_id)
        return [UniteOut(id=unite.id, nom=unite.nom)] if unite else []

    # --- gestionnaires ---

    @router.post(
        "/gestionnaires",
        status_code=status.HTTP_201_CREATED,
        response_model=GestionnaireOut,
        tags=["gestionnaires"],
    )
    async def create_gestionnaire(
        body: GestionnaireIn, principal: CurrentPrincipal, uow: UowDep
    ) -> GestionnaireOut:
        """Habiliter une personne ; la réponse montre son identifiant (à lui communiquer)."""
        form = gestionnaires.NewGestionnaire(**body.model_dump())
        async with uow:
            row = await gestionnaires.create_gestionnaire(
                uow, form, actor=actor_of(principal), clock=ctx.clock, draw=ctx.draw
            )
            unite = await uow.session.get(Unite, row.unite_id) if row.unite_id else None
        return _gestionnaire(row, unite)

    @router.get("/gestionnaires", response_model=GestionnairePage, tags=["gestionnaires"])
    async def search_gestionnaires(
        principal: CurrentPrincipal,
        uow: UowDep,
        prenom: Annotated[str | None, Query(max_length=100)] = None,
        nom: Annotated[str | None, Query(max_length=100)] = None,
        identifiant: Annotated[str | None, Query(max_length=8)] = None,
        unite_id: Annotated[uuid.UUID | None, Query(description="absent : Toutes")] = None,
        page: Annotated[int, Query(ge=1)] = 1,
        taille: Annotated[int, Query(ge=1, le=100)] = 10,
        tri: Literal["nom", "prenom", "identifiant", "unite"] = "nom",
        ordre: Literal["asc", "desc"] = "asc",
    ) -> GestionnairePage:
        """Rechercher les gestionnaires de mon organisme (10 lignes par page par défaut)."""
        query = gestionnaires.Search(
            prenom=prenom,
            nom=nom,
            identifiant=identifiant,
            unite_id=unite_id,
            page=page,
            taille=taille,
            tri=tri,
            ordre=ordre,
        )
        async with uow:
            result = await gestionnaires.search_gestionnaires(uow, query, actor=actor_of(principal))
        return GestionnairePage(
            total=result.total,
            page=result.page,
            taille=result.taille,
            pages=math.ceil(result.total / result.taille),
            resultats=[
                GestionnaireRow(
                    account_id=g.account_id,
                    nom=g.nom,
                    prenom=g.prenom,
                    login=g.identifiant,
                    unite=unite_nom,
                    role=g.role,
                    profile=g.profile,
                )
                for g, unite_nom in result.rows
            ],
        )

    @router.get(
        "/gestionnaires/{account_id}", response_model=GestionnaireOut, tags=["gestionnaires"]
    )
    async def get_gestionnaire(
        account_id: uuid.UUID, principal: CurrentPrincipal, uow: UowDep
    ) -> GestionnaireOut:
        """La fiche d'un gestionnaire de mon organisme."""
        async with uow:
            row, unite = await gestionnaires.get_gestionnaire(
                uow, account_id, actor=actor_of(principal)
            )
        return _gestionnaire(row, unite)

    @router.patch(
        "/gestionnaires/{account_id}", response_model=GestionnaireOut, tags=["gestionnaires"]
    )
    async def edit_gestionnaire(
        account_id: uuid.UUID, body: GestionnairePatch, principal: CurrentPrincipal, uow: UowDep
    ) -> GestionnaireOut:
        """Modifier l'état civil, le courriel, le téléphone, la fonction, l'unité, les droits."""
        edit = gestionnaires.Edit(given=frozenset(body.model_fields_set), **body.model_dump())
        async with uow:
            row = await gestionnaires.edit_gestionnaire(
                uow, account_id, edit, actor=actor_of(principal), clock=ctx.clock
            )
            unite = await uow.session.get(Unite, row.unite_id) if row.unite_id else None
        return _gestionnaire(row, unite)

    @router.delete(
        "/gestionnaires/{account_id}",
        status_code=status.HTTP_204_NO_CONTENT,
        tags=["gestionnaires"],
    )
    async def delete_gestionnaire(
        account_id: uuid.UUID, principal: CurrentPrincipal, uow: UowDep
    ) -> Response:
        """Supprimer un gestionnaire : ses droits sont retirés et son compte désactivé."""
        async with uow:
            await gestionnaires.delete_gestionnaire(
                uow, account_id, actor=actor_of(principal), clock=ctx.clock
            )
        return Response(status_code=status.HTTP_204_NO_CONTENT)

    @router.post(
        "/gestionnaires/{account_id}/mot-de-passe",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=MessageOut,
        tags=["gestionnaires"],
    )
    async def regenerate_password(
        account_id: uuid.UUID, principal: CurrentPrincipal, uow: UowDep
    ) -> MessageOut:
        """Régénérer le mot de passe : un mot de passe temporaire lui est envoyé par courriel."""
        async with uow:
            await gestionnaires.regenerate_password(
                uow, account_id, actor=actor_of(principal), clock=ctx.clock
            )
        return MessageOut(message="Un nouveau mot de passe temporaire va lui être envoyé.")

    @router.get(
        "/gestionnaires/{account_id}/historique",
        response_model=list[AuditOut],
        tags=["historique"],
    )
    async def person_history(
        account_id: uuid.UUID, principal: CurrentPrincipal, uow: UowDep
    ) -> list[AuditOut]:
        """L'historique des opérations d'un utilisateur (faites par lui ou le concernant)."""
        async with uow:
            rows = await gestionnaires.person_history(uow, account_id, actor=actor_of(principal))
        return _audit(rows)

    # --- bulk habilitation ---

    @router.get("/habilitations-en-masse/modele.xlsx", tags=["habilitations-en-masse"])
    async def template(principal: CurrentPrincipal) -> Response:
        """Le classeur modèle « Habilitation en masse » à compléter."""
        return Response(
            bulk.template_workbook(),
            media_type=bulk.XLSX,
            headers={"Content-Disposition": 'attachment; filename="habilitation-en-masse.xlsx"'},
        )

    @router.post(
        "/habilitations-en-masse",
        status_code=status.HTTP_201_CREATED,
        response_model=BulkJobOut,
        tags=["habilitations-en-masse"],
    )
    async def upload(
        principal: CurrentPrincipal, uow: UowDep, fichier: Annotated[UploadFile, File()]
    ) -> BulkJobOut:
        """Habiliter en masse depuis un classeur .xlsx ou un fichier .csv (le modèle)."""
        content = await fichier.read(ctx.bulk_max_bytes + 1)
        if len(content) > ctx.bulk_max_bytes:
            raise bulk.bad_file("Le fichier est trop volumineux.", "file_too_large")
        async with uow:
            job = await bulk.import_file(
                uow,
                actor=actor_of(principal),
                filename=fichier.filename or "fichier",
                content=content,
                clock=ctx.clock,
                draw=ctx.draw,
                max_rows=ctx.bulk_max_rows,
            )
        return _job(job)

    @router.get(
        "/habilitations-en-masse/{job_id}",
        response_model=BulkJobOut,
        tags=["habilitations-en-masse"],
    )
    async def get_job(job_id: uuid.UUID, principal: CurrentPrincipal, uow: UowDep) -> BulkJobOut:
        """L'avancement et le compte rendu d'un import."""
        async with uow:
            job = await bulk.get_job(uow, job_id, actor=actor_of(principal))
        return _job(job)

    return router
