"""Asset checks beyond dbt's own tests (which arrive through ``dbt build``).

The rules live in quality/; this module only wires them to assets. All are blocking:
when one fails, the published_warehouse downstream is not built, so the dashboards keep
the last good version.
"""

# No `from __future__ import annotations` here: dagster reads the parameter annotations
# (config, resources) at decoration time.

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import dagster as dg
import duckdb

from orchestration.resources import ErpWarehouse

if TYPE_CHECKING:
    from quality.reconciliation import Reconciliation

# The rules are imported inside the checks: quality/ stays out of the definitions' import
# (great_expectations takes seconds), and tests can swap a rule in quality.reconciliation.


@dg.asset_check(
    asset=dg.AssetKey("fct_gl_lines"),
    blocking=True,
    description=(
        "great-expectations suite quality/gl_suite.py: keys present and unique, known journal "
        "and source types, amount_base = debit_base - credit_base, non-negative splits."
    ),
)
def gl_lines_expectations(warehouse: ErpWarehouse) -> dg.AssetCheckResult:
    from quality.gl_suite import validate_gl_lines

    outcome = validate_gl_lines(warehouse.build_path())
    return dg.AssetCheckResult(
        passed=outcome.success,
        severity=dg.AssetCheckSeverity.ERROR,
        description="; ".join(outcome.failures) or f"{outcome.evaluated} expectations met.",
        metadata={
            "rows": outcome.rows,
            "expectations": outcome.evaluated,
            "failed": dg.MetadataValue.json(outcome.failures),
        },
    )


@dg.asset_check(
    asset=dg.AssetKey("finance__trial_balance"),
    blocking=True,
    description="Debits equal credits in the trial balance per division and period.",
)
def trial_balance_reconciles(warehouse: ErpWarehouse) -> dg.AssetCheckResult:
    from quality.reconciliation import trial_balance_sums_to_zero

    outcome = trial_balance_sums_to_zero(warehouse.build_path())
    return _result(outcome)


@dg.asset_check(
    asset=dg.AssetKey("finance__balance_sheet"),
    blocking=True,
    description="Total assets equal total equity and liabilities per division and period.",
)
def balance_sheet_balances(warehouse: ErpWarehouse) -> dg.AssetCheckResult:
    from quality.reconciliation import balance_sheet_balances as rule

    return _result(rule(warehouse.build_path()))


# The stock movements' value must equal the inventory accounts' balance; half a cent of
# rounding is tolerated.
STOCK_TOLERANCE = "0.005"


@dg.asset_check(
    asset=dg.AssetKey("mart_stock_reconciliation"),
    blocking=True,
    description=(
        "Stock valuation (cumulative stock movement values) equals the ledger balance of the "
        f"inventory accounts per division and period end, within {STOCK_TOLERANCE}."
    ),
)
def stock_reconciles(warehouse: ErpWarehouse) -> dg.AssetCheckResult:
    return _result(stock_reconciliation(warehouse.build_path()))


# The rule is one query on one mart, so it lives here rather than in quality/.
def stock_reconciliation(path: Path) -> "Reconciliation":
    """The rows of mart_stock_reconciliation whose |difference_base| exceeds the tolerance,
    in division and period order (so the first failing period comes first)."""
    from quality.reconciliation import Reconciliation

    with duckdb.connect(str(path), read_only=True) as connection:
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


def _result(outcome: "Reconciliation") -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=outcome.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=outcome.summary(),
        metadata={
            "groups_checked": outcome.groups_checked,
            "failures": dg.MetadataValue.json(outcome.failures[:20]),
        },
    )


all_checks = [
    gl_lines_expectations,
    trial_balance_reconciles,
    balance_sheet_balances,
    stock_reconciles,
]

# The reconciliations the quick refresh runs before it publishes (orchestration.quick_refresh);
# the full job runs them as asset checks, with the GX suite and every dbt test.
BLOCKING_RECONCILIATIONS = [
    ("finance__trial_balance:trial_balance_reconciles", trial_balance_reconciles),
    ("finance__balance_sheet:balance_sheet_balances", balance_sheet_balances),
    ("mart_stock_reconciliation:stock_reconciles", stock_reconciles),
]
