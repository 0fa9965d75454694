"""The e-mails a person receives, in French: pure functions from a context to a message.

A template turns a context (the facts the event carried, its secrets already unsealed) into
a subject, a plain-text part and an HTML part. Both parts are written from one list of
blocks, so they always say the same thing. Adding a template (invitation,
delegation, access request…) is one context model, one
function and one line in :data:`TEMPLATES`; nothing else changes.

Rules from DOMAIN.md §5: French text, the portal's signature, a no-reply sender (every
e-mail says not to answer it).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, tzinfo
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cpf_runtime.text import without_control_characters
from pydantic import BaseModel, ConfigDict, ValidationError

Civilite = Literal["M", "MME"]
AccountKind = Literal["titulaire", "gestionnaire", "portail", "operateur"]

TITULAIRE_ACTIVATION = "titulaire_activation"
PORTAIL_ACTIVATION = "portail_activation"
INSCRIPTION_COMPTE_EXISTANT = "inscription_compte_existant"
GESTIONNAIRE_HABILITATION = "gestionnaire_habilitation"
GESTIONNAIRE_MOT_DE_PASSE_REGENERE = "gestionnaire_mot_de_passe_regenere"
OPERATEUR_MOT_DE_PASSE_TEMPORAIRE = "operateur_mot_de_passe_temporaire"
MOT_DE_PASSE_OUBLIE = "mot_de_passe_oublie"
CHANGEMENT_ADRESSE = "changement_adresse"
COMPTE_VERROUILLE = "compte_verrouille"
ADRESSE_MODIFIEE = "adresse_modifiee"

# Every duration an e-mail writes (a link's validity, the 15-day deletion) comes in the
# context from the setting behind the deadline itself (DOMAIN.md §5): nothing here repeats
# a setting's value. A context without it (an older event) says the date only.

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
    # The login pages, where « Mot de passe oublié » is (one per kind of account).
    titulaire_login: str = "https://www.moncompteformation.example/espace-prive/connexion"
    gestionnaire_login: str = "https://employeur.moncompteformation.example/connexion"
    portail_login: str = "https://mesdemarches.example/connexion"
    operateur_login: str = "https://backoffice.moncompteformation.example/connexion"

    def login(self, kind: AccountKind) -> str:
        return {
            "titulaire": self.titulaire_login,
            "gestionnaire": self.gestionnaire_login,
            "portail": self.portail_login,
            "operateur": self.operateur_login,
        }[kind]


@dataclass(frozen=True)
class Portal:
    """The portal an e-mail speaks for: its name (the sender's), its site and signature."""

    name: str
    url: str
    signature: tuple[str, ...]
    # How "your account" reads for this portal: « votre compte {account} ».
    account: str = ""
    # The last line of every e-mail: it comes from an address that takes no replies.
    notice: str = NO_REPLY_NOTICE

    @property
    def your_account(self) -> str:
        return f"votre compte {self.account or self.name}"

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
        "sur le portail Mes Démarches",
    )


def espace_employeur(sites: Sites) -> Portal:
    """The CPF employer space (guide 000): gestionnaires and administrators of employers."""
    return Portal(
        "Espace employeur CPF",
        sites.moncompteformation,
        ("Votre correspondant CPF", "Caisse des Dépôts", sites.moncompteformation),
        "sur l'Espace employeur CPF",
    )


def back_office(sites: Sites) -> Portal:
    """The operator's back-office: agents of the Caisse des Dépôts (kind ``operateur``)."""
    return Portal(
        "Back-office CPF",
        sites.operateur_login,
        ("L'administration du back-office CPF", "Caisse des Dépôts"),
        "sur le back-office CPF",
    )


def portal_of(kind: AccountKind, sites: Sites) -> Portal:
    if kind == "portail":
        return mes_demarches(sites)
    if kind == "gestionnaire":
        return espace_employeur(sites)
    if kind == "operateur":
        return back_office(sites)
    return mon_compte_formation(sites)


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
    chunks.append(f"--\n{portal.notice}")
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
    body.append(f'<hr><p style="font-size:12px;color:#555555">{e(portal.notice)}</p>')
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
    return f"{french_date(local.date())} à {local.hour} h {local.minute:02d} ({label})"


def french_date(day: date) -> str:
    """``mardi 1er décembre 2026``: a calendar day (an end date), whatever the locale."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{_WEEKDAYS[day.weekday()]} {number} {_MONTHS[day.month - 1]} {day.year}"


def french_duration(seconds: int) -> str:
    """``15 jours``, ``24 heures``, ``36 heures``, ``90 minutes``: a setting's delay in words."""

    def count(n: int, word: str) -> str:
        return f"{n} {word}{'s' if n > 1 else ''}"

    if seconds >= 2 * 86400 and seconds % 86400 == 0:  # 24 hours stay « 24 heures »
        return count(seconds // 86400, "jour")
    if seconds > 0 and seconds % 3600 == 0:
        return count(seconds // 3600, "heure")
    return count(max(seconds // 60, 1), "minute")


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
    # The link's validity (identity's setting, seconds); absent from older events.
    activation_valid_seconds: int | None = None

    def deadline(self) -> str:
        """« un délai de 15 jours, soit jusqu'au …, », or « jusqu'au … » without the duration."""
        until = f"jusqu'au {french_datetime(self.activation_expires_at)}"
        if self.activation_valid_seconds is None:
            return until
        return f"un délai de {french_duration(self.activation_valid_seconds)}, soit {until},"


class PortailActivationContext(ActivationContext):
    login: str


class CompteExistantContext(_Context):
    kind: AccountKind
    prenom: str
    nom: str


def titulaire_activation(ctx: ActivationContext, sites: Sites) -> Rendered:
    """A titulaire signed up: the single-use activation link (guide 003's e-mail, word for
    word but for the login, which is the NIR: guide 003, step 8)."""
    portal = mon_compte_formation(sites)
    return compose(
        portal,
        "Activez votre compte Mon Compte Formation",
        greeting(ctx.prenom, ctx.nom, ctx.civilite),
        [
            Paragraph.of(
                "Afin de finaliser l'inscription à votre espace privé du portail Mon Compte "
                "Formation, vous devez cliquer sur le lien suivant ou faire un copier-coller "
                "de ce lien dans votre navigateur. Vous pourrez alors vous connecter avec "
                "votre identifiant (votre numéro de sécurité sociale) et votre mot de passe "
                "que vous avez défini lors de votre inscription. A noter : le lien "
                "d'activation est valable pour une seule activation."
            ),
            Action("Activer mon compte", ctx.activation_link),
            Paragraph.of(
                f"Vous avez {ctx.deadline()} pour effectuer cette action, passé ce délai, il "
                "vous faudra recommencer le processus d'inscription."
            ),
            Paragraph.of(
                "Si vous n'êtes pas à l'origine de cette action, rendez-vous sur le formulaire "
                "de contact du portail du compte personnel de formation (CPF) (cliquez sur le "
                "lien ci-dessous) pour nous en informer, en signalant un problème technique et "
                "en précisant votre identité."
            ),
            Paragraph.of(Link(portal.contact_url)),
        ],
    )


# Guide 004's activation e-mail: its signature and its closing line, word for word.
MES_DEMARCHES_SIGNATURE = "L'équipe technique Mes Démarches Emploi et Formation Professionnelle."
AUTOMATON_NOTICE = (
    "Ce message est envoyé par un automate, merci de ne pas y répondre : votre réponse ne "
    "pourra pas être traitée."
)
PORTAIL_ACTIVATION_NOTICE = (
    f"{AUTOMATON_NOTICE} Si vous n'êtes pas à l'origine de cette action, veuillez ignorer ce "
    "message."
)


def portail_activation(ctx: PortailActivationContext, sites: Sites) -> Rendered:
    """A portal user signed up: guide 004's « Demande de création de votre compte » e-mail,
    the single-use link, the login (the e-mail address)."""
    portal = replace(
        mes_demarches(sites), signature=(MES_DEMARCHES_SIGNATURE,), notice=PORTAIL_ACTIVATION_NOTICE
    )
    return compose(
        portal,
        "Demande de création de votre compte Mes Démarches Emploi et Formation Professionnelle",
        greeting(ctx.prenom, ctx.nom, ctx.civilite),
        [
            Paragraph.of("Vous avez fait une demande de création de compte."),
            Action("Activer mon compte", ctx.activation_link),
            Paragraph.of(
                "Si vous rencontrez des difficultés pour activer ce lien, copiez-le et "
                "collez-le directement dans la barre d'adresse de votre navigateur."
            ),
            Paragraph.of(
                "Vous pourrez ensuite vous connecter avec votre identifiant (votre adresse "
                f"électronique : {ctx.login}) et le mot de passe que vous avez choisi."
            ),
            Paragraph.of(
                "À noter : le lien d'activation est valable pour une seule activation. Vous "
                f"avez {ctx.deadline()} pour effectuer cette action, passé ce délai, il vous "
                "faudra recommencer le processus d'inscription."
            ),
        ],
    )


_LOGIN_WORDS: dict[AccountKind, str] = {
    "titulaire": "votre numéro de sécurité sociale",
    "gestionnaire": "votre identifiant",
    "portail": "votre adresse électronique",
    "operateur": "votre identifiant",
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


# --- temporary passwords (guide 000) ----------------------------------------------------------


class MotDePasseTemporaireContext(_Context):
    # The temporary password; the identifiant only for a principal administrator, whom
    # nobody stands above to pass it on (guide 001 « recevra un courriel avec ses
    # identifiants »). A gestionnaire's comes from the administrator (guide 000): the
    # notifier does not even keep it in his context.
    temporary_password: str
    reason: Literal["creation", "regeneration"] = "creation"
    delete_if_unused_by: datetime | None = None
    # The delay behind delete_if_unused_by (identity's setting, seconds).
    unused_valid_seconds: int | None = None
    identifiant: str | None = None
    role: str | None = None

    @property
    def principal(self) -> bool:
        return self.role == "administrateur_principal" and bool(self.identifiant)


def _temporary_password(ctx: MotDePasseTemporaireContext) -> Paragraph:
    return Paragraph.of(f"Votre mot de passe temporaire est le suivant : {ctx.temporary_password}")


def _deletion_warning(ctx: MotDePasseTemporaireContext) -> list[Block]:
    """Guide 000's « Sans connexion de votre part sur l'espace privé, dans un délai de 15
    jours, le compte sera supprimé. », the delay counted from this e-mail's password (a
    regenerated one starts it again); nothing when no deadline runs."""
    if ctx.delete_if_unused_by is None:
        return []
    when = french_datetime(ctx.delete_if_unused_by)
    if ctx.unused_valid_seconds is not None:
        since = " à compter de ce nouveau mot de passe" if ctx.reason == "regeneration" else ""
        delay = f", dans un délai de {french_duration(ctx.unused_valid_seconds)}{since}"
        delay += f", soit le {when},"
    else:  # an older event, without the delay: the date alone
        delay = f" d'ici le {when},"
    return [
        Paragraph.of(
            f"Sans connexion de votre part sur l'espace privé{delay} le compte sera supprimé."
        )
    ]


def _login_page(url: str) -> list[Block]:
    return [
        Paragraph.of(
            "Important : pour vous rendre sur la page d'authentification de votre espace "
            "gestionnaire, cliquez sur le lien ci-dessous. Si vous avez des difficultés pour "
            "activer ce lien, copiez-le et collez-le directement dans la barre d'adresse de "
            "votre navigateur."
        ),
        Action("Accéder à mon espace gestionnaire", url),
    ]


def _cpf_sender(sites: Sites) -> Portal:
    # The guide's e-mail comes from « Compte personnel de formation »; same signature.
    return replace(espace_employeur(sites), name="Compte personnel de formation")


def _principal_credentials(ctx: MotDePasseTemporaireContext, sites: Sites) -> Rendered:
    """The principal administrator's identifiant and temporary password (guide 001), at
    his creation by the operator or when the operator resends them."""
    if ctx.reason == "creation":
        what = (
            "Votre organisme est inscrit sur l'espace privé du compte personnel de formation "
            "(CPF) et vous en êtes l'administrateur principal : vous habilitez et gérez les "
            "comptes des gestionnaires et des administrateurs délégués de votre organisme."
        )
        first_login = (
            "Lors de votre première connexion, vous devrez valider les Conditions Générales "
            "d'Utilisation et modifier votre mot de passe en respectant les règles de "
            "sécurité présentées sur le site."
        )
    else:
        what = (
            "La Caisse des Dépôts vous renvoie vos identifiants d'administrateur principal de "
            "l'espace privé du compte personnel de formation (CPF). Un nouveau mot de passe "
            "temporaire remplace l'ancien, qui ne fonctionne plus."
        )
        first_login = "Vous devrez le modifier dès votre prochaine connexion."
    return compose(
        _cpf_sender(sites),
        "Compte personnel de formation : vos identifiants d'administrateur principal",
        "Bonjour,",
        [
            Paragraph.of(what),
            Paragraph.of(f"Votre identifiant de connexion est le suivant : {ctx.identifiant}"),
            _temporary_password(ctx),
            Paragraph.of(first_login),
            *_login_page(sites.gestionnaire_login),
        ],
    )


def gestionnaire_habilitation(ctx: MotDePasseTemporaireContext, sites: Sites) -> Rendered:
    """A gestionnaire was created: only the temporary password (guide 000, word for word);
    the principal administrator: his identifiant too (guide 001)."""
    if ctx.principal:
        return _principal_credentials(ctx, sites)
    return compose(
        _cpf_sender(sites),
        "Compte personnel de formation : habilitation à l'espace gestionnaire",
        "Bonjour,",
        [
            Paragraph.of(
                "Votre compte sur l'espace privé du compte personnel de formation (CPF) a été "
                "créé par un administrateur de votre organisme. Cet administrateur vous "
                "communiquera votre identifiant de connexion."
            ),
            _temporary_password(ctx),
            Paragraph.of("Vous devrez le modifier dès votre première connexion."),
            *_login_page(sites.gestionnaire_login),
            *_deletion_warning(ctx),
        ],
    )


def gestionnaire_mot_de_passe_regenere(ctx: MotDePasseTemporaireContext, sites: Sites) -> Rendered:
    """An administrator regenerated a gestionnaire's password: the new temporary one only
    (the principal's, resent by the operator: with his identifiant)."""
    if ctx.principal:
        return _principal_credentials(ctx, sites)
    blocks: list[Block] = [
        Paragraph.of(
            "Un administrateur de votre organisme a généré un nouveau mot de passe temporaire "
            "pour votre compte sur l'espace privé du compte personnel de formation (CPF). "
            "Votre identifiant de connexion ne change pas : en cas d'oubli, demandez-le à cet "
            "administrateur."
        ),
        _temporary_password(ctx),
        Paragraph.of(
            "Vous devrez le modifier dès votre prochaine connexion. Votre ancien mot de passe "
            "ne fonctionne plus."
        ),
        *_login_page(sites.gestionnaire_login),
        *_deletion_warning(ctx),  # still never logged in: the rule runs again from now
    ]
    return compose(
        _cpf_sender(sites),
        "Compte personnel de formation : nouveau mot de passe temporaire",
        "Bonjour,",
        blocks,
    )


def operateur_mot_de_passe_temporaire(ctx: MotDePasseTemporaireContext, sites: Sites) -> Rendered:
    """A back-office agent's account was created or its password regenerated."""
    portal = back_office(sites)
    what = (
        "Votre compte sur le back-office du compte personnel de formation (CPF) a été créé."
        if ctx.reason == "creation"
        else "Un nouveau mot de passe temporaire a été généré pour votre compte sur le "
        "back-office du compte personnel de formation (CPF) ; l'ancien ne fonctionne plus."
    )
    return compose(
        portal,
        "Back-office CPF : votre mot de passe temporaire",
        "Bonjour,",
        [
            Paragraph.of(
                what,
                " Votre identifiant de connexion vous est communiqué par votre administrateur.",
            ),
            _temporary_password(ctx),
            Paragraph.of("Vous devrez le modifier dès votre première connexion."),
            Paragraph.of("Pour vous connecter au back-office :"),
            Action("Accéder au back-office", sites.operateur_login),
        ],
    )


# --- forgotten password, new address, lock ----------------------------------------------------


class _PersonContext(_Context):
    kind: AccountKind
    prenom: str = ""
    nom: str = ""


class MotDePasseOublieContext(_PersonContext):
    reset_link: str
    expires_at: datetime


def mot_de_passe_oublie(ctx: MotDePasseOublieContext, sites: Sites) -> Rendered:
    """« Mot de passe oublié »: the single-use reset link and its validity (guides 000, 003)."""
    portal = portal_of(ctx.kind, sites)
    return compose(
        portal,
        f"{portal.name} : réinitialisation de votre mot de passe",
        greeting(ctx.prenom, ctx.nom),
        [
            Paragraph.of(
                "Vous avez demandé à réinitialiser le mot de passe de "
                f"{portal.your_account}. Pour choisir un nouveau mot de passe, cliquez sur le lien "
                "ci-dessous ou copiez-le dans la barre d'adresse de votre navigateur :"
            ),
            Action("Choisir un nouveau mot de passe", ctx.reset_link),
            Paragraph.of(
                "Ce lien ne peut servir qu'une seule fois. Il est valable jusqu'au "
                f"{french_datetime(ctx.expires_at)}. Passé ce délai, faites une nouvelle "
                "demande depuis « Mot de passe oublié » sur la page de connexion."
            ),
            Paragraph.of(
                "Vous n'êtes pas à l'origine de cette demande ? Ignorez ce courriel : votre "
                "mot de passe reste inchangé."
            ),
        ],
    )


class ChangementAdresseContext(_PersonContext):
    confirmation_link: str
    expires_at: datetime


def changement_adresse(ctx: ChangementAdresseContext, sites: Sites) -> Rendered:
    """Sent to the new address: confirm it, with a single-use link."""
    portal = portal_of(ctx.kind, sites)
    return compose(
        portal,
        f"{portal.name} : confirmez votre nouvelle adresse électronique",
        greeting(ctx.prenom, ctx.nom),
        [
            Paragraph.of(
                "Vous avez demandé à utiliser cette adresse électronique pour "
                f"{portal.your_account}. Pour la confirmer, cliquez sur le lien ci-dessous ou "
                "copiez-le dans la barre d'adresse de votre navigateur :"
            ),
            Action("Confirmer mon adresse", ctx.confirmation_link),
            Paragraph.of(
                "Ce lien ne peut servir qu'une seule fois. Il est valable jusqu'au "
                f"{french_datetime(ctx.expires_at)}. Tant que vous ne l'avez pas confirmée, "
                "votre ancienne adresse reste celle de votre compte."
            ),
            Paragraph.of(
                "Vous n'êtes pas à l'origine de cette demande ? Ignorez ce courriel : "
                "l'adresse de votre compte ne sera pas modifiée."
            ),
        ],
    )


class AdresseModifieeContext(_PersonContext):
    new_email: str
    undo_link: str
    undo_expires_at: datetime


def adresse_modifiee(ctx: AdresseModifieeContext, sites: Sites) -> Rendered:
    """Sent to the *previous* address (V4): the address changed, and a single-use link puts
    it back until ``undo_expires_at``, ending every session."""
    portal = portal_of(ctx.kind, sites)
    return compose(
        portal,
        f"{portal.name} : l'adresse électronique de votre compte a été modifiée",
        greeting(ctx.prenom, ctx.nom),
        [
            Paragraph.of(
                f"L'adresse électronique de {portal.your_account} vient d'être remplacée par "
                f"{ctx.new_email}. Les prochains courriels seront envoyés à cette adresse."
            ),
            Paragraph.of(
                "Vous n'êtes pas à l'origine de ce changement ? Rétablissez votre adresse en "
                "cliquant sur le lien ci-dessous : toutes les sessions ouvertes sur votre "
                "compte seront fermées. Choisissez ensuite un nouveau mot de passe avec "
                "« Mot de passe oublié »."
            ),
            Action("Rétablir mon adresse", ctx.undo_link),
            Paragraph.of(
                "Ce lien ne peut servir qu'une seule fois. Il est valable jusqu'au "
                f"{french_datetime(ctx.undo_expires_at)}."
            ),
            Paragraph.of("Vous êtes à l'origine de ce changement ? Vous n'avez rien à faire."),
        ],
    )


class CompteVerrouilleContext(_PersonContext):
    locked_until: datetime


def compte_verrouille(ctx: CompteVerrouilleContext, sites: Sites) -> Rendered:
    """Too many failed logins: locked until when, and « Mot de passe oublié » if not you."""
    portal = portal_of(ctx.kind, sites)
    return compose(
        portal,
        f"{portal.name} : votre compte est temporairement verrouillé",
        greeting(ctx.prenom, ctx.nom),
        [
            Paragraph.of(
                "À la suite de plusieurs tentatives de connexion infructueuses, "
                f"{portal.your_account} est temporairement verrouillé jusqu'au "
                f"{french_datetime(ctx.locked_until)}. Vous pourrez vous connecter de nouveau "
                "après cette date."
            ),
            Paragraph.of(
                "Si vous n'êtes pas à l'origine de ces tentatives, quelqu'un essaie peut-être "
                "d'accéder à votre compte : choisissez un nouveau mot de passe en cliquant sur "
                "« Mot de passe oublié » sur la page de connexion, ",
                Link(sites.login(ctx.kind)),
                ".",
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
        Template(GESTIONNAIRE_HABILITATION, MotDePasseTemporaireContext, gestionnaire_habilitation),
        Template(
            GESTIONNAIRE_MOT_DE_PASSE_REGENERE,
            MotDePasseTemporaireContext,
            gestionnaire_mot_de_passe_regenere,
        ),
        Template(
            OPERATEUR_MOT_DE_PASSE_TEMPORAIRE,
            MotDePasseTemporaireContext,
            operateur_mot_de_passe_temporaire,
        ),
        Template(MOT_DE_PASSE_OUBLIE, MotDePasseOublieContext, mot_de_passe_oublie),
        Template(CHANGEMENT_ADRESSE, ChangementAdresseContext, changement_adresse),
        Template(COMPTE_VERROUILLE, CompteVerrouilleContext, compte_verrouille),
        Template(ADRESSE_MODIFIEE, AdresseModifieeContext, adresse_modifiee),
    )
}


class RenderError(Exception):
    """A context that a template cannot render; the message never quotes a context value."""


def printable(value: Any) -> Any:
    """V6: every text of a context without control characters (line breaks, ESC…) or
    bidirectional overrides: a name typed with them never reaches a subject, a header or
    a body. Identity refuses them at its API; this holds for what comes from elsewhere."""
    if isinstance(value, str):
        return without_control_characters(value)
    if isinstance(value, dict):
        return {k: printable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [printable(v) for v in value]
    return value


def _demarche_templates() -> Mapping[str, Template]:
    # The démarches' e-mails (guides 002 and 004) are written with this module's blocks, in
    # a module of their own: imported when first rendered, once both modules are loaded.
    from notifier.domain import demarche_templates

    return demarche_templates.TEMPLATES


def render(name: str, context: Mapping[str, Any], sites: Sites) -> Rendered:
    """Render template ``name``; raise :class:`RenderError` naming only fields, never values."""
    template = TEMPLATES.get(name) or _demarche_templates().get(name)
    if template is None:
        raise RenderError(f"modèle inconnu : {name}")
    try:
        parsed = template.context.model_validate(printable(dict(context)))
    except ValidationError as exc:
        # Never str(exc): pydantic quotes the input, and the input holds unsealed secrets.
        fields = sorted({".".join(str(p) for p in err["loc"]) for err in exc.errors()})
        raise RenderError(f"contexte invalide pour {name} : {', '.join(fields)}") from None
    return template.render(parsed, sites)
