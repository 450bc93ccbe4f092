"""The great-expectations suite on fct_gl_lines (GX 1.x, ephemeral context).

Run by the blocking asset check in orchestration/checks.py. great_expectations takes
seconds to import, so it is imported inside :func:`validate_gl_lines`, not at module
top. The lines are read from the DuckDB file into pandas (a pandas data source: GX's SQL
data sources would need a DuckDB SQLAlchemy dialect the project does not ship); the one
derived column, the debit/credit split check, is computed exactly in SQL first.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from transactional.finance.models import JOURNAL_TYPES

SUITE_NAME = "fct_gl_lines"
KEY_COLUMNS = (
    "gl_line_id",
    "entry_id",
    "division_id",
    "account_id",
    "period_id",
    "entry_date",
    "journal_type",
    "currency_code",
    "amount_base",
    "amount_group",
    "fiscal_year",
    "period_number",
)
COLUMNS = (*KEY_COLUMNS, "debit_base", "credit_base")
SOURCE_TYPES = (
    "manual",
    "sales_invoice",
    "purchase_invoice",
    "payment",
    "reversal",
    # Stock documents (issue 3): each posts its value through the stock core.
    "delivery",
    "goods_receipt",
    "supplier_return",
    "sales_return",
    "stock_transfer",
    "stock_count",
    "price_difference",
    "revaluation",  # a standard-cost item's stock revalued to a new standard cost
)


@dataclass
class SuiteOutcome:
    """What the suite found: overall success and the failed expectations, described."""

    success: bool
    evaluated: int
    rows: int
    failures: list[str] = field(default_factory=list)


def read_gl_lines(warehouse: Path) -> Any:
    """The columns the suite checks, as a pandas DataFrame (read-only connection)."""
    columns = ", ".join(COLUMNS)
    query = (
        f"select {columns}, source_type,"
        " amount_base - (debit_base - credit_base) as debit_credit_difference"
        " from main.fct_gl_lines"
    )
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(query).df()


def build_suite(gx: Any) -> Any:
    """The expectations: keys present and unique, known journal types, a clean split."""
    suite = gx.ExpectationSuite(name=SUITE_NAME)
    expect = gx.expectations
    # No row-count floor: an empty ledger is a valid (new) company; a fact that lost lines
    # is caught by dbt's assert_gl_lines_complete.
    for column in KEY_COLUMNS:
        suite.add_expectation(expect.ExpectColumnValuesToNotBeNull(column=column))
    suite.add_expectation(expect.ExpectColumnValuesToBeUnique(column="gl_line_id"))
    suite.add_expectation(
        expect.ExpectColumnValuesToBeInSet(column="journal_type", value_set=list(JOURNAL_TYPES))
    )
    suite.add_expectation(
        expect.ExpectColumnValuesToBeInSet(column="source_type", value_set=list(SOURCE_TYPES))
    )
    # amount_base = debit_base - credit_base, exactly (computed in decimal arithmetic).
    suite.add_expectation(
        expect.ExpectColumnValuesToBeBetween(
            column="debit_credit_difference", min_value=0, max_value=0
        )
    )
    suite.add_expectation(expect.ExpectColumnValuesToBeBetween(column="debit_base", min_value=0))
    suite.add_expectation(expect.ExpectColumnValuesToBeBetween(column="credit_base", min_value=0))
    suite.add_expectation(
        expect.ExpectColumnValuesToBeBetween(column="period_number", min_value=1, max_value=13)
    )
    return suite


def validate_gl_lines(warehouse: Path) -> SuiteOutcome:
    """Run the suite on fct_gl_lines of the DuckDB file at ``warehouse``."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    frame = read_gl_lines(warehouse)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch_definition = (
        context.data_sources.add_pandas(name="warehouse")
        .add_dataframe_asset(name="fct_gl_lines")
        .add_batch_definition_whole_dataframe(name="all_lines")
    )
    suite = context.suites.add(build_suite(gx))
    validation = context.validation_definitions.add(
        gx.ValidationDefinition(name="fct_gl_lines_validation", data=batch_definition, suite=suite)
    )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(name="fct_gl_lines_checkpoint", validation_definitions=[validation])
    )
    result = checkpoint.run(batch_parameters={"dataframe": frame})
    failures: list[str] = []
    evaluated = 0
    for run in result.run_results.values():
        for outcome in run.results:
            evaluated += 1
            if not outcome.success:
                config = outcome.expectation_config
                name = config.type if config is not None else "expectation"
                column = config.kwargs.get("column", "table") if config is not None else "table"
                unexpected = (outcome.result or {}).get("unexpected_count")
                failures.append(
                    f"{name} on {column}"
                    + (f": {unexpected} unexpected rows" if unexpected is not None else "")
                )
    return SuiteOutcome(
        success=bool(result.success), evaluated=evaluated, rows=len(frame), failures=failures
    )
