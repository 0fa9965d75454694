"""The catalogue of démarches (online procedures of the *Mes Démarches* portal) and their roles.

A *démarche* is a procedure a structure carries out on the portal (its activity declaration,
its exam centres…); each has its own roles. The catalogue is the shared vocabulary of the
platform: demarche serves it (``GET /v1/demarches``) and issues its activation codes,
habilitation grants its roles, the notifier names them in e-mails. It lives here, beside
the events that carry its codes, so that every service reads the same codes and labels; a
new démarche or role is a compatible change of this library (ADR 0006).

Codes are ASCII and stable (they travel in events and tokens); labels and descriptions are
the guides' words (guides 002 and 004).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

DemarcheCode = Literal[
    "mon_activite_formation", "ceres", "mes_collectes_formation", "mon_suivi_du_controle"
]
RoleCode = Literal["gestionnaire", "declarant", "gestionnaire_centres", "centre_agree"]


@dataclass(frozen=True)
class Role:
    code: RoleCode
    label: str
    description: str


@dataclass(frozen=True)
class Demarche:
    """One démarche: its roles, the role an activation code gives (the structure's first
    user becomes its gestionnaire), the authority that issues its codes, and which ways of
    bringing others in it offers (invitations: Ceres, guide 004; delegations to a third
    party: Mon Activité Formation, guide 002; access requests: every démarche)."""

    code: DemarcheCode
    label: str
    description: str
    roles: tuple[Role, ...]
    manager_role: RoleCode
    authority: str
    invitations: bool
    delegations: bool

    def role(self, code: str) -> Role | None:
        return next((role for role in self.roles if role.code == code), None)


_GESTIONNAIRE = Role(
    "gestionnaire", "Gestionnaire", "Gérer les accès de votre structure à la démarche"
)

CATALOGUE: tuple[Demarche, ...] = (
    Demarche(
        code="mon_activite_formation",
        label="Mon Activité Formation",
        description="Déclaration d'activité et bilan pédagogique et financier (BPF)",
        roles=(
            _GESTIONNAIRE,
            Role(
                "declarant",
                "Déclarant",
                "Remplir votre déclaration d'activité et votre bilan pédagogique et financier",
            ),
        ),
        manager_role="gestionnaire",
        authority="DGEFP et ses services régionaux de contrôle",
        invitations=False,
        delegations=True,
    ),
    Demarche(
        code="ceres",
        label="CERES",
        description="Centres agréés pour les sessions d'examen du titre professionnel",
        roles=(
            Role(
                "gestionnaire_centres", "Gestionnaire CENTRES", "Gestionnaire des comptes CENTRES"
            ),
            Role("centre_agree", "Centre agréé", "Centres de formation"),
        ),
        manager_role="gestionnaire_centres",
        authority="Direccte",
        invitations=True,
        delegations=False,
    ),
    Demarche(
        code="mes_collectes_formation",
        label="Mes collectes formation",
        description="Collectes de la formation professionnelle",
        roles=(_GESTIONNAIRE,),
        manager_role="gestionnaire",
        authority="DGEFP",
        invitations=False,
        delegations=False,
    ),
    Demarche(
        code="mon_suivi_du_controle",
        label="Mon suivi du contrôle",
        description="Suivi des contrôles de la formation professionnelle",
        roles=(_GESTIONNAIRE,),
        manager_role="gestionnaire",
        authority="DGEFP et ses services régionaux de contrôle",
        invitations=False,
        delegations=False,
    ),
)

_BY_CODE: dict[str, Demarche] = {demarche.code: demarche for demarche in CATALOGUE}


def demarche(code: str) -> Demarche | None:
    """The démarche of this code, ``None`` when the catalogue has none."""
    return _BY_CODE.get(code)
