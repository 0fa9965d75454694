"""The e-mails of the démarches of the *Mes Démarches* portal (guides 002 and 004): an access
request to the structure's gestionnaires and its decision to the requester, an invitation
(Ceres) and a delegation to a third party (Mon Activité Formation).

Written with the blocks of :mod:`notifier.domain.templates`, so both parts say the same
thing, names are escaped in HTML and control characters never reach a message. The
invitation's and the delegation's subject and message are :mod:`cpf_contracts.wording`'s,
the very words habilitation shows in its summary before sending; démarches and roles are
named by the catalogue (:mod:`cpf_contracts.catalogue`). The contexts keep the codes the
events carried; the labels are read at render time.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from cpf_contracts.catalogue import Demarche, DemarcheCode, Role, RoleCode, demarche
from cpf_contracts.wording import PORTAL_NAME, InvitationText, delegation_text, invitation_text

from notifier.domain.templates import (
    AUTOMATON_NOTICE,
    MES_DEMARCHES_SIGNATURE,
    Action,
    Block,
    Link,
    Paragraph,
    Portal,
    Rendered,
    RenderError,
    Sites,
    Template,
    _Context,
    compose,
    french_date,
    french_datetime,
    greeting,
    mes_demarches,
)

DEMANDE_ACCES = "demande_acces"
DEMANDE_ACCES_ACCEPTEE = "demande_acces_acceptee"
DEMANDE_ACCES_REFUSEE = "demande_acces_refusee"
INVITATION_DEMARCHE = "invitation_demarche"
DELEGATION_TIERS = "delegation_tiers"


def portal(sites: Sites) -> Portal:
    """Mes Démarches as guide 004's e-mail signs: « Cordialement, L'équipe technique… »."""
    return replace(
        mes_demarches(sites), signature=(MES_DEMARCHES_SIGNATURE,), notice=AUTOMATON_NOTICE
    )


def demarche_of(code: str) -> Demarche:
    """The catalogue's démarche of ``code``; a :class:`RenderError` when it has none."""
    found = demarche(code)
    if found is None:
        raise RenderError(f"démarche inconnue du catalogue : {code}")
    return found


def role_of(found: Demarche, code: str) -> Role:
    """The role ``code`` of the démarche ``found``; a :class:`RenderError` when it has none."""
    role = found.role(code)
    if role is None:
        raise RenderError(f"rôle inconnu de la démarche {found.code} : {code}")
    return role


def _role_words(role: Role) -> str:
    return f"{role.label} ({role.description})"


def _users_screen(sites: Sites) -> list[Block]:
    # Guide 002: the users screen opens from the small wheel on the démarche's card.
    return [
        Paragraph.of(
            "Pour accepter la demande, en choisissant le rôle à donner, ou pour la refuser en "
            "indiquant le motif, connectez-vous au portail puis ouvrez l'écran de gestion des "
            "utilisateurs de la démarche (la petite roue dans le coin supérieur droit de la "
            "carte de la démarche) :"
        ),
        Action("Accéder au portail", sites.mesdemarches),
    ]


# --- an access request, to each gestionnaire (guide 002) --------------------------------------


class _DemarcheContext(_Context):
    demarche: DemarcheCode
    siret: str


class DemandeAccesContext(_DemarcheContext):
    gestionnaire_prenom: str = ""
    gestionnaire_nom: str = ""
    requester_prenom: str
    requester_nom: str
    requester_email: str
    wished_role: RoleCode | None = None


def demande_acces(ctx: DemandeAccesContext, sites: Sites) -> Rendered:
    """A user asks for access to a démarche for a SIRET: the gestionnaires may accept it."""
    found = demarche_of(ctx.demarche)
    requester = f"{ctx.requester_prenom} {ctx.requester_nom}".strip()
    wished = (
        Paragraph.of(f"Rôle souhaité : {_role_words(role_of(found, ctx.wished_role))}.")
        if ctx.wished_role is not None
        else Paragraph.of(
            "Aucun rôle n'est précisé : si vous acceptez la demande, vous choisirez le rôle à "
            "lui donner."
        )
    )
    return compose(
        portal(sites),
        f"Demande d'accès à la démarche {found.label} pour le SIRET {ctx.siret}",
        greeting(ctx.gestionnaire_prenom, ctx.gestionnaire_nom),
        [
            Paragraph.of(
                f"{requester} ({ctx.requester_email}) demande l'accès à la démarche "
                f"{found.label} pour le SIRET {ctx.siret}, dont vous êtes gestionnaire."
            ),
            wished,
            *_users_screen(sites),
            Paragraph.of(
                "Vous ne connaissez pas cette personne ? Refusez sa demande : elle n'aura pas "
                "accès à la démarche."
            ),
        ],
    )


# --- its decision, to the requester (guide 002) -----------------------------------------------


class DemandeAccesDecisionContext(_DemarcheContext):
    prenom: str = ""
    nom: str = ""
    role: RoleCode | None = None
    reason: str | None = None


def _decision(
    found: Demarche,
    ctx: DemandeAccesDecisionContext,
    sites: Sites,
    outcome: str,
    then: str,
    more: list[Block],
) -> Rendered:
    return compose(
        portal(sites),
        f"Votre demande d'accès à la démarche {found.label} a été {outcome}",
        greeting(ctx.prenom, ctx.nom),
        [
            Paragraph.of(
                f"Votre demande d'accès à la démarche {found.label} pour le SIRET {ctx.siret} "
                f"a été {outcome}{then}"
            ),
            *more,
        ],
    )


def demande_acces_acceptee(ctx: DemandeAccesDecisionContext, sites: Sites) -> Rendered:
    """A gestionnaire accepted the request, with the role given."""
    found = demarche_of(ctx.demarche)
    if ctx.role is None:
        raise RenderError(f"contexte invalide pour {DEMANDE_ACCES_ACCEPTEE} : role")
    given = f". Le rôle {_role_words(role_of(found, ctx.role))} vous a été attribué."
    home = Paragraph.of(
        "La démarche apparaît désormais dans « Mes démarches », sur la page d'accueil du portail :"
    )
    return _decision(
        found,
        ctx,
        sites,
        "acceptée",
        given,
        [home, Action("Accéder au portail", sites.mesdemarches)],
    )


def demande_acces_refusee(ctx: DemandeAccesDecisionContext, sites: Sites) -> Rendered:
    """A gestionnaire refused the request, with a reason."""
    found = demarche_of(ctx.demarche)
    more: list[Block] = []
    if ctx.reason and ctx.reason.strip():
        more.append(Paragraph.of(f"Motif du refus : {ctx.reason.strip()}"))
    more.append(
        Paragraph.of(
            "Pour toute question, adressez-vous au gestionnaire de la démarche dans votre "
            "structure. Vous pourrez faire une nouvelle demande depuis le portail : ",
            Link(sites.mesdemarches),
        )
    )
    return _decision(found, ctx, sites, "refusée", " par un gestionnaire de la démarche.", more)


# --- an invitation (Ceres, guide 004) and a delegation to a third party (guide 002) -----------


class _ProposalContext(_DemarcheContext):
    role: RoleCode
    raison_sociale: str
    prenom: str  # the inviter's (delegator's) name, as they wrote it
    nom: str
    accept_link: str


class InvitationDemarcheContext(_ProposalContext):
    invitee_email: str
    has_account: bool = False
    expires_at: datetime


class DelegationTiersContext(_ProposalContext):
    tiers_email: str
    tiers_siret: str
    ends_on: date | None = None


def _from(ctx: _ProposalContext) -> str:
    return f"{ctx.prenom} {ctx.nom}".strip()


def _unexpected(what: str) -> Paragraph:
    return Paragraph.of(
        f"Vous n'attendiez pas cette {what} ? Ignorez ce message : sans validation de votre "
        "part, aucun accès ne vous est donné."
    )


def _sign_up_first(sites: Sites, email: str, what: str) -> Paragraph:
    return Paragraph.of(
        f"Vous n'avez pas encore de compte sur le portail {PORTAL_NAME} ? Créez-le d'abord "
        f"avec cette adresse électronique, {email}, puis suivez le lien ci-dessus : seul le "
        f"compte de cette adresse peut accepter cette {what}. Pour créer votre compte : ",
        Link(sites.mesdemarches),
    )


def _proposal(sites: Sites, words: InvitationText, action: Action, more: list[Block]) -> Rendered:
    # The message opens with its own « Bonjour, … », as the summary showed it.
    return compose(portal(sites), words.objet, words.message, [action, *more])


def invitation_demarche(ctx: InvitationDemarcheContext, sites: Sites) -> Rendered:
    """A gestionnaire invites a person to a démarche with a role for a company (guide 004)."""
    found = demarche_of(ctx.demarche)
    words = invitation_text(
        demarche_label=found.label,
        inviter=_from(ctx),
        role_label=role_of(found, ctx.role).label,
        raison_sociale=ctx.raison_sociale,
    )
    more: list[Block] = [
        Paragraph.of(
            f"Cette invitation est valable jusqu'au {french_datetime(ctx.expires_at)}. Passé "
            f"ce délai, demandez à {_from(ctx)} de vous inviter de nouveau."
        )
    ]
    if not ctx.has_account:
        more.append(_sign_up_first(sites, ctx.invitee_email, "invitation"))
    more.append(_unexpected("invitation"))
    return _proposal(sites, words, Action("Valider l'invitation", ctx.accept_link), more)


def delegation_tiers(ctx: DelegationTiersContext, sites: Sites) -> Rendered:
    """A gestionnaire delegates a role to a third party, to act for the company (guide 002)."""
    found = demarche_of(ctx.demarche)
    words = delegation_text(
        demarche_label=found.label, delegator=_from(ctx), raison_sociale=ctx.raison_sociale
    )
    ends = (
        f"Fin d'habilitation : {french_date(ctx.ends_on)}. À cette date, la délégation "
        "prendra fin d'elle-même."
        if ctx.ends_on is not None
        else f"Cette délégation n'a pas de date de fin : {ctx.raison_sociale} peut la révoquer "
        "à tout moment."
    )
    more: list[Block] = [
        Paragraph.of(f"Rôle délégué : {_role_words(role_of(found, ctx.role))}."),
        Paragraph.of(
            f"SIRET de l'habilitation : {ctx.siret}. SIRET du tiers-déclarant : {ctx.tiers_siret}."
        ),
        Paragraph.of(ends),
        _sign_up_first(sites, ctx.tiers_email, "délégation"),
        _unexpected("délégation"),
    ]
    return _proposal(sites, words, Action("Valider la délégation", ctx.accept_link), more)


TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template(DEMANDE_ACCES, DemandeAccesContext, demande_acces),
        Template(DEMANDE_ACCES_ACCEPTEE, DemandeAccesDecisionContext, demande_acces_acceptee),
        Template(DEMANDE_ACCES_REFUSEE, DemandeAccesDecisionContext, demande_acces_refusee),
        Template(INVITATION_DEMARCHE, InvitationDemarcheContext, invitation_demarche),
        Template(DELEGATION_TIERS, DelegationTiersContext, delegation_tiers),
    )
}
