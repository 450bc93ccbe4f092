"""manufacturing: item planning, work centres, bills of materials with their routing,
cost scenarios and cost prices, production orders with their materials, operations and
WIP transactions, the sales plan, MRP runs with requirements, advice and pegging; stock
movements of production; the manufacturing accounts of the standard chart

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 21:00:00

The stock movement type check is widened with 'production_issue', 'production_return' and
'production_receipt' (docs/manufacturing.md §3). stock_movement has no triggers, so the
batch rebuild SQLite needs to change a CHECK keeps everything (as in 0004).

A database whose shared standard chart exists (account 3000 without division) gets the
standard chart's manufacturing accounts with their posting roles, and, when its group
chart exists, their mapping to it; new databases get them from STANDARD_CHART and
STANDARD_MAPPING.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

MONEY = sa.Numeric(19, 4)
RATE = sa.Numeric(19, 8)

OLD_TYPES = (
    "movement_type IN ('receipt','supplier_return','delivery','customer_return',"
    "'transfer_out','transfer_in','count_gain','count_loss','revaluation')"
)
NEW_TYPES = (
    "movement_type IN ('receipt','supplier_return','delivery','customer_return',"
    "'transfer_out','transfer_in','count_gain','count_loss','revaluation',"
    "'production_issue','production_return','production_receipt')"
)

# Frozen here, not imported (the code's charts may change after this revision):
# code, name, class, type, reporting category, posting role, group account.
_NEW_ACCOUNTS = [
    ("0900", "Opening balances", "equity", "balance_sheet", "opening_balances",
     "opening_balance", "G310"),
    ("3100", "Work in progress", "asset", "balance_sheet", "work_in_progress",
     "work_in_progress", "G200"),
    ("7200", "Absorbed labour", "cost_of_sales", "profit_loss", "cost_of_sales",
     "absorbed_labour", "G600"),
    ("7210", "Absorbed machine costs", "cost_of_sales", "profit_loss", "cost_of_sales",
     "absorbed_machine", "G600"),
    ("7220", "Absorbed production overhead", "cost_of_sales", "profit_loss", "cost_of_sales",
     "absorbed_overhead", "G600"),
    ("7250", "Material variance", "cost_of_sales", "profit_loss", "cost_of_sales",
     "variance_material", "G600"),
    ("7260", "Labour variance", "cost_of_sales", "profit_loss", "cost_of_sales",
     "variance_labour", "G600"),
    ("7270", "Machine variance", "cost_of_sales", "profit_loss", "cost_of_sales",
     "variance_machine", "G600"),
]  # fmt: skip

TABLES = (
    "mrp_peg",
    "mrp_advice",
    "mrp_requirement",
    "mrp_run",
    "sales_plan",
    "production_transaction",
    "production_order_operation",
    "production_order_material",
    "production_order",
    "item_cost_price",
    "bom_operation",
    "bom_line",
    "bill_of_materials",
    "cost_scenario",
    "work_centre",
    "item_planning",
)


def _ref(name: str, target: str, *, nullable: bool = False, index: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.Integer, sa.ForeignKey(target), nullable=nullable, index=index)


def _coded() -> list[sa.Column]:  # type: ignore[type-arg]
    """The columns of ClosableDivisionCoded."""
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        _ref("division_id", "division.id", index=True),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("is_active", sa.Boolean, nullable=False),
    ]


def upgrade() -> None:
    _create_master_data()
    _create_production()
    _create_mrp()
    with op.batch_alter_table("stock_movement") as batch_op:
        batch_op.drop_constraint("ck_stock_movement_type", type_="check")
        batch_op.create_check_constraint("ck_stock_movement_type", NEW_TYPES)
    _add_manufacturing_accounts()


def _create_master_data() -> None:
    op.create_table(
        "item_planning",
        sa.Column("item_id", sa.Integer, sa.ForeignKey("item.id"), primary_key=True),
        _ref("division_id", "division.id", index=True),
        sa.Column("supply", sa.String(length=10), nullable=False),
        sa.Column("lead_time_days", sa.Integer, nullable=False),
        sa.Column("minimum_quantity", RATE, nullable=False),
        sa.Column("order_multiple", RATE, nullable=False),
        sa.Column("safety_stock", RATE, nullable=False),
        _ref("supplier_id", "relation.id", nullable=True),
        sa.CheckConstraint("supply IN ('buy','make','phantom')", name="ck_item_planning_supply"),
    )
    op.create_table(
        "work_centre",
        *_coded(),
        sa.Column("labour_rate", MONEY, nullable=False),
        sa.Column("machine_rate", MONEY, nullable=False),
        sa.Column("efficiency_pct", RATE, nullable=False),
        sa.Column("hours_per_week", RATE, nullable=False),
        sa.UniqueConstraint("division_id", "code"),
    )
    op.create_table(
        "cost_scenario",
        *_coded(),
        sa.Column("price_basis", sa.String(length=20), nullable=False),
        sa.Column("is_default", sa.Boolean, nullable=False),
        sa.Column("with_surcharges", sa.Boolean, nullable=False),
        sa.Column("material_surcharge_pct", RATE, nullable=False),
        sa.Column("conversion_surcharge_pct", RATE, nullable=False),
        sa.UniqueConstraint("division_id", "code"),
        sa.CheckConstraint(
            "price_basis IN ('latest_purchase','average','standard')",
            name="ck_cost_scenario_price_basis",
        ),
    )
    op.create_table(
        "bill_of_materials",
        sa.Column("id", sa.Integer, primary_key=True),
        _ref("division_id", "division.id"),
        _ref("item_id", "item.id"),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("description", sa.String, nullable=False),
        sa.Column("batch_quantity", RATE, nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_to", sa.Date, nullable=True),
        sa.Column("is_default", sa.Boolean, nullable=False),
        _ref("created_by", "app_user.id"),
        sa.UniqueConstraint("item_id", "version"),
    )
    op.create_index("ix_bom_division_item", "bill_of_materials", ["division_id", "item_id"])
    op.create_table(
        "bom_line",
        sa.Column("id", sa.Integer, primary_key=True),
        _ref("bom_id", "bill_of_materials.id", index=True),
        sa.Column("line_number", sa.Integer, nullable=False),
        _ref("component_id", "item.id", index=True),
        sa.Column("quantity", RATE, nullable=False),
        sa.Column("scrap_pct", RATE, nullable=False),
        sa.UniqueConstraint("bom_id", "line_number"),
    )
    op.create_table(
        "bom_operation",
        sa.Column("id", sa.Integer, primary_key=True),
        _ref("bom_id", "bill_of_materials.id", index=True),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("description", sa.String, nullable=False),
        _ref("work_centre_id", "work_centre.id", nullable=True),
        sa.Column("setup_hours", RATE, nullable=False),
        sa.Column("run_hours", RATE, nullable=False),
        _ref("supplier_id", "relation.id", nullable=True),
        sa.Column("outsourced_price", MONEY, nullable=False),
        sa.UniqueConstraint("bom_id", "sequence"),
    )
    op.create_table(
        "item_cost_price",
        sa.Column("id", sa.Integer, primary_key=True),
        _ref("division_id", "division.id", index=True),
        _ref("scenario_id", "cost_scenario.id"),
        _ref("item_id", "item.id", index=True),
        _ref("bom_id", "bill_of_materials.id", nullable=True),
        sa.Column("calculated_on", sa.Date, nullable=False),
        sa.Column("material", RATE, nullable=False),
        sa.Column("labour", RATE, nullable=False),
        sa.Column("machine", RATE, nullable=False),
        sa.Column("outsourced", RATE, nullable=False),
        sa.Column("overhead", RATE, nullable=False),
        sa.Column("cost_price", MONEY, nullable=False),
        sa.Column("applied_on", sa.Date, nullable=True),
        _ref("applied_by", "app_user.id", nullable=True),
        sa.UniqueConstraint("scenario_id", "item_id"),
    )


def _create_production() -> None:
    op.create_table(
        "production_order",
        sa.Column("id", sa.Integer, primary_key=True),
        _ref("division_id", "division.id"),
        sa.Column("number", sa.String(length=30), nullable=False, index=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        _ref("item_id", "item.id", index=True),
        _ref("bom_id", "bill_of_materials.id", nullable=True),
        _ref("warehouse_id", "warehouse.id"),
        sa.Column("quantity", RATE, nullable=False),
        sa.Column("quantity_completed", RATE, nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("released_on", sa.Date, nullable=True),
        sa.Column("completed_on", sa.Date, nullable=True),
        sa.Column("closed_on", sa.Date, nullable=True),
        sa.Column("backflush", sa.Boolean, nullable=False),
        _ref("sales_order_line_id", "sales_order_line.id", nullable=True),
        _ref("parent_order_id", "production_order.id", nullable=True),
        sa.Column("standard_material", RATE, nullable=False),
        sa.Column("standard_labour", RATE, nullable=False),
        sa.Column("standard_machine", RATE, nullable=False),
        sa.Column("standard_outsourced", RATE, nullable=False),
        sa.Column("standard_overhead", RATE, nullable=False),
        sa.Column("description", sa.String, nullable=False),
        _ref("created_by", "app_user.id"),
        sa.CheckConstraint(
            "status IN ('planned','released','completed','closed','cancelled')",
            name="ck_production_order_status",
        ),
    )
    op.create_index(
        "ix_production_order_division_status", "production_order", ["division_id", "status"]
    )
    op.create_table(
        "production_order_material",
        sa.Column("id", sa.Integer, primary_key=True),
        _ref("order_id", "production_order.id", index=True),
        sa.Column("line_number", sa.Integer, nullable=False),
        _ref("item_id", "item.id", index=True),
        sa.Column("quantity", RATE, nullable=False),
        sa.Column("scrap_pct", RATE, nullable=False),
        sa.Column("quantity_issued", RATE, nullable=False),
        sa.Column("unit_cost", RATE, nullable=False),
        sa.UniqueConstraint("order_id", "line_number"),
    )
    op.create_table(
        "production_order_operation",
        sa.Column("id", sa.Integer, primary_key=True),
        _ref("order_id", "production_order.id", index=True),
        sa.Column("sequence", sa.Integer, nullable=False),
        sa.Column("description", sa.String, nullable=False),
        _ref("work_centre_id", "work_centre.id", nullable=True),
        sa.Column("planned_hours", RATE, nullable=False),
        sa.Column("labour_rate", MONEY, nullable=False),
        sa.Column("machine_rate", MONEY, nullable=False),
        sa.Column("labour_hours", RATE, nullable=False),
        sa.Column("machine_hours", RATE, nullable=False),
        _ref("supplier_id", "relation.id", nullable=True),
        sa.Column("outsourced_price", MONEY, nullable=False),
        sa.Column("quantity_outsourced", RATE, nullable=False),
        sa.UniqueConstraint("order_id", "sequence"),
    )
    op.create_table(
        "production_transaction",
        sa.Column("id", sa.Integer, primary_key=True),
        _ref("division_id", "division.id"),
        _ref("order_id", "production_order.id", index=True),
        sa.Column("transaction_date", sa.Date, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("cost_type", sa.String(length=12), nullable=True),
        _ref("material_id", "production_order_material.id", nullable=True),
        _ref("operation_id", "production_order_operation.id", nullable=True),
        _ref("item_id", "item.id", nullable=True),
        _ref("lot_id", "stock_lot.id", nullable=True),
        sa.Column("quantity", RATE, nullable=False),
        sa.Column("hours", RATE, nullable=False),
        sa.Column("value", MONEY, nullable=False),
        _ref("stock_movement_id", "stock_movement.id", nullable=True),
        _ref("entry_id", "journal_entry.id", nullable=True),
        _ref("created_by", "app_user.id"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('material_issue','material_return','labour','machine','outsourced',"
            "'overhead','completion','variance')",
            name="ck_production_transaction_kind",
        ),
        sa.CheckConstraint(
            "cost_type IS NULL OR cost_type IN "
            "('material','labour','machine','outsourced','overhead')",
            name="ck_production_transaction_cost_type",
        ),
    )
    op.create_index(
        "ix_production_transaction_division_date",
        "production_transaction",
        ["division_id", "transaction_date"],
    )


def _create_mrp() -> None:
    op.create_table(
        "sales_plan",
        sa.Column("id", sa.Integer, primary_key=True),
        _ref("division_id", "division.id", index=True),
        _ref("item_id", "item.id", index=True),
        sa.Column("period_start", sa.Date, nullable=False),
        sa.Column("period_days", sa.Integer, nullable=False),
        sa.Column("quantity", RATE, nullable=False),
        sa.UniqueConstraint("division_id", "item_id", "period_start"),
    )
    op.create_table(
        "mrp_run",
        sa.Column("id", sa.Integer, primary_key=True),
        _ref("division_id", "division.id", index=True),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("bucket", sa.String(length=6), nullable=False),
        sa.Column("buckets", sa.Integer, nullable=False),
        sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
        _ref("created_by", "app_user.id"),
        sa.CheckConstraint("bucket IN ('day','week','month')", name="ck_mrp_run_bucket"),
    )
    op.create_table(
        "mrp_requirement",
        sa.Column("id", sa.Integer, primary_key=True),
        _ref("run_id", "mrp_run.id"),
        # No foreign key to item: see models.MrpRequirement (a run stores ~10^6 rows).
        sa.Column("item_id", sa.Integer, nullable=False),
        sa.Column("bucket_start", sa.Date, nullable=False),
        sa.Column("gross_requirement", RATE, nullable=False),
        sa.Column("scheduled_receipts", RATE, nullable=False),
        sa.Column("projected_on_hand", RATE, nullable=False),
        sa.Column("net_requirement", RATE, nullable=False),
        sa.Column("planned_receipts", RATE, nullable=False),
    )
    op.create_index("ix_mrp_requirement_run_item", "mrp_requirement", ["run_id", "item_id"])
    op.create_table(
        "mrp_advice",
        sa.Column("id", sa.Integer, primary_key=True),
        _ref("run_id", "mrp_run.id"),
        # Only the run and the conversion links are foreign keys: see models.MrpAdvice.
        sa.Column("division_id", sa.Integer, nullable=False),
        sa.Column("item_id", sa.Integer, nullable=False),
        sa.Column("action", sa.String(length=4), nullable=False),
        sa.Column("quantity", RATE, nullable=False),
        sa.Column("order_date", sa.Date, nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        _ref("purchase_order_id", "purchase_order.id", nullable=True),
        _ref("production_order_id", "production_order.id", nullable=True),
        sa.Column("converted_by", sa.Integer, nullable=True),
        sa.Column("converted_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("action IN ('buy','make')", name="ck_mrp_advice_action"),
        sa.CheckConstraint("status IN ('open','converted')", name="ck_mrp_advice_status"),
    )
    op.create_index("ix_mrp_advice_run_item", "mrp_advice", ["run_id", "item_id"])
    op.create_table(
        "mrp_peg",
        sa.Column("id", sa.Integer, primary_key=True),
        # No foreign key to the advice: see models.MrpPeg.
        sa.Column("advice_id", sa.Integer, nullable=False, index=True),
        sa.Column("demand_type", sa.String(length=20), nullable=False),
        sa.Column("demand_id", sa.Integer, nullable=False),
        sa.Column("demand_date", sa.Date, nullable=False),
        sa.Column("quantity", RATE, nullable=False),
        sa.Column("root_type", sa.String(length=20), nullable=True),
        sa.Column("root_id", sa.Integer, nullable=True),
        sa.CheckConstraint(
            "demand_type IN ('sales_order','sales_plan','production_order','planned_order')",
            name="ck_mrp_peg_demand_type",
        ),
        sa.CheckConstraint(
            "root_type IS NULL OR root_type IN "
            "('sales_order','sales_plan','production_order','planned_order')",
            name="ck_mrp_peg_root_type",
        ),
    )


def _add_manufacturing_accounts() -> None:
    """The manufacturing accounts in an existing shared standard chart, with their roles
    (a role another shared account already holds is left to it: one per chart), and their
    group mapping where the group chart exists."""
    bind = op.get_bind()
    has_chart = bind.execute(
        sa.text("SELECT 1 FROM account WHERE code = '3000' AND division_id IS NULL")
    ).first()
    if has_chart is None:
        return
    for code, name, klass, kind, category, role, group_code in _NEW_ACCOUNTS:
        account_id = bind.execute(
            sa.text("SELECT id FROM account WHERE code = :c AND division_id IS NULL"), {"c": code}
        ).scalar()
        if account_id is None:
            role_taken = bind.execute(
                sa.text("SELECT 1 FROM account WHERE posting_role = :r AND division_id IS NULL"),
                {"r": role},
            ).first()
            bind.execute(
                sa.text(
                    "INSERT INTO account (division_id, code, name, account_class, account_type,"
                    " reporting_category, is_control, is_active, posting_role)"
                    " VALUES (NULL, :c, :n, :k, :t, :r, :f, :a, :p)"
                ),
                {
                    "c": code,
                    "n": name,
                    "k": klass,
                    "t": kind,
                    "r": category,
                    "f": False,
                    "a": True,
                    "p": None if role_taken else role,
                },
            )
            account_id = bind.execute(
                sa.text("SELECT id FROM account WHERE code = :c AND division_id IS NULL"),
                {"c": code},
            ).scalar()
        group_id = bind.execute(
            sa.text("SELECT id FROM group_account WHERE code = :g"), {"g": group_code}
        ).scalar()
        if group_id is None:
            continue
        mapped = bind.execute(
            sa.text(
                "SELECT 1 FROM group_account_map WHERE account_id = :a AND division_id IS NULL"
            ),
            {"a": account_id},
        ).first()
        if mapped is None:
            bind.execute(
                sa.text(
                    "INSERT INTO group_account_map (account_id, division_id, group_account_id)"
                    " VALUES (:a, NULL, :g)"
                ),
                {"a": account_id, "g": group_id},
            )


def downgrade() -> None:
    # The accounts stay (they may carry postings); their roles are unknown to older code.
    op.execute(
        "UPDATE account SET posting_role = NULL WHERE posting_role IN ('work_in_progress',"
        "'absorbed_labour','absorbed_machine','absorbed_overhead','variance_material',"
        "'variance_labour','variance_machine','opening_balance')"
    )
    for table in TABLES:
        op.drop_table(table)
    op.execute(
        "DELETE FROM stock_movement WHERE movement_type IN "
        "('production_issue','production_return','production_receipt')"
    )
    with op.batch_alter_table("stock_movement") as batch_op:
        batch_op.drop_constraint("ck_stock_movement_type", type_="check")
        batch_op.create_check_constraint("ck_stock_movement_type", OLD_TYPES)
