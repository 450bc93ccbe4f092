"""master data version: a token every change to posting's master data renews

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 20:30:00

Posting keeps a read-only copy of the master data it checks against (divisions, chart,
journals, periods, currencies and rates, relations, VAT codes, cost centres and units,
users' divisions) across transactions. Triggers here renew a random token in the same
transaction as any change to those tables, so a posting reads the token (one query) and
drops its copy when the token differs. A random token, not a counter: a rolled-back
change must never come back as the token of another change.

The table is deliberately not a SQLModel (not extracted to the warehouse, not in
``metadata``); ``transactional.finance.master_data`` reads it.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Keep in step with transactional.finance.master_data.TRACKED_TABLES.
TRACKED_TABLES = (
    "division",
    "currency",
    "exchange_rate",
    "app_user",
    "user_division",
    "account",
    "journal",
    "fiscal_year",
    "period",
    "vat_code",
    "cost_centre",
    "cost_unit",
    "relation",
)


def upgrade() -> None:
    op.create_table(
        "master_data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(
            "INSERT INTO master_data_version (id, token) VALUES (1, lower(hex(randomblob(16))))"
        )
        for table in TRACKED_TABLES:
            for action in ("INSERT", "UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_mdv_{action.lower()} AFTER {action} ON {table} "
                    "BEGIN UPDATE master_data_version SET token = lower(hex(randomblob(16))) "
                    "WHERE id = 1; END;"
                )
    else:
        op.execute(
            "INSERT INTO master_data_version (id, token) "
            "VALUES (1, md5(random()::text || clock_timestamp()::text))"
        )
        op.execute(
            "CREATE FUNCTION erp_renew_master_data_version() RETURNS trigger AS $$ "
            "BEGIN UPDATE master_data_version "
            "SET token = md5(random()::text || clock_timestamp()::text) WHERE id = 1; "
            "RETURN NULL; END; $$ LANGUAGE plpgsql;"
        )
        for table in TRACKED_TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_mdv AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION erp_renew_master_data_version();"
            )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for table in TRACKED_TABLES:
            for action in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_mdv_{action}")
    else:
        for table in TRACKED_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_mdv ON {table}")
        op.execute("DROP FUNCTION IF EXISTS erp_renew_master_data_version()")
    op.drop_table("master_data_version")
