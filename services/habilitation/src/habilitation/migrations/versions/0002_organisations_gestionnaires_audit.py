"""Organisations, units, gestionnaires, bulk jobs and the append-only audit history.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# The audit history is evidence: the database itself refuses to change or remove it, so
# neither a bug nor a hurried operator can rewrite who granted which right.
APPEND_ONLY_DDL = (
    """
    CREATE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'audit_entry is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER audit_entry_no_update_delete BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()
    """,
    """
    CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()
    """,
)


def _at(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "organisation",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("siret", sa.String(14), nullable=False),
        sa.Column("raison_sociale", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        _at("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_organisation"),
        sa.UniqueConstraint("siret", name="uq_organisation_siret"),
    )
    op.create_table(
        "unite",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organisation_id", sa.Uuid, nullable=False),
        sa.Column("nom", sa.String(100), nullable=False),
        _at("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_unite"),
        sa.UniqueConstraint("organisation_id", name="uq_unite_organisation_id"),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisation.id"], name="fk_unite_organisation_id_organisation"
        ),
    )
    op.create_table(
        "gestionnaire",
        sa.Column("account_id", sa.Uuid, nullable=False),
        sa.Column("identifiant", sa.String(8), nullable=False),
        sa.Column("organisation_id", sa.Uuid, nullable=False),
        sa.Column("unite_id", sa.Uuid, nullable=True),
        sa.Column("civilite", sa.String(3), nullable=False),
        sa.Column("prenom", sa.String(100), nullable=False),
        sa.Column("nom", sa.String(100), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("telephone", sa.String(15), nullable=True),
        sa.Column("fonction", sa.String(100), nullable=True),
        sa.Column("role", sa.String(30), nullable=False),
        sa.Column("profile", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        _at("created_at"),
        _at("deactivated_at", nullable=True),
        sa.PrimaryKeyConstraint("account_id", name="pk_gestionnaire"),
        sa.UniqueConstraint("identifiant", name="uq_gestionnaire_identifiant"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name="fk_gestionnaire_organisation_id_organisation",
        ),
        sa.ForeignKeyConstraint(["unite_id"], ["unite.id"], name="fk_gestionnaire_unite_id_unite"),
    )
    op.create_index(
        "uq_gestionnaire_principal",
        "gestionnaire",
        ["organisation_id"],
        unique=True,
        postgresql_where=sa.text("active AND role = 'administrateur_principal'"),
    )
    op.create_index(
        "uq_gestionnaire_email",
        "gestionnaire",
        ["organisation_id", "email"],
        unique=True,
        postgresql_where=sa.text("active"),
    )
    op.create_index(
        "ix_gestionnaire_organisation_nom", "gestionnaire", ["organisation_id", "nom", "prenom"]
    )
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.BigInteger, autoincrement=True, nullable=False),
        _at("occurred_at"),
        sa.Column("actor_id", sa.String(64), nullable=False),
        sa.Column("actor_kind", sa.String(20), nullable=False),
        sa.Column("action", sa.String(60), nullable=False),
        sa.Column("organisation_id", sa.Uuid, nullable=True),
        sa.Column("subject_id", sa.Uuid, nullable=True),
        sa.Column("before", JSONB, nullable=True),
        sa.Column("after", JSONB, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_entry"),
    )
    op.create_index("ix_audit_entry_organisation_id", "audit_entry", ["organisation_id"])
    op.create_index("ix_audit_entry_subject_id", "audit_entry", ["subject_id"])
    for statement in APPEND_ONLY_DDL:
        op.execute(statement)
    op.create_table(
        "bulk_job",
        sa.Column("id", sa.Uuid, nullable=False),
        sa.Column("organisation_id", sa.Uuid, nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("total_rows", sa.Integer, nullable=False),
        sa.Column("processed_rows", sa.Integer, nullable=False),
        sa.Column("created_count", sa.Integer, nullable=False),
        sa.Column("skipped_count", sa.Integer, nullable=False),
        sa.Column("error_count", sa.Integer, nullable=False),
        sa.Column("report", JSONB, nullable=False),
        _at("created_at"),
        _at("finished_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_bulk_job"),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name="fk_bulk_job_organisation_id_organisation",
        ),
    )
    op.create_index("ix_bulk_job_organisation_id", "bulk_job", ["organisation_id"])


def downgrade() -> None:
    op.drop_table("bulk_job")
    op.execute("DROP TABLE audit_entry")
    op.execute("DROP FUNCTION audit_entry_append_only()")
    for table in ("gestionnaire", "unite", "organisation"):
        op.drop_table(table)
