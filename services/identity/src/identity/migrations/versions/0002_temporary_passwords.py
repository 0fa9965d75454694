"""Issue 4: gestionnaire and operateur accounts (temporary passwords, required actions,
action tokens for first login and password reset), refresh tokens, login failures and
locks, used anti-robot challenges, portal users' companies, account history.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_constraint(op.f("ck_account_kind"), "account", type_="check")
    op.create_check_constraint(
        op.f("ck_account_kind"),
        "account",
        "kind IN ('titulaire', 'gestionnaire', 'portail', 'operateur')",
    )
    op.add_column(
        "account",
        sa.Column("password_temporary", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "account",
        sa.Column("cgu_required", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.add_column("account", sa.Column("last_login_at", sa.DateTime(timezone=True)))
    op.add_column("account", sa.Column("delete_if_unused_by", sa.DateTime(timezone=True)))
    op.add_column(
        "account",
        sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
    )
    op.add_column("account", sa.Column("locked_until", sa.DateTime(timezone=True)))
    op.create_index(
        "ix_account_locked_until",
        "account",
        ["locked_until"],
        postgresql_where=sa.text("locked_until IS NOT NULL"),
    )
    op.create_index(
        "ix_account_delete_if_unused_by",
        "account",
        ["delete_if_unused_by"],
        postgresql_where=sa.text("delete_if_unused_by IS NOT NULL"),
    )
    op.create_table(
        "action_token",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("account_id", sa.Uuid, nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.Column("detail", sa.String(254)),
        sa.PrimaryKeyConstraint("token_hash", name="pk_action_token"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name="fk_action_token_account_id_account",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_action_token_account_id", "action_token", ["account_id"])
    op.create_table(
        "account_history",
        sa.Column("id", sa.BigInteger, autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Uuid, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("what", sa.String(40), nullable=False),
        sa.Column("client_address", sa.String(64)),
        sa.PrimaryKeyConstraint("id", name="pk_account_history"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name="fk_account_history_account_id_account",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_account_history_account_id", "account_history", ["account_id"])
    op.create_table(
        "portail_company",
        sa.Column("account_id", sa.Uuid, nullable=False),
        sa.Column("siret", sa.String(14), nullable=False),
        sa.Column("raison_sociale", sa.String(200), nullable=False),
        sa.Column("adresse", sa.String(200), nullable=False),
        sa.Column("code_postal", sa.String(5), nullable=False),
        sa.Column("commune", sa.String(100), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_portail_company"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name="fk_portail_company_account_id_account",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_portail_company_siret", "portail_company", ["siret"])
    op.create_table(
        "anti_robot_challenge",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_anti_robot_challenge"),
    )
    op.create_table(
        "refresh_token",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("account_id", sa.Uuid, nullable=False),
        sa.Column("family_id", sa.Uuid, nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("token_hash", name="pk_refresh_token"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name="fk_refresh_token_account_id_account",
            ondelete="CASCADE",
        ),
    )
    op.create_index("ix_refresh_token_account_id", "refresh_token", ["account_id"])
    op.create_index("ix_refresh_token_family_id", "refresh_token", ["family_id"])


def downgrade() -> None:
    op.drop_table("refresh_token")
    op.drop_table("anti_robot_challenge")
    op.drop_table("portail_company")
    op.drop_table("account_history")
    op.drop_table("action_token")
    op.drop_index("ix_account_delete_if_unused_by", "account")
    op.drop_index("ix_account_locked_until", "account")
    for column in (
        "locked_until",
        "failed_logins",
        "delete_if_unused_by",
        "last_login_at",
        "cgu_required",
        "password_temporary",
    ):
        op.drop_column("account", column)
    op.drop_constraint(op.f("ck_account_kind"), "account", type_="check")
    op.create_check_constraint(
        op.f("ck_account_kind"), "account", "kind IN ('titulaire', 'gestionnaire', 'portail')"
    )
