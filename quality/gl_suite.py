"""The great-expectations suite on fct_gl_lines (GX 1.x, ephemeral context), run as SQL.

Run by the blocking asset check in orchestration/checks.py. great_expectations takes
seconds to import, so it is imported inside :func:`validate_gl_lines`, not at module top.

The suite runs inside DuckDB: a GX SQL data source over the warehouse file (SQLAlchemy
dialect from duckdb-engine), so each expectation is an aggregate query and memory stays
flat with the size of the ledger: about 0.8 GB at 10M lines, DuckDB capped at
:data:`DUCKDB_MEMORY_LIMIT`. (Reading the checked columns into pandas, as before, took
1.4 GB at 2M lines and 5.5 GB at 10M, against 4 GB for the whole refresh.) The asset is a
query: the checked columns plus the one derived column, the debit/credit
split ``amount_base - (debit_base - credit_base)``, in DuckDB's exact decimal arithmetic.

Two things the SQL route needs on DuckDB:

- The file is opened read-only (the dagster process may hold it) and GX creates no temp
  tables (``create_temp_table=False``: the asset's query is a subquery of every metric).
- GX reads a query's rows after it has handed the connection back, and closing a
  SQLAlchemy connection rolls its transaction back, which in DuckDB drops the connection's
  open result: every metric came back empty ("IndexError: list index out of range" in
  ``resolve_metric_bundle``, GX issue #10738). So the connections stay in DuckDB's
  autocommit mode (:class:`_AutocommitConnection`): each query is its own transaction,
  which is all a read-only check needs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import duckdb_engine
import sqlalchemy as sa

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
    # A non-ERP unit's trial balance brought into its ledger (docs/consolidation.md 4).
    "trial_balance",
    # Manufacturing (docs/manufacturing.md 3, 7): a production order's issues, returns,
    # hours, completions and close; an opening-stock import.
    "production_order",
    "opening_stock",
)
# What GX validates: the checked columns and the split difference, computed in DuckDB.
GL_LINES_QUERY = (
    f"select {', '.join(COLUMNS)}, source_type,"
    " amount_base - (debit_base - credit_base) as debit_credit_difference"
    " from main.fct_gl_lines"
)
# Unexpected values quoted in a failure message, at most.
SAMPLE_VALUES = 3
# DuckDB's memory for the suite's queries: scans and one large aggregate (the unique key),
# which spills to disk beyond it. Without a cap DuckDB keeps the blocks it read cached up
# to 80 % of RAM: 1.0 to 1.5 GB peak at 10M lines, 0.8 GB with this cap, no slower.
DUCKDB_MEMORY_LIMIT = "512MB"


@dataclass
class SuiteOutcome:
    """What the suite found: overall success and the failed expectations, described."""

    success: bool
    evaluated: int
    rows: int
    failures: list[str] = field(default_factory=list)


class _AutocommitConnection(duckdb_engine.ConnectionWrapper):
    """A DuckDB connection that ignores SQLAlchemy's begin, commit and rollback.

    DuckDB then runs each query in its own transaction, and a result stays readable after
    SQLAlchemy hands the connection back (see the module docstring).
    """

    def begin(self) -> None:
        pass

    def commit(self) -> None:
        pass

    def rollback(self) -> None:
        pass


@contextmanager
def _read_only_connections(warehouse: Path) -> Iterator[Callable[[], _AutocommitConnection]]:
    """A connection factory for SQLAlchemy's ``creator``; every connection closed on exit.

    Closing them here, not when GX's engines are garbage-collected, releases the file
    before anything else (dbt, the publish) needs it.
    """
    opened: list[_AutocommitConnection] = []

    def connect() -> _AutocommitConnection:
        raw = duckdb.connect(str(warehouse), read_only=True)
        # SET, not a connect-time config: DuckDB refuses a second in-process connection to
        # a file already open with another configuration (SET applies to that one too).
        raw.execute(f"set memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
        connection = _AutocommitConnection(raw)
        opened.append(connection)
        return connection

    try:
        yield connect
    finally:
        for connection in opened:
            connection.close()


def count_gl_lines(warehouse: Path) -> int:
    """The number of lines in fct_gl_lines (read-only connection)."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        row = connection.execute("select count(*) from main.fct_gl_lines").fetchone()
    return int(row[0]) if row is not None else 0


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


def describe_failure(outcome: Any) -> str:
    """One failed expectation in words: which, on what column, how many rows, examples."""
    config = outcome.expectation_config
    name = config.type if config is not None else "expectation"
    column = config.kwargs.get("column", "table") if config is not None else "table"
    text = f"{name} on {column}"
    result = outcome.result or {}
    unexpected = result.get("unexpected_count")
    if unexpected is not None:
        text += f": {unexpected} unexpected rows"
        examples = [v for v in result.get("partial_unexpected_list") or [] if v is not None]
        if examples:
            text += " (e.g. " + ", ".join(_shown(v) for v in examples[:SAMPLE_VALUES]) + ")"
    errors = _exception_messages(outcome.exception_info)
    if errors:
        text += f": error: {errors[0]}"
    return text


def _shown(value: Any) -> str:
    # Text quoted, so a blank or odd code stands out; numbers and dates as written.
    return repr(value) if isinstance(value, str) else str(value)


def _exception_messages(info: Any) -> list[str]:
    # exception_info is one {"raised_exception", "exception_message", ...} dict, or such
    # dicts keyed by the metric that failed.
    if not isinstance(info, dict):
        return []
    entries = [info] if "raised_exception" in info else list(info.values())
    return [
        str(entry.get("exception_message") or "").strip().splitlines()[0]
        if entry.get("exception_message")
        else "unknown error"
        for entry in entries
        if isinstance(entry, dict) and entry.get("raised_exception")
    ]


def validate_gl_lines(warehouse: Path) -> SuiteOutcome:
    """Run the suite on fct_gl_lines of the DuckDB file at ``warehouse``, inside DuckDB."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.datasource.fluent import SQLDatasource

    rows = count_gl_lines(warehouse)  # also fails loudly when the table is missing
    with _read_only_connections(warehouse) as connect:
        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        data_source = context.data_sources.add_sql(
            datasource=SQLDatasource(
                name="warehouse",
                # Names the dialect (and a file's connection pool); ``creator`` connects.
                connection_string=sa.URL.create(
                    "duckdb", database=str(warehouse)
                ).render_as_string(),
                create_temp_table=False,
                kwargs={"creator": connect},
            )
        )
        batch_definition = data_source.add_query_asset(
            name="fct_gl_lines", query=GL_LINES_QUERY
        ).add_batch_definition_whole_table(name="all_lines")
        suite = context.suites.add(build_suite(gx))
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(
                name="fct_gl_lines_validation", data=batch_definition, suite=suite
            )
        )
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(name="fct_gl_lines_checkpoint", validation_definitions=[validation])
        )
        result = checkpoint.run()
    failures: list[str] = []
    evaluated = 0
    for run in result.run_results.values():
        for outcome in run.results:
            evaluated += 1
            if not outcome.success:
                failures.append(describe_failure(outcome))
    return SuiteOutcome(
        success=bool(result.success), evaluated=evaluated, rows=rows, failures=failures
    )
