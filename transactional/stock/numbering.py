"""Document numbers for wholesale documents: per division, kind and year, e.g. SO2026-00012.

The counter is bumped with one INSERT ... ON CONFLICT DO UPDATE ... RETURNING, so on
PostgreSQL the row stays locked until commit (concurrent clerks queue) and a rolled-back
document gives its number back.
"""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, col

from transactional.stock.models import DocumentCounter

# Document kind -> number prefix.
PREFIXES = {
    "quote": "QU",
    "sales_order": "SO",
    "delivery": "DL",
    "sales_return": "SR",
    "purchase_order": "PO",
    "goods_receipt": "GR",
    "supplier_return": "RS",
    "supply_contract": "CO",
    "stock_transfer": "TR",
    "stock_count": "CT",
    "revaluation": "RV",
}


def next_number(session: Session, division_id: int, kind: str, year: int) -> str:
    """Take the next number of ``kind`` for the division and year."""
    prefix = PREFIXES[kind]
    ins = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = (
        ins(DocumentCounter)
        .values(division_id=division_id, kind=kind, year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=["division_id", "kind", "year"],
            set_={"last_number": DocumentCounter.last_number + 1},
        )
        .returning(col(DocumentCounter.last_number))
    )
    number: int = session.execute(stmt).scalar_one()
    return f"{prefix}{year}-{number:05d}"
