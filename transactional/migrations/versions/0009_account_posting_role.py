"""accounts carry their posting role

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 08:30:00

The services used to find the accounts they post on their own by number ("1610",
"7000"...) or by reporting category. Each such account now says its role in the chart
(``account.posting_role``, transactional.finance.posting_roles), at most one per
division and one in the shared chart. Existing charts get the roles the code assumed:
by the standard codes for the roles found by number, and for the roles found by
reporting category the account that lookup picked (the active one with the lowest code
in each division's own chart and in the shared chart).
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# As the code found them before this revision; frozen here, not imported.
BY_CODE = {
    "1610": "grni",
    "7000": "cost_of_sales",
    "7050": "purchase_price_differences",
    "7100": "stock_differences",
    "8000": "revenue_goods",
}
BY_CATEGORY = {
    "receivables": "receivables",
    "payables": "payables",
    "fx_result": "fx_result",
    "inventory": "inventory",
}
INDEX = "uq_account_division_posting_role"


def upgrade() -> None:
    # A plain ADD COLUMN (no batch rebuild on SQLite): the account table keeps its
    # master-data triggers (migration 0006).
    op.add_column("account", sa.Column("posting_role", sa.String(length=40), nullable=True))
    op.create_index(
        INDEX, "account", [sa.text("coalesce(division_id, 0)"), "posting_role"], unique=True
    )
    account = sa.table(
        "account",
        sa.column("id", sa.Integer),
        sa.column("division_id", sa.Integer),
        sa.column("code", sa.String),
        sa.column("reporting_category", sa.String),
        sa.column("is_active", sa.Boolean),
        sa.column("posting_role", sa.String),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(
            account.c.id,
            account.c.division_id,
            account.c.code,
            account.c.reporting_category,
            account.c.is_active,
        ).order_by(account.c.code)
    ).all()
    roles: dict[int, str] = {}
    taken: set[tuple[int | None, str]] = set()
    for account_id, division_id, code, _category, _active in rows:
        role = BY_CODE.get(code)
        if role is not None:
            roles[account_id] = role
            taken.add((division_id, role))
    for account_id, division_id, _code, category, active in rows:
        role = BY_CATEGORY.get(category)
        if role is None or not active or (division_id, role) in taken:
            continue
        roles[account_id] = role
        taken.add((division_id, role))
    for account_id, role in roles.items():
        bind.execute(account.update().where(account.c.id == account_id).values(posting_role=role))


def downgrade() -> None:
    op.drop_index(INDEX, table_name="account")
    # Not batch mode: a rebuilt SQLite table would lose its triggers (SQLite >= 3.35).
    op.execute("ALTER TABLE account DROP COLUMN posting_role")
