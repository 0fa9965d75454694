"""The e-mails a person receives, in French: pure functions from a context to a message.

A template turns a context (the facts the event carried, its secrets already unsealed) into
a subject, a plain-text part and an HTML part. Both parts are written from one list of
blocks, so they always say the same thing. Adding a template (temporary password,
invitation, delegation, access request, password reset…) is one context model, one
function and one line in :data:`TEMPLATES`; nothing else changes.

Rules from DOMAIN.md §5: French text, the portal's signature, a no-reply sender (every
e-mail says not to answer it).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, ValidationError

Civilite = Literal["M", "MME"]
AccountKind = Literal["titulaire", "gestionnaire", "portail"]

TITULAIRE_ACTIVATION = "titulaire_activation"
PORTAIL_ACTIVATION = "portail_activation"
INSCRIPTION_COMPTE_EXISTANT = "inscription_compte_existant"

# Validity of the activation links (DOMAIN.md §1): the wording of the rule, the date comes
# from the event.
TITULAIRE_LINK_VALIDITY = "15 jours"
PORTAIL_LINK_VALIDITY = "24 heures"

NO_REPLY_NOTICE = (
    "Ce courriel vous est envoyé automatiquement depuis une adresse qui ne reçoit pas de "
    "réponses : merci de ne pas y répondre."
)


# --- the portals an e-mail speaks for ---------------------------------------------------------


@dataclass(frozen=True)
class Sites:
    """The public addresses the e-mails point to (set by configuration)."""

    moncompteformation: str = "https://www.moncompteformation.example"
    mesdemarches: str = "https://mesdemarches.example"


@dataclass(frozen=True)
class Portal:
    """The portal an e-mail speaks for: its name (the sender's), its site and signature."""

    name: str
    url: str
    signature: tuple[str, ...]

    @property
    def contact_url(self) -> str:
        return f"{self.url.rstrip('/')}/contact"


def mon_compte_formation(sites: Sites) -> Portal:
    """Mon Compte Formation: the titulaires' portal, run by the Caisse des Dépôts."""
    url = sites.moncompteformation
    return Portal(
        "Mon Compte Formation", url, ("Votre correspondant CPF", "Caisse des Dépôts", url)
    )


def mes_demarches(sites: Sites) -> Portal:
    """Mes Démarches Emploi et Formation Professionnelle: the démarches' portal (Ceres…)."""
    url = sites.mesdemarches
    return Portal(
        "Mes Démarches",
        url,
        ("L'équipe Mes Démarches Emploi et Formation Professionnelle", url),
    )


def portal_of(kind: AccountKind, sites: Sites) -> Portal:
    return mes_demarches(sites) if kind == "portail" else mon_compte_formation(sites)


# --- the blocks both parts are written from ---------------------------------------------------


@dataclass(frozen=True)
class Link:
    url: str
    label: str = ""


Inline = str | Link


@dataclass(frozen=True)
class Paragraph:
    parts: tuple[Inline, ...]

    @classmethod
    def of(cls, *parts: Inline) -> Paragraph:
        return cls(parts)


@dataclass(frozen=True)
class Action:
    """The one thing to click: a button in HTML, the bare URL on its own line in text."""

    label: str
    url: str


Block = Paragraph | Action


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str
    sender_name: str


def compose(portal: Portal, subject: str, greeting: str, blocks: list[Block]) -> Rendered:
    """The whole e-mail: greeting, blocks, signature and the no-reply notice."""
    closing = [Paragraph.of("Cordialement,")]
    return Rendered(
        subject=subject,
        text=_text(greeting, [*blocks, *closing], portal),
        html=_html(subject, greeting, [*blocks, *closing], portal),
        sender_name=portal.name,
    )


def _text(greeting: str, blocks: list[Block], portal: Portal) -> str:
    chunks = [greeting]
    for block in blocks:
        if isinstance(block, Action):
            chunks.append(block.url)
        else:
            chunks.append("".join(p if isinstance(p, str) else p.url for p in block.parts))
    chunks.append("\n".join(portal.signature))
    chunks.append(f"--\n{NO_REPLY_NOTICE}")
    return "\n\n".join(chunks) + "\n"


_BUTTON = (
    "display:inline-block;padding:10px 18px;background:#000091;color:#ffffff;"
    "text-decoration:none;border-radius:4px;font-weight:bold"
)


def _html(subject: str, greeting: str, blocks: list[Block], portal: Portal) -> str:
    e = html.escape
    body = [f"<p>{e(greeting)}</p>"]
    for block in blocks:
        if isinstance(block, Action):
            body.append(
                f'<p><a href="{e(block.url)}" style="{_BUTTON}">{e(block.label)}</a></p>'
                '<p style="font-size:13px;color:#555555">Si le bouton ne fonctionne pas, '
                "copiez ce lien dans la barre d'adresse de votre navigateur :<br>"
                f'<a href="{e(block.url)}">{e(block.url)}</a></p>'
            )
        else:
            inner = "".join(
                e(p) if isinstance(p, str) else f'<a href="{e(p.url)}">{e(p.label or p.url)}</a>'
                for p in block.parts
            )
            body.append(f"<p>{inner}</p>")
    signature = "<br>".join(e(line) for line in portal.signature)
    body.append(f"<p>{signature}</p>")
    body.append(f'<hr><p style="font-size:12px;color:#555555">{e(NO_REPLY_NOTICE)}</p>')
    return (
        '<!DOCTYPE html>\n<html lang="fr">\n<head><meta charset="utf-8">'
        f"<title>{e(subject)}</title></head>\n"
        '<body style="font-family:Arial,Helvetica,sans-serif;color:#1e1e1e;line-height:1.5">\n'
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


# --- French wording helpers -------------------------------------------------------------------

_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def _paris() -> tuple[tzinfo, str]:
    try:
        return ZoneInfo("Europe/Paris"), "heure de Paris"
    except ZoneInfoNotFoundError:  # an image without tzdata: say plainly which time it is
        return UTC, "heure UTC"


def french_datetime(moment: datetime) -> str:
    """``mardi 1er décembre 2026 à 14 h 05 (heure de Paris)``, whatever the locale."""
    zone, label = _paris()
    local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone)
    day = "1er" if local.day == 1 else str(local.day)
    return (
        f"{_WEEKDAYS[local.weekday()]} {day} {_MONTHS[local.month - 1]} {local.year} "
        f"à {local.hour} h {local.minute:02d} ({label})"
    )


def greeting(prenom: str, nom: str, civilite: Civilite | None = None) -> str:
    """``Bonjour Madame Marie Curie,`` (the prénom is optional at a titulaire's sign-up)."""
    title = {"M": "Monsieur", "MME": "Madame"}.get(civilite or "", "")
    name = " ".join(part.strip() for part in (title, prenom, nom) if part and part.strip())
    return f"Bonjour {name}," if name else "Bonjour,"


# --- the templates ----------------------------------------------------------------------------


class _Context(BaseModel):
    # Contexts outlive deployments (a queued message may be rendered by a newer version):
    # unknown keys are ignored rather than refused.
    model_config = ConfigDict(frozen=True, extra="ignore")


class ActivationContext(_Context):
    civilite: Civilite
    prenom: str
    nom: str
    activation_link: str
    activation_expires_at: datetime


class PortailActivationContext(ActivationContext):
    login: str


class CompteExistantContext(_Context):
    kind: AccountKind
    prenom: str
    nom: str


def _not_you(portal: Portal) -> Paragraph:
    return Paragraph.of(
        "Vous n'êtes pas à l'origine de cette inscription ? Ne cliquez pas sur le lien et "
        "ignorez ce courriel : sans activation, aucun compte ne sera créé. Si vous pensez que "
        "quelqu'un utilise votre identité, signalez-le-nous par le formulaire de contact : ",
        Link(portal.contact_url),
    )


def titulaire_activation(ctx: ActivationContext, sites: Sites) -> Rendered:
    """A titulaire signed up: the single-use activation link, valid 15 days (guide 003)."""
    portal = mon_compte_formation(sites)
    return compose(
        portal,
        "Activez votre compte Mon Compte Formation",
        greeting(ctx.prenom, ctx.nom, ctx.civilite),
        [
            Paragraph.of(
                "Afin de finaliser votre inscription à votre espace personnel Mon Compte "
                "Formation, cliquez sur le lien ci-dessous ou copiez-le dans la barre "
                "d'adresse de votre navigateur :"
            ),
            Action("Activer mon compte", ctx.activation_link),
            Paragraph.of(
                "Ce lien ne peut servir qu'une seule fois. Il est valable "
                f"{TITULAIRE_LINK_VALIDITY}, jusqu'au "
                f"{french_datetime(ctx.activation_expires_at)}. Passé ce délai, il vous faudra "
                "recommencer votre inscription."
            ),
            Paragraph.of(
                "Une fois votre compte activé, vous vous connecterez avec votre numéro de "
                "sécurité sociale et le mot de passe que vous avez choisi lors de votre "
                "inscription."
            ),
            _not_you(portal),
        ],
    )


def portail_activation(ctx: PortailActivationContext, sites: Sites) -> Rendered:
    """A portal user signed up: the single-use link, valid 24 hours; the login is the e-mail."""
    portal = mes_demarches(sites)
    return compose(
        portal,
        "Activez votre compte Mes Démarches",
        greeting(ctx.prenom, ctx.nom, ctx.civilite),
        [
            Paragraph.of(
                "Afin de finaliser votre inscription sur le portail Mes Démarches Emploi et "
                "Formation Professionnelle, cliquez sur le lien ci-dessous ou copiez-le dans "
                "la barre d'adresse de votre navigateur :"
            ),
            Action("Activer mon compte", ctx.activation_link),
            Paragraph.of(
                "Ce lien ne peut servir qu'une seule fois. Il est valable "
                f"{PORTAIL_LINK_VALIDITY}, jusqu'au "
                f"{french_datetime(ctx.activation_expires_at)}. Passé ce délai, il vous faudra "
                "recommencer votre inscription."
            ),
            Paragraph.of(
                "Votre identifiant de connexion est votre adresse électronique : "
                f"{ctx.login}. Votre mot de passe est celui que vous avez choisi lors de "
                "votre inscription."
            ),
            _not_you(portal),
        ],
    )


_LOGIN_WORDS: dict[AccountKind, str] = {
    "titulaire": "votre numéro de sécurité sociale",
    "gestionnaire": "votre identifiant",
    "portail": "votre adresse électronique",
}


def inscription_compte_existant(ctx: CompteExistantContext, sites: Sites) -> Rendered:
    """Someone signed up with the NIR or e-mail of an existing account (no enumeration)."""
    portal = portal_of(ctx.kind, sites)
    used = (
        "votre numéro de sécurité sociale ou votre adresse électronique"
        if ctx.kind == "titulaire"
        else "votre adresse électronique"
    )
    return compose(
        portal,
        f"Tentative d'inscription à {portal.name} avec vos informations",
        greeting(ctx.prenom, ctx.nom),
        [
            Paragraph.of(
                f"Une inscription à {portal.name} vient d'être demandée avec {used}. Un "
                "compte existe déjà à votre nom : aucun nouveau compte n'a été créé."
            ),
            Paragraph.of(
                "S'il s'agit de vous, connectez-vous avec "
                f"{_LOGIN_WORDS[ctx.kind]} et votre mot de passe sur ",
                Link(portal.url),
                ". Si vous avez oublié votre mot de passe, cliquez sur « Mot de passe "
                "oublié » sur la page de connexion.",
            ),
            Paragraph.of(
                "S'il ne s'agit pas de vous, vous n'avez rien à faire : votre compte et votre "
                "mot de passe restent inchangés."
            ),
        ],
    )


@dataclass(frozen=True)
class Template:
    name: str
    context: type[_Context]
    render: Callable[[Any, Sites], Rendered]


TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        Template(TITULAIRE_ACTIVATION, ActivationContext, titulaire_activation),
        Template(PORTAIL_ACTIVATION, PortailActivationContext, portail_activation),
        Template(INSCRIPTION_COMPTE_EXISTANT, CompteExistantContext, inscription_compte_existant),
    )
}


class RenderError(Exception):
    """A context that a template cannot render; the message never quotes a context value."""


def render(name: str, context: Mapping[str, Any], sites: Sites) -> Rendered:
    """Render template ``name``; raise :class:`RenderError` naming only fields, never values."""
    template = TEMPLATES.get(name)
    if template is None:
        raise RenderError(f"modèle inconnu : {name}")
    try:
        parsed = template.context.model_validate(dict(context))
    except ValidationError as exc:
        # Never str(exc): pydantic quotes the input, and the input holds unsealed secrets.
        fields = sorted({".".join(str(p) for p in err["loc"]) for err in exc.errors()})
        raise RenderError(f"contexte invalide pour {name} : {', '.join(fields)}") from None
    return template.render(parsed, sites)
