"""The caller's own profile (access token): password, e-mail, phone, history."""

import dataclasses
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from identity.api import pages
from identity.api.deps import ClientAddress, CurrentPrincipal, ServicesDep, UowDep
from identity.api.schemas import (
    ActivationIn,
    EmailChangeIn,
    EntrepriseOut,
    HistoryEntryOut,
    HistoryOut,
    MesInformationsOut,
    MessageOut,
    PasswordChangeIn,
    PhoneIn,
)
from identity.app.profile import (
    change_password,
    change_phone,
    confirm_email_change,
    own_details,
    own_history,
    request_email_change,
    undo_email_change,
)
from identity.app.services import Services

MAX_FORM_BYTES = 4096
EMAIL_SENT = (
    "Un e-mail contenant un lien de confirmation a été envoyé à la nouvelle adresse : "
    "elle remplacera l'actuelle quand vous aurez suivi ce lien."
)
EMAIL_CHANGED = "Votre adresse électronique a été modifiée."
EMAIL_RESTORED = (
    "Votre ancienne adresse électronique est de nouveau celle de votre compte et toutes vos "
    "sessions ont été fermées. Si vous n'êtes pas à l'origine du changement, choisissez un "
    "nouveau mot de passe avec « Mot de passe oublié »."
)
PASSWORD_CHANGED = "Votre mot de passe a été modifié."  # noqa: S105  (a message)
OTHER_SESSIONS_ENDED = (
    "Vos autres sessions ont été fermées : sur vos autres appareils, reconnectez-vous avec "
    "le nouveau mot de passe."
)
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Jeton d'accès absent ou invalide", **PROBLEM},
    422: {"description": "Champs invalides (champ et règle nommés)", **PROBLEM},
}

router = APIRouter(tags=["mon compte"])


@router.get(
    "/v1/moi",
    response_model=MesInformationsOut,
    responses={401: REFUSALS[401]},
)
async def my_details(
    principal: CurrentPrincipal, uow: UowDep, response: Response
) -> MesInformationsOut:
    """Mes informations personnelles : identifiant, civilité, nom, adresse électronique,
    téléphones (et l'entreprise d'un utilisateur du portail)."""
    async with uow:
        found = await own_details(uow, principal.account_id)
    response.headers["Cache-Control"] = "no-store"
    a, company = found.account, found.company
    return MesInformationsOut(
        type_compte=a.kind.value,
        identifiant=a.login,
        civilite=a.title,
        prenom=a.first_name,
        nom=a.last_name,
        email=a.email,
        telephone_fixe=a.landline,
        telephone_mobile=a.mobile,
        entreprise=EntrepriseOut(**dataclasses.asdict(company)) if company else None,
        cree_le=a.created_at,
    )


@router.post("/v1/moi/mot-de-passe", response_model=MessageOut, responses=REFUSALS)
async def password(
    body: PasswordChangeIn,
    principal: CurrentPrincipal,
    uow: UowDep,
    services: ServicesDep,
    address: ClientAddress,
) -> MessageOut:
    """Changer mon mot de passe : ancien, nouveau, confirmation (règle de mon espace)."""
    async with uow:
        ended = await change_password(
            uow,
            principal.account_id,
            body.ancien,
            body.nouveau,
            body.confirmation,
            address,
            hasher=services.hasher,
            clock=services.clock,
            session_id=principal.claims.get("sid"),
        )
    if ended:
        return MessageOut(message=f"{PASSWORD_CHANGED} {OTHER_SESSIONS_ENDED}")
    return MessageOut(message=PASSWORD_CHANGED)


@router.put("/v1/moi/telephone", response_model=MessageOut, responses=REFUSALS)
async def phone(
    body: PhoneIn, principal: CurrentPrincipal, uow: UowDep, services: ServicesDep
) -> MessageOut:
    """Changer mon numéro de téléphone (chiffres uniquement)."""
    async with uow:
        await change_phone(
            uow,
            principal.account_id,
            body.telephone_fixe,
            body.telephone_mobile,
            clock=services.clock,
        )
    return MessageOut(message="Votre numéro de téléphone a été modifié.")


@router.post("/v1/moi/email", status_code=202, response_model=MessageOut, responses=REFUSALS)
async def email(
    body: EmailChangeIn, principal: CurrentPrincipal, uow: UowDep, services: ServicesDep
) -> MessageOut:
    """Changer mon adresse : un lien de confirmation est envoyé à la nouvelle adresse."""
    async with uow:
        await request_email_change(
            uow,
            principal.account_id,
            body.email,
            body.email_confirmation,
            body.mot_de_passe_actuel,
            hasher=services.hasher,
            sealer=services.sealer,
            clock=services.clock,
            public_url=services.reset.public_url,
        )
    return MessageOut(message=EMAIL_SENT)


@router.get("/adresse/confirmation", response_class=HTMLResponse)
async def email_page(token: str = "") -> HTMLResponse:
    """Page du lien de confirmation : un bouton confirme (un GET ne change rien)."""
    if not token:
        return pages.incomplete_link()
    return pages.confirm_form(token)


@router.post(
    "/adresse/confirmation",
    response_class=HTMLResponse,
    openapi_extra={"requestBody": pages.form_body("token")},
)
async def email_form(
    request: Request, uow: UowDep, services: ServicesDep, address: ClientAddress
) -> HTMLResponse:
    """Confirmation depuis la page du lien (formulaire) ; répond par une page HTML."""
    token = (await pages.read_form(request, MAX_FORM_BYTES)).get("token", "")
    return await pages.link_answer(
        uow,
        lambda: confirm_email_change(uow, token, address, **_warn_old(services)),
        pages.page("Adresse modifiée", f"<p>{EMAIL_CHANGED}</p>"),
    )


def _warn_old(services: Services) -> dict[str, Any]:
    return {
        "clock": services.clock,
        "sealer": services.sealer,
        "public_url": services.reset.public_url,
    }


@router.post(
    "/v1/moi/email/confirmation",
    response_model=MessageOut,
    responses={
        404: {"description": "Lien inconnu", **PROBLEM},
        409: {"description": "Adresse prise entre-temps", **PROBLEM},
        410: {"description": "Lien expiré ou déjà utilisé", **PROBLEM},
    },
)
async def email_confirm(
    body: ActivationIn, uow: UowDep, services: ServicesDep, address: ClientAddress
) -> MessageOut:
    """Confirme la nouvelle adresse avec le jeton du lien (usage unique)."""
    async with uow:
        await confirm_email_change(uow, body.token, address, **_warn_old(services))
    return MessageOut(message=EMAIL_CHANGED)


@router.get("/adresse/annulation", response_class=HTMLResponse)
async def undo_page(token: str = "") -> HTMLResponse:
    """Page du lien envoyé à l'ancienne adresse : un bouton la rétablit (un GET ne change rien)."""
    if not token:
        return pages.incomplete_link()
    return pages.undo_form(token)


@router.post(
    "/adresse/annulation",
    response_class=HTMLResponse,
    openapi_extra={"requestBody": pages.form_body("token")},
)
async def undo_form(
    request: Request, uow: UowDep, services: ServicesDep, address: ClientAddress
) -> HTMLResponse:
    """Rétablit l'ancienne adresse depuis la page du lien ; répond par une page HTML."""
    token = (await pages.read_form(request, MAX_FORM_BYTES)).get("token", "")
    return await pages.link_answer(
        uow,
        lambda: undo_email_change(uow, token, address, clock=services.clock),
        pages.page("Adresse rétablie", f"<p>{EMAIL_RESTORED}</p>"),
    )


@router.post(
    "/v1/moi/email/annulation",
    response_model=MessageOut,
    responses={
        404: {"description": "Lien inconnu", **PROBLEM},
        409: {"description": "Adresse prise entre-temps", **PROBLEM},
        410: {"description": "Lien expiré ou déjà utilisé", **PROBLEM},
    },
)
async def email_undo(
    body: ActivationIn, uow: UowDep, services: ServicesDep, address: ClientAddress
) -> MessageOut:
    """Rétablit l'ancienne adresse avec le jeton du lien qui lui a été envoyé (usage unique,
    7 jours) ; toutes les sessions du compte sont fermées."""
    async with uow:
        await undo_email_change(uow, body.token, address, clock=services.clock)
    return MessageOut(message=EMAIL_RESTORED)


@router.get("/v1/moi/historique", response_model=HistoryOut, responses=REFUSALS)
async def history(principal: CurrentPrincipal, uow: UowDep, response: Response) -> HistoryOut:
    """Consulter mon historique : connexions, échecs, changements (100 derniers)."""
    async with uow:
        entries = await own_history(uow, principal.account_id)
    response.headers["Cache-Control"] = "no-store"
    return HistoryOut(
        entrees=[
            HistoryEntryOut(evenement=e.what, date=e.at, adresse_ip=e.client_address)
            for e in entries
        ]
    )
