"""The shapes of the démarches' API (French business fields; separate from the tables)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from cpf_contracts.catalogue import Demarche
from pydantic import BaseModel, ConfigDict, Field

from habilitation.domain.demarches import (
    AccessRequest,
    Delegation,
    DemarcheHabilitation,
    Invitation,
    PortailAccount,
    delegation_text,
    habilitation_text,
)


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RoleOut(BaseModel):
    role: str
    label: str
    description: str


class DemarcheOut(BaseModel):
    demarche: str
    label: str
    description: str
    roles: list[RoleOut]
    invitations: bool = Field(description="La démarche propose l'invitation (Ceres).")
    delegations: bool = Field(description="La démarche propose la délégation à un tiers.")


def demarche_out(found: Demarche) -> DemarcheOut:
    return DemarcheOut(
        demarche=found.code,
        label=found.label,
        description=found.description,
        roles=[RoleOut(role=r.code, label=r.label, description=r.description) for r in found.roles],
        invitations=found.invitations,
        delegations=found.delegations,
    )


def role_label(found: Demarche, role: str) -> str:
    known = found.role(role)
    return known.label if known else role


class HabilitationOut(BaseModel):
    id: uuid.UUID
    account_id: uuid.UUID
    demarche: str
    role: str
    label: str
    siret: str
    provenance: str
    habilite_le: datetime


def habilitation_out(found: Demarche, h: DemarcheHabilitation) -> HabilitationOut:
    return HabilitationOut(
        id=h.id,
        account_id=h.account_id,
        demarche=h.demarche,
        role=h.role,
        label=role_label(found, h.role),
        siret=h.siret,
        provenance=h.provenance,
        habilite_le=h.granted_at,
    )


class DelegationOut(BaseModel):
    id: uuid.UUID
    demarche: str
    role: str
    label: str
    siret: str = Field(description="Le SIRET de l'entreprise couvert par la délégation.")
    raison_sociale: str
    siret_tiers: str
    email_tiers: str
    fin: date | None = Field(description="Dernier jour de la délégation (incluse).")
    statut: str = Field(description="proposee, acceptee, revoquee ou terminee.")
    proposee_le: datetime
    acceptee_le: datetime | None
    texte: str = Field(description="« Organisme de formation - SIRET …, Habilité le … par … »")


def delegation_out(found: Demarche, d: Delegation) -> DelegationOut:
    return DelegationOut(
        id=d.id,
        demarche=d.demarche,
        role=d.role,
        label=role_label(found, d.role),
        siret=d.siret,
        raison_sociale=d.raison_sociale,
        siret_tiers=d.tiers_siret,
        email_tiers=d.tiers_email,
        fin=d.ends_on,
        statut=d.status,
        proposee_le=d.proposed_at,
        acceptee_le=d.accepted_at,
        texte=delegation_text(d),
    )


class EtablissementOut(BaseModel):
    siret: str
    roles: list[RoleOut]
    gestionnaire: bool = Field(description="Je gère les accès de ce SIRET à la démarche.")


class MaDemarcheOut(DemarcheOut):
    etablissements: list[EtablissementOut] = Field(description="Mes rôles, par SIRET.")
    delegations_recues: list[DelegationOut] = Field(
        description="Les délégations sous lesquelles j'agis pour le compte d'une entreprise."
    )


class AccueilOut(BaseModel):
    mes_demarches: list[MaDemarcheOut]
    autres_demarches: list[DemarcheOut]


class ViaOut(BaseModel):
    role: str = Field(description="Code du rôle (catalogue des démarches).")
    delegation: bool = Field(description="Rôle tenu par une délégation (tiers), non en propre.")
    pour_siret: str = Field(description="SIRET pour lequel le rôle est tenu (celui demandé).")
    fin: date | None = Field(
        None, description="Dernier jour de la délégation ; absent pour un rôle en propre."
    )
    tiers_siret: str | None = Field(None, description="SIRET du tiers, pour une délégation.")


class AutorisationOut(BaseModel):
    """What the user may do for the SIRET on the démarche, end dates applied now."""

    autorise: bool = Field(description="Le compte tient au moins un rôle pour ce SIRET.")
    roles: list[str] = Field(description="Les rôles tenus (en propre ou par délégation).")
    via: list[ViaOut] = Field(description="Comment chaque rôle est tenu.")


class DemandeAccesIn(In):
    siret: str = Field(max_length=20)
    role_souhaite: str | None = Field(None, max_length=40)


class DemandeOut(BaseModel):
    id: uuid.UUID
    demarche: str
    siret: str
    account_id: uuid.UUID
    nom: str | None = None
    prenom: str | None = None
    email: str | None = None
    role_souhaite: str | None
    statut: str
    demandee_le: datetime
    role: str | None = None
    motif: str | None = None


def demande_out(r: AccessRequest, who: PortailAccount | None = None) -> DemandeOut:
    return DemandeOut(
        id=r.id,
        demarche=r.demarche,
        siret=r.siret,
        account_id=r.account_id,
        nom=who.nom if who else None,
        prenom=who.prenom if who else None,
        email=who.email if who else None,
        role_souhaite=r.wished_role,
        statut=r.status,
        demandee_le=r.requested_at,
        role=r.role,
        motif=r.reason,
    )


class DecisionIn(In):
    decision: Literal["acceptee", "refusee"]
    role: str | None = Field(None, max_length=40)
    motif: str | None = Field(None, max_length=2000)


class CompteOut(BaseModel):
    account_id: uuid.UUID
    civilite: str
    nom: str
    prenom: str
    email: str
    siret: str | None
    raison_sociale: str | None


def compte_out(a: PortailAccount) -> CompteOut:
    return CompteOut(
        account_id=a.account_id,
        civilite=a.civilite,
        nom=a.nom,
        prenom=a.prenom,
        email=a.email,
        siret=a.siret,
        raison_sociale=a.raison_sociale,
    )


class InvitationIn(In):
    role: str = Field(max_length=40)
    siret: str = Field(max_length=20)
    account_id: uuid.UUID | None = Field(None, description="Un compte trouvé par son nom…")
    email: str | None = Field(None, max_length=300, description="… ou l'adresse e-mail.")


class ApercuOut(BaseModel):
    objet: str
    message: str


class DelegationApercuOut(ApercuOut):
    confirmation: str = Field(description="L'avertissement de l'étape de confirmation.")


class InvitationOut(BaseModel):
    id: uuid.UUID
    demarche: str
    role: str
    siret: str
    raison_sociale: str
    email: str
    account_id: uuid.UUID | None
    statut: str
    envoyee_le: datetime
    expire_le: datetime


def invitation_out(i: Invitation) -> InvitationOut:
    return InvitationOut(
        id=i.id,
        demarche=i.demarche,
        role=i.role,
        siret=i.siret,
        raison_sociale=i.raison_sociale,
        email=i.invitee_email,
        account_id=i.invitee_account_id,
        statut=i.status,
        envoyee_le=i.sent_at,
        expire_le=i.expires_at,
    )


class InvitationSentOut(InvitationOut):
    message: str = Field(description="« Email d'invitation transmis »")


class DelegationIn(In):
    siret_tiers: str = Field(max_length=20)
    email_tiers: str = Field(max_length=300)
    role: str = Field(max_length=40)
    siret: str = Field(max_length=20)
    fin: date | None = None


class DelegationChangeIn(In):
    role: str | None = Field(None, max_length=40)
    fin: date | None = None


class HabilitationIn(In):
    account_id: uuid.UUID
    role: str = Field(max_length=40)
    siret: str = Field(max_length=20)


class HabilitationChangeIn(In):
    role: str = Field(max_length=40)


class LigneHabilitationOut(HabilitationOut):
    texte: str = Field(description="« Gestionnaire - SIRET … »")
    detail: str = Field(description="« Habilité le 22/03/2017 par code d'activation »…")


class UtilisateurOut(BaseModel):
    account_id: uuid.UUID
    civilite: str
    nom: str
    prenom: str
    email: str
    telephone: str | None
    tiers: bool
    habilitations: list[LigneHabilitationOut]
    delegations: list[DelegationOut]


class FacetteRole(BaseModel):
    role: str
    label: str
    count: int


class Facettes(BaseModel):
    roles: list[FacetteRole] = Field(description="Par rôle, sans le filtre de rôle lui-même.")
    tiers: dict[str, int] = Field(description="{oui, non}, sans le filtre tiers lui-même.")


class UtilisateursOut(BaseModel):
    total: int = Field(description="Nombre de droits d'accès trouvés.")
    facettes: Facettes
    utilisateurs: list[UtilisateurOut]
    demandes_en_attente: list[DemandeOut]
    delegations: list[DelegationOut] = Field(description="Délégations en cours ou proposées.")


def ligne_out(
    found: Demarche, h: DemarcheHabilitation, names: dict[uuid.UUID, str]
) -> LigneHabilitationOut:
    base = habilitation_out(found, h)
    by = names.get(h.granted_by) if h.granted_by else None
    return LigneHabilitationOut(
        **base.model_dump(),
        texte=f"{base.label} - SIRET {h.siret}",
        detail=habilitation_text(h.provenance, h.granted_at, by),
    )
