"""Asset checks beyond dbt's own tests (which arrive through ``dbt build``).

The rules live in quality/ (each check in one place: what dbt tests already check, such
as the trial balance and the balance sheet, is not repeated here); this module only wires
them to assets. All are blocking: when one fails, the published_warehouse downstream is
not built, so the dashboards keep the last good version.
"""

# No `from __future__ import annotations` here: dagster reads the parameter annotations
# (config, resources) at decoration time.

from typing import TYPE_CHECKING

import dagster as dg

from orchestration.build_lock import holding_build
from orchestration.resources import ErpWarehouse
from orchestration.stages import stage

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

    with holding_build(warehouse.directory()), stage("checks (GX suite on fct_gl_lines)"):
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
    asset=dg.AssetKey("mart_stock_reconciliation"),
    blocking=True,
    description=(
        "Stock valuation (cumulative stock movement values) equals the ledger balance of the "
        "inventory accounts per division and period end, within half a cent."
    ),
)
def stock_reconciles(warehouse: ErpWarehouse) -> dg.AssetCheckResult:
    from quality.reconciliation import stock_reconciliation

    with holding_build(warehouse.directory()), stage("checks (stock against the ledger)"):
        return _result(stock_reconciliation(warehouse.build_path()))


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


all_checks = [gl_lines_expectations, stock_reconciles]

# The Python checks the quick refresh runs before it publishes (orchestration.quick_refresh),
# after the dbt tests tagged blocking (trial balance, balance sheet, the fact's lines); the
# full job runs them as asset checks, with the GX suite and every dbt test.
BLOCKING_RECONCILIATIONS = [(dg.AssetKey("mart_stock_reconciliation"), stock_reconciles)]
