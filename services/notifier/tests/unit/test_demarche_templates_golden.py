"""The démarches' e-mails, word for word: each rendered from fixed contexts and compared with
its approved text in ``golden/demarches/`` (subject, sender, text part, HTML part), as
``test_templates_golden.py`` does for the accounts' e-mails. A wording change is deliberate:
regenerate with ``UPDATE_GOLDEN=1 uv run --frozen pytest
services/notifier/tests/unit/test_demarche_templates_golden.py`` and review the diff.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from notifier.domain.demarche_templates import TEMPLATES
from notifier.domain.templates import Sites, render

GOLDEN = Path(__file__).parent / "golden" / "demarches"
SITES = Sites(mesdemarches="https://md.test", portail_login="https://md.test/login-portail")
# 1 December 2026 13:05 UTC = 14 h 05 in Paris (winter time); a first of the month: « 1er ».
AWARE = datetime(2026, 12, 1, 13, 5, tzinfo=UTC)
NAME = {"prenom": "Zoé", "nom": "Brontë <Test> & Fils"}
MAF = {"demarche": "mon_activite_formation", "siret": "51831541100012"}
CERES = {"demarche": "ceres", "siret": "79810137400012"}
REQUEST = {
    "gestionnaire_prenom": "Amandine",
    "gestionnaire_nom": "Munoz Ortega",
    "requester_prenom": "Paul",
    "requester_nom": "Durand <b>",
    "requester_email": "paul.durand@of.test",
}
INVITATION = CERES | {
    "role": "centre_agree",
    "raison_sociale": "CFI ATLANTIQUE & <Co>",
    "prenom": "Guy",
    "nom": "Duponttest",
    "accept_link": "https://md.test/invitations/0b8a?x=1&y=2",
    "invitee_email": "invite@centre.test",
    "expires_at": AWARE,
}
DELEGATION = MAF | {
    "role": "declarant",
    "raison_sociale": "EKYSS",
    "prenom": "AMANDINE",
    "nom": "MUNOZ ORTEGA",
    "accept_link": "https://md.test/delegations/7c1e",
    "tiers_email": "prenom.nom@fournisseur.test",
    "tiers_siret": "39491558100034",
}

CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "demande_acces": ("demande_acces", MAF | REQUEST | {"wished_role": "declarant"}),
    "demande_acces_sans_role": ("demande_acces", CERES | REQUEST),
    "demande_acces_acceptee": ("demande_acces_acceptee", MAF | NAME | {"role": "declarant"}),
    "demande_acces_refusee": (
        "demande_acces_refusee",
        CERES | NAME | {"reason": "Vous n'êtes pas salarié du centre."},
    ),
    "demande_acces_refusee_sans_motif": ("demande_acces_refusee", MAF | NAME),
    "invitation_demarche": ("invitation_demarche", INVITATION),
    "invitation_demarche_compte_existant": (
        "invitation_demarche",
        INVITATION | {"role": "gestionnaire_centres", "has_account": True},
    ),
    "delegation_tiers": ("delegation_tiers", DELEGATION | {"ends_on": "2027-05-01"}),
    "delegation_tiers_sans_fin": ("delegation_tiers", DELEGATION),
}


def as_text(name: str, context: dict[str, Any]) -> str:
    rendered = render(name, context, SITES)
    return (
        f"subject: {rendered.subject}\nsender: {rendered.sender_name}\n"
        f"--- text\n{rendered.text}--- html\n{rendered.html}"
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_email_is_the_approved_one(case: str) -> None:
    actual = as_text(*CASES[case])
    path = GOLDEN / f"{case}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


def test_every_template_has_an_approved_email() -> None:
    assert {name for name, _ in CASES.values()} == set(TEMPLATES)
    assert {p.stem for p in GOLDEN.glob("*.txt")} == set(CASES)
