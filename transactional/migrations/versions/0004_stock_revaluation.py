"""stock revaluation movements

A standard-cost item revalued to a new standard cost records a stock movement of type
'revaluation' (quantity 0, value = the change), so the movements keep adding up to the
stock account.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 10:00:00.000000
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

OLD_TYPES = (
    "movement_type IN ('receipt','supplier_return','delivery','customer_return',"
    "'transfer_out','transfer_in','count_gain','count_loss')"
)
NEW_TYPES = (
    "movement_type IN ('receipt','supplier_return','delivery','customer_return',"
    "'transfer_out','transfer_in','count_gain','count_loss','revaluation')"
)


def _replace_check(condition: str) -> None:
    with op.batch_alter_table("stock_movement") as batch_op:
        batch_op.drop_constraint("ck_stock_movement_type", type_="check")
        batch_op.create_check_constraint("ck_stock_movement_type", condition)


def upgrade() -> None:
    _replace_check(NEW_TYPES)


def downgrade() -> None:
    op.execute("DELETE FROM stock_movement WHERE movement_type = 'revaluation'")
    _replace_check(OLD_TYPES)
