"""Asset checks beyond dbt's own tests (which arrive through ``dbt build``).

The rules live in quality/; this module only wires them to assets. All are blocking:
when one fails, the published_warehouse downstream is not built, so the dashboards keep
the last good version.
"""

# No `from __future__ import annotations` here: dagster reads the parameter annotations
# (config, resources) at decoration time.

from typing import TYPE_CHECKING

import dagster as dg

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


all_checks = [gl_lines_expectations, trial_balance_reconciles, balance_sheet_balances]
