"""Reconciliation rules on the built warehouse that are not dbt tests.

Plain functions over a DuckDB file (no dagster import), wired in as blocking asset
checks by orchestration/checks.py. Each returns the offending groups; empty means pass.

Each check lives in one place: the ledger's own (debits equal credits in the trial
balance, the balance sheet balances, the closing balances sum to zero, the fact holds
every ledger line) are dbt tests in ``models/tests/``, which dagster runs as asset checks;
here is what compares the warehouse with a tolerance: the stock valuation against the
inventory accounts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb


@dataclass
class Reconciliation:
    """Outcome of one rule: the groups checked and the ones that failed."""

    rule: str
    groups_checked: int
    failures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        if self.passed:
            return f"{self.rule}: {self.groups_checked} groups reconcile."
        first = self.failures[0]
        return (
            f"{self.rule}: {len(self.failures)} of {self.groups_checked} groups fail, e.g. {first}."
        )


# The stock movements' value must equal the inventory accounts' balance; half a cent of
# rounding is tolerated.
STOCK_TOLERANCE = "0.005"


def stock_reconciliation(warehouse: Path) -> Reconciliation:
    """The rows of mart_stock_reconciliation whose |difference_base| exceeds the tolerance,
    in division and period order (so the first failing period comes first)."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        (checked,) = connection.execute(
            "select count(*) from main.mart_stock_reconciliation"
        ).fetchone() or (0,)
        cursor = connection.execute(
            f"""
            select division_id, division_code, year, period, period_end,
                stock_valuation_base, ledger_stock_base, difference_base
            from main.mart_stock_reconciliation
            where abs(difference_base) > {STOCK_TOLERANCE}
            order by division_code, period_end
            """
        )
        names = [column[0] for column in cursor.description]
        failures = [
            {
                name: (str(value) if isinstance(value, (Decimal, date)) else value)
                for name, value in zip(names, row, strict=True)
            }
            for row in cursor.fetchall()
        ]
    return Reconciliation(
        rule="stock valuation = inventory ledger", groups_checked=checked, failures=failures
    )
