"""The démarches of the Mes Démarches portal: the directory of portal accounts, démarche
habilitations, access requests, invitations and delegations to a third party (issue 10).

Revision ID: 0003_demarches
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_demarches"
down_revision = "0002"
branch_labels = None
depends_on = None


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _s(name: str, length: int, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.String(length), nullable=nullable)


def _id(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Uuid, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "portail_account",
        _id("account_id"),
        _s("civilite", 3),
        _s("prenom", 100),
        _s("nom", 100),
        _s("email", 254),
        _s("telephone", 20, True),
        _s("siret", 14, True),
        _s("siren", 9, True),
        _s("raison_sociale", 200, True),
        _s("nom_cle", 100),
        _s("prenom_cle", 100),
        _at("activated_at"),
        sa.PrimaryKeyConstraint("account_id", name="pk_portail_account"),
    )
    op.create_index("ix_portail_account_email", "portail_account", ["email"])
    for column in ("nom", "prenom"):
        op.create_index(
            f"ix_portail_account_siren_{column}",
            "portail_account",
            ["siren", f"{column}_cle"],
            postgresql_ops={f"{column}_cle": "varchar_pattern_ops"},
        )
    op.create_table(
        "demarche_habilitation",
        _id("id"),
        _id("account_id"),
        _s("demarche", 40),
        _s("role", 40),
        _s("siret", 14),
        _s("siren", 9),
        _s("provenance", 20),
        _id("granted_by", True),
        _at("granted_at"),
        sa.PrimaryKeyConstraint("id", name="pk_demarche_habilitation"),
        sa.UniqueConstraint("account_id", "demarche", "siret", name="uq_demarche_habilitation"),
    )
    op.create_index(
        "ix_demarche_habilitation_company", "demarche_habilitation", ["demarche", "siren"]
    )
    op.create_table(
        "access_request",
        _id("id"),
        _s("demarche", 40),
        _s("siret", 14),
        _s("siren", 9),
        _id("account_id"),
        _s("wished_role", 40, True),
        _s("status", 20),
        _at("requested_at"),
        _id("decided_by", True),
        _at("decided_at", True),
        _s("role", 40, True),
        _s("reason", 500, True),
        sa.PrimaryKeyConstraint("id", name="pk_access_request"),
    )
    op.create_index(
        "uq_access_request_pending",
        "access_request",
        ["account_id", "demarche", "siret"],
        unique=True,
        postgresql_where=sa.text("status = 'en_attente'"),
    )
    op.create_index("ix_access_request_company", "access_request", ["demarche", "siren", "status"])
    op.create_table(
        "invitation",
        _id("id"),
        _s("demarche", 40),
        _s("role", 40),
        _s("siret", 14),
        _s("siren", 9),
        _s("raison_sociale", 200),
        _id("invited_by"),
        _s("invitee_email", 254),
        _id("invitee_account_id", True),
        _s("status", 20),
        _at("sent_at"),
        _at("expires_at"),
        _at("accepted_at", True),
        _id("habilitation_id", True),
        _id("cancelled_by", True),
        _at("cancelled_at", True),
        sa.PrimaryKeyConstraint("id", name="pk_invitation"),
    )
    op.create_index("ix_invitation_company", "invitation", ["demarche", "siren", "status"])
    op.create_index(
        "ix_invitation_due",
        "invitation",
        ["expires_at"],
        postgresql_where=sa.text("status = 'en_attente'"),
    )
    op.create_table(
        "delegation",
        _id("id"),
        _s("demarche", 40),
        _s("role", 40),
        _s("siret", 14),
        _s("siren", 9),
        _s("raison_sociale", 200),
        _id("delegated_by"),
        _s("tiers_siret", 14),
        _s("tiers_email", 254),
        sa.Column("ends_on", sa.Date, nullable=True),
        _s("status", 20),
        _at("proposed_at"),
        _id("tiers_account_id", True),
        _at("accepted_at", True),
        _id("revoked_by", True),
        _at("revoked_at", True),
        _at("ended_at", True),
        sa.PrimaryKeyConstraint("id", name="pk_delegation"),
    )
    op.create_index(
        "ix_delegation_tiers",
        "delegation",
        ["tiers_account_id", "demarche", "siret"],
        postgresql_where=sa.text("status = 'acceptee'"),
    )
    op.create_index("ix_delegation_company", "delegation", ["demarche", "siren", "status"])
    op.create_index(
        "ix_delegation_due",
        "delegation",
        ["ends_on"],
        postgresql_where=sa.text("status IN ('proposee', 'acceptee')"),
    )


def downgrade() -> None:
    for table in (
        "delegation",
        "invitation",
        "access_request",
        "demarche_habilitation",
        "portail_account",
    ):
        op.drop_table(table)
