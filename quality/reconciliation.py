"""Reconciliation rules on the built warehouse: the books must balance.

Plain functions over a DuckDB file (no dagster import), wired in as blocking asset
checks by orchestration/checks.py. Each returns the offending groups; empty means pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


TRIAL_BALANCE = """
    select
        division_id,
        fiscal_year,
        period_number,
        sum(debit) as total_debit,
        sum(credit) as total_credit,
        sum(debit) - sum(credit) as difference
    from main.finance__trial_balance
    group by division_id, fiscal_year, period_number
"""

BALANCE_SHEET = """
    select
        division_id,
        fiscal_year,
        period_number,
        sum(case when side = 'assets' then amount else 0 end) as total_assets,
        sum(case when side = 'equity_and_liabilities' then amount else 0 end)
            as total_equity_and_liabilities,
        sum(case when side = 'assets' then amount else -amount end) as difference
    from main.finance__balance_sheet
    group by division_id, fiscal_year, period_number
"""


def trial_balance_sums_to_zero(warehouse: Path) -> Reconciliation:
    """Debits equal credits per division and period in finance__trial_balance."""
    return _differences("trial balance movements sum to zero", warehouse, TRIAL_BALANCE)


def balance_sheet_balances(warehouse: Path) -> Reconciliation:
    """Total assets equal total equity and liabilities per division and period."""
    return _differences("assets = equity + liabilities", warehouse, BALANCE_SHEET)


def _differences(rule: str, warehouse: Path, query: str) -> Reconciliation:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        cursor = connection.execute(query)
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    failures = [
        {k: (str(v) if isinstance(v, Decimal) else v) for k, v in row.items()}
        for row in rows
        if row["difference"] != 0
    ]
    return Reconciliation(rule=rule, groups_checked=len(rows), failures=failures)
