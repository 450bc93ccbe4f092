"""group consolidation: group chart and mapping, group structure, top-side entries,
trial-balance loads; journal lines carry their intercompany counterparty

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 18:00:00

``journal_line.counterparty_division_id`` is set by the posting service when a line's
relation is another group company (or the clerk names one), so consolidation can
eliminate intercompany balances and transactions. Posted lines are immutable, so lines
posted before this revision keep it empty; the warehouse falls back on their relation's
group company.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(19, 4)
RATE = sa.Numeric(19, 8)


def upgrade() -> None:
    op.create_table(
        "group_account",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(length=20), nullable=False, unique=True),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("account_type", sa.String(length=20), nullable=False),
        sa.Column("account_class", sa.String(length=20), nullable=False),
        sa.Column("rate_type", sa.String(length=12), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=True),
        sa.Column("eliminate_intercompany", sa.Boolean, nullable=False),
        sa.Column("sort_order", sa.Integer, nullable=False),
        sa.Column("is_active", sa.Boolean, nullable=False),
        sa.CheckConstraint(
            "account_type IN ('balance_sheet','profit_loss')", name="ck_group_account_type"
        ),
        sa.CheckConstraint(
            "rate_type IN ('closing','average','historical')", name="ck_group_account_rate_type"
        ),
    )
    op.create_index("uq_group_account_role", "group_account", ["role"], unique=True)
    op.create_table(
        "group_account_map",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "account_id", sa.Integer, sa.ForeignKey("account.id"), nullable=False, index=True
        ),
        sa.Column("division_id", sa.Integer, sa.ForeignKey("division.id"), nullable=True),
        sa.Column(
            "group_account_id",
            sa.Integer,
            sa.ForeignKey("group_account.id"),
            nullable=False,
            index=True,
        ),
    )
    op.create_index(
        "uq_group_account_map_account",
        "group_account_map",
        ["account_id", sa.text("coalesce(division_id, 0)")],
        unique=True,
    )
    op.create_table(
        "group_member",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "parent_division_id",
            sa.Integer,
            sa.ForeignKey("division.id"),
            nullable=False,
            index=True,
        ),
        sa.Column(
            "division_id", sa.Integer, sa.ForeignKey("division.id"), nullable=False, index=True
        ),
        sa.Column("ownership_pct", RATE, nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date, nullable=True),
        sa.Column("acquisition_date", sa.Date, nullable=False),
        sa.Column("investment_cost", MONEY, nullable=False),
        sa.Column("investment_account_id", sa.Integer, sa.ForeignKey("account.id"), nullable=True),
        sa.UniqueConstraint("division_id", "valid_from"),
        sa.CheckConstraint("method IN ('full','equity')", name="ck_group_member_method"),
    )
    op.create_table(
        "consolidation_entry",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "group_division_id",
            sa.Integer,
            sa.ForeignKey("division.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("entry_date", sa.Date, nullable=False),
        sa.Column("description", sa.String, nullable=False),
        sa.Column(
            "reverses_entry_id",
            sa.Integer,
            sa.ForeignKey("consolidation_entry.id"),
            nullable=True,
            unique=True,
        ),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("group_division_id", "number"),
    )
    op.create_table(
        "consolidation_line",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "entry_id",
            sa.Integer,
            sa.ForeignKey("consolidation_entry.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("line_number", sa.Integer, nullable=False),
        sa.Column("division_id", sa.Integer, sa.ForeignKey("division.id"), nullable=False),
        sa.Column(
            "group_account_id", sa.Integer, sa.ForeignKey("group_account.id"), nullable=False
        ),
        sa.Column(
            "counterparty_division_id", sa.Integer, sa.ForeignKey("division.id"), nullable=True
        ),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("description", sa.String, nullable=False),
    )
    op.create_table(
        "trial_balance_load",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "division_id", sa.Integer, sa.ForeignKey("division.id"), nullable=False, index=True
        ),
        sa.Column("period_id", sa.Integer, sa.ForeignKey("period.id"), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("entry_id", sa.Integer, sa.ForeignKey("journal_entry.id"), nullable=True),
        sa.Column("lines_changed", sa.Integer, nullable=False),
        sa.Column("loaded_by", sa.Integer, sa.ForeignKey("app_user.id"), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    # A plain ADD COLUMN: a batch rebuild would drop journal_line's immutability triggers.
    # (SQLite takes a REFERENCES clause in ADD COLUMN, but not alembic's separate
    # ALTER ... ADD CONSTRAINT, so the column is added in SQL that both understand.)
    op.execute(
        "ALTER TABLE journal_line ADD COLUMN counterparty_division_id INTEGER "
        "REFERENCES division (id)"
    )
    _refuse_changes_to_posted_topside()
    _add_consolidation_accounts()


# Top-side entries are immutable like journal entries (0001, 0007): a reversal corrects.
TOPSIDE_TABLES = ("consolidation_entry", "consolidation_line")
TOPSIDE_MESSAGE = (
    "A posted consolidation entry cannot be changed or deleted; post a reversal to correct it."
)


def _refuse_changes_to_posted_topside() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in TOPSIDE_TABLES:
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{TOPSIDE_MESSAGE}'); END;"
                )
        return
    op.execute(
        "CREATE FUNCTION erp_refuse_consolidation_entry_change() RETURNS trigger AS $$ "
        f"BEGIN RAISE EXCEPTION '{TOPSIDE_MESSAGE}'; END; $$ LANGUAGE plpgsql;"
    )
    for table in TOPSIDE_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION erp_refuse_consolidation_entry_change();"
        )
        # Row triggers do not fire on TRUNCATE.
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION erp_refuse_consolidation_entry_change();"
        )


# Standard-chart accounts for dividends and investments in group companies; databases
# created before this revision got the standard chart without them (new ones get them
# from STANDARD_CHART).
_NEW_ACCOUNTS = [
    ("0650", "Dividends declared", "equity", "balance_sheet", "dividends"),
    ("0800", "Investments in group companies", "asset", "balance_sheet", "fixed_assets"),
    ("8950", "Dividend income", "other_income", "profit_loss", "dividend_income"),
]


def _add_consolidation_accounts() -> None:
    bind = op.get_bind()
    has_chart = bind.execute(
        sa.text("SELECT 1 FROM account WHERE code = '1300' AND division_id IS NULL")
    ).first()
    if has_chart is None:
        return
    for code, name, klass, kind, category in _NEW_ACCOUNTS:
        exists = bind.execute(
            sa.text("SELECT 1 FROM account WHERE code = :c AND division_id IS NULL"), {"c": code}
        ).first()
        if exists is None:
            bind.execute(
                sa.text(
                    "INSERT INTO account (division_id, code, name, account_class, account_type,"
                    " reporting_category, is_control, is_active)"
                    " VALUES (NULL, :c, :n, :k, :t, :r, :f, :a)"
                ),
                {"c": code, "n": name, "k": klass, "t": kind, "r": category, "f": False, "a": True},
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in TOPSIDE_TABLES:
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
    else:
        for table in TOPSIDE_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS erp_refuse_consolidation_entry_change()")
    op.drop_column("journal_line", "counterparty_division_id")
    for table in (
        "trial_balance_load",
        "consolidation_line",
        "consolidation_entry",
        "group_member",
        "group_account_map",
        "group_account",
    ):
        op.drop_table(table)
