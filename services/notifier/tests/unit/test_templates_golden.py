"""Every e-mail, word for word: each template rendered from fixed contexts and compared with
its approved text in ``golden/`` (subject, sender, text part, HTML part).

The other template tests say what an e-mail must contain; these catch any change at all (a
lost signature line, a login link pointing elsewhere, a singular turned plural, a naive
datetime read in the wrong zone), which is what mutation testing asks of the domain
(docs/mutation.md). A wording change is deliberate: regenerate with
``UPDATE_GOLDEN=1 uv run --frozen pytest services/notifier/tests/unit/test_templates_golden.py``
and review the diff of ``golden/`` like any other change.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from notifier.domain.templates import Rendered, Sites, render

GOLDEN = Path(__file__).parent / "golden"
SITES = Sites(
    moncompteformation="https://mcf.test",
    mesdemarches="https://md.test",
    titulaire_login="https://mcf.test/login-titulaire",
    gestionnaire_login="https://employeur.test/login-gestionnaire",
    portail_login="https://md.test/login-portail",
    operateur_login="https://bo.test/login-operateur",
)
# 1 December 2026 13:05 UTC = 14 h 05 in Paris (winter time); a first of the month: « 1er ».
AWARE = datetime(2026, 12, 1, 13, 5, tzinfo=UTC)
# A naive datetime is read as UTC: 16 July 2026 08:30 UTC = 10 h 30 in Paris (summer time).
NAIVE = datetime(2026, 7, 16, 8, 30)
HOUR, DAY = 3600, 86400
KINDS = ("titulaire", "gestionnaire", "portail", "operateur")
PERSON = {"civilite": "MME", "prenom": "Zoé", "nom": "Brontë <Test> & Fils"}

CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "titulaire_activation": (
        "titulaire_activation",
        PERSON
        | {
            "activation_link": "https://mcf.test/a?t=1&u=2",
            "activation_expires_at": AWARE,
            "activation_valid_seconds": 15 * DAY,
        },
    ),
    "titulaire_activation_sans_prenom": (
        "titulaire_activation",
        {
            "civilite": "M",
            "prenom": "",
            "nom": "Martin",
            "activation_link": "https://mcf.test/a",
            "activation_expires_at": NAIVE,
        },
    ),
    "portail_activation": (
        "portail_activation",
        PERSON
        | {
            "activation_link": "https://md.test/a?t=1",
            "activation_expires_at": NAIVE,
            "activation_valid_seconds": 24 * HOUR,
            "login": "zoe@example.fr",
        },
    ),
    **{
        f"inscription_compte_existant_{kind}": (
            "inscription_compte_existant",
            {"kind": kind, "prenom": "Zoé", "nom": "Martin"},
        )
        for kind in KINDS
    },
    "gestionnaire_habilitation": (
        "gestionnaire_habilitation",
        {
            "temporary_password": "iZgrlexi6092gOet",
            "delete_if_unused_by": AWARE,
            "unused_valid_seconds": 15 * DAY,
            "role": "gestionnaire",
        },
    ),
    "gestionnaire_habilitation_sans_date": (
        "gestionnaire_habilitation",
        {"temporary_password": "iZgrlexi6092gOet", "delete_if_unused_by": AWARE},
    ),
    "administrateur_principal_creation": (
        "gestionnaire_habilitation",
        {
            "temporary_password": "iZgrlexi6092gOet",
            "identifiant": "JMCOL030",
            "role": "administrateur_principal",
        },
    ),
    "administrateur_principal_renvoi": (
        "gestionnaire_mot_de_passe_regenere",
        {
            "temporary_password": "iZgrlexi6092gOet",
            "reason": "regeneration",
            "identifiant": "JMCOL030",
            "role": "administrateur_principal",
        },
    ),
    "gestionnaire_mot_de_passe_regenere": (
        "gestionnaire_mot_de_passe_regenere",
        {
            "temporary_password": "A<b>&c",
            "reason": "regeneration",
            "delete_if_unused_by": NAIVE,
            "unused_valid_seconds": 15 * DAY,
        },
    ),
    "gestionnaire_mot_de_passe_regenere_sans_date": (
        "gestionnaire_mot_de_passe_regenere",
        {"temporary_password": "iZgrlexi6092gOet", "reason": "regeneration"},
    ),
    "operateur_mot_de_passe_temporaire": (
        "operateur_mot_de_passe_temporaire",
        {"temporary_password": "iZgrlexi6092gOet", "delete_if_unused_by": AWARE},
    ),
    "operateur_mot_de_passe_temporaire_regeneration": (
        "operateur_mot_de_passe_temporaire",
        {"temporary_password": "iZgrlexi6092gOet", "reason": "regeneration"},
    ),
    **{
        f"mot_de_passe_oublie_{kind}": (
            "mot_de_passe_oublie",
            {
                "kind": kind,
                "prenom": "Zoé",
                "nom": "Martin",
                "reset_link": f"https://reset.test/{kind}",
                "expires_at": AWARE,
            },
        )
        for kind in KINDS
    },
    **{
        f"changement_adresse_{kind}": (
            "changement_adresse",
            {
                "kind": kind,
                "confirmation_link": f"https://confirm.test/{kind}",
                "expires_at": NAIVE,
            },
        )
        for kind in KINDS
    },
    **{
        f"adresse_modifiee_{kind}": (
            "adresse_modifiee",
            {
                "kind": kind,
                "prenom": "Zoé",
                "nom": "Martin",
                "new_email": "zoe.nouvelle@example.fr",
                "undo_link": f"https://undo.test/{kind}",
                "undo_expires_at": AWARE,
            },
        )
        for kind in KINDS
    },
    **{
        f"compte_verrouille_{kind}": (
            "compte_verrouille",
            {"kind": kind, "prenom": "Zoé", "nom": "", "locked_until": AWARE},
        )
        for kind in KINDS
    },
}


def as_text(rendered: Rendered) -> str:
    return (
        f"subject: {rendered.subject}\nsender: {rendered.sender_name}\n"
        f"--- text\n{rendered.text}--- html\n{rendered.html}"
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_email_is_the_approved_one(case: str) -> None:
    name, context = CASES[case]
    actual = as_text(render(name, context, SITES))
    path = GOLDEN / f"{case}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


def test_every_template_has_an_approved_email() -> None:
    from notifier.domain.templates import TEMPLATES

    assert {name for name, _ in CASES.values()} == set(TEMPLATES)
    assert {p.stem for p in GOLDEN.glob("*.txt")} == set(CASES)
