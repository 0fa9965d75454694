"""The activation letter (« courrier »), as guide 004 shows it: place and date, the
organisation's name and address, the object, the body, the portal's address, the SIRET and
the code, the assistance line, the authority's signature.

This module writes the words; ``adapters/letters.py`` lays them out as a PDF. The code
comes from the agent who just received it (it is never stored in clear).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cpf_contracts.catalogue import Demarche

from demarche.domain.codes import Destinataire

MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip


def french_date(day: date) -> str:
    """« 1 décembre 2026 »: French month names, whatever the process's locale."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class Letter:
    """Every element of the letter (``adapters/letters.py`` lays them out)."""

    lieu_date: str
    destinataire: tuple[str, ...]
    objet: str
    salutation: str
    paragraphes: tuple[str, ...]
    portail: str
    elements_du_dossier: str
    identifiants: str
    assistance: str
    signature: str


# Why the organisation receives the letter, per démarche (guide 004 for Ceres; the others
# in the same words, adapted to what the démarche is for).
INTRODUCTIONS = {
    "ceres": (
        "Vous avez un agrément pour organiser des sessions d'examen pour l'obtention d'un "
        "titre professionnel du ministère chargé de l'emploi."
    ),
    "mon_activite_formation": (
        "Vous êtes un organisme de formation : vous déclarez votre activité et transmettez "
        "chaque année votre bilan pédagogique et financier (BPF)."
    ),
    "mes_collectes_formation": (
        "Votre structure participe aux collectes de la formation professionnelle."
    ),
    "mon_suivi_du_controle": (
        "Votre structure fait l'objet d'un suivi du contrôle de la formation professionnelle."
    ),
}
PURPOSES = {
    "ceres": (
        "CERES (CERTIFICATIONS Emplois), l'applicatif qui centralise l'ensemble des "
        "processus métiers gérés par les différents acteurs de la politique du titre "
        "professionnel du ministère chargé de l'emploi"
    ),
}
NOT_CONCERNED = {
    "ceres": "ni votre centre, ni votre siège n'êtes concernés par ce courrier",
}


def object_of(demarche: Demarche) -> str:
    what = "l'applicatif" if demarche.code == "ceres" else "la démarche"
    return f"Objet : Modalités d'accès à {what} {demarche.label}"


def letter(
    *,
    demarche: Demarche,
    destinataire: Destinataire,
    siret: str,
    code: str,
    ville: str,
    service: str,
    day: date,
    portal_url: str,
    assistance: str,
) -> Letter:
    """The letter for ``code``, written from ``ville`` on ``day`` by ``service``."""
    purpose = PURPOSES.get(demarche.code, demarche.label)
    not_concerned = NOT_CONCERNED.get(
        demarche.code, "votre structure n'est pas concernée par ce courrier"
    )
    return Letter(
        lieu_date=f"{ville}, le {french_date(day)}",
        destinataire=(
            destinataire.raison_sociale,
            destinataire.adresse,
            f"{destinataire.code_postal} {destinataire.commune}",
        ),
        objet=object_of(demarche),
        salutation="Madame, Monsieur,",
        paragraphes=(
            INTRODUCTIONS[demarche.code],
            f"Pour vous connecter à {purpose}, vous devez créer un compte personnel "
            f"{demarche.label} sur le portail de services :",
        ),
        portail=portal_url,
        elements_du_dossier=(
            "Pour ce faire, vous devez vous munir des éléments suivants de votre dossier :"
        ),
        identifiants=f"SIRET : {siret}    Code d'activation : {code}",
        assistance=(
            "En cas de difficultés pour vous créer un compte, ou si vous estimez que "
            f"{not_concerned}, vous pouvez vous adresser au service d'assistance "
            f"téléphonique {assistance}."
        ),
        signature=service,
    )
