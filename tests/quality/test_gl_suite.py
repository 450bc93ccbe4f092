"""The GX suite on fct_gl_lines, run as SQL on a small DuckDB file shaped like the fact:
clean lines pass; each kind of broken line is reported by name."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from quality.gl_suite import describe_failure, validate_gl_lines

LINES = 120

# The checked columns with the fact's types (models/models/marts/finance/fct_gl_lines.sql);
# amounts alternate debit and credit, every split exact.
FACT = f"""
    create table main.fct_gl_lines as
    with base as (
        select
            range + 1 as id,
            cast((range % 7 + 1) * 12.345 * (case when range % 2 = 0 then 1 else -1 end)
                as decimal(19, 4)) as amount
        from range({LINES})
    )
    select
        id as gl_line_id,
        (id + 1) // 2 as entry_id,
        1 + id % 2 as division_id,
        (['sales', 'purchase', 'bank', 'cash', 'general'])[1 + (id % 5)::int] as journal_type,
        date '2026-01-01' + cast(id % 300 as integer) as entry_date,
        1 + id % 12 as period_id,
        2026 as fiscal_year,
        1 + id % 12 as period_number,
        100 + id % 9 as account_id,
        'EUR' as currency_code,
        amount as amount_base,
        cast(case when amount > 0 then amount else 0 end as decimal(19, 4)) as debit_base,
        cast(case when amount < 0 then -amount else 0 end as decimal(19, 4)) as credit_base,
        cast(amount * 1.1 as decimal(19, 4)) as amount_group,
        (['manual', 'sales_invoice', 'payment', 'delivery'])[1 + (id % 4)::int] as source_type
    from base
"""


@pytest.fixture(scope="module")
def clean_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gl-suite") / "warehouse.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute(FACT)
    return path


@pytest.fixture
def warehouse(clean_warehouse: Path, tmp_path: Path) -> Path:
    """A copy of the clean file, for a test to break."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(clean_warehouse, path)
    return path


def tamper(path: Path, sql: str) -> None:
    with duckdb.connect(str(path)) as connection:
        connection.execute(sql)


def test_clean_lines_pass(warehouse: Path) -> None:
    before = warehouse.read_bytes()
    outcome = validate_gl_lines(warehouse)
    assert outcome.success, outcome.failures
    assert outcome.failures == []
    assert outcome.evaluated == 19
    assert outcome.rows == LINES
    # Read-only: no temp tables or anything else written to the file.
    assert warehouse.read_bytes() == before
    # Every connection is closed: this process can open the file for writing again.
    tamper(warehouse, "update main.fct_gl_lines set fiscal_year = 2027")


@pytest.mark.parametrize(
    ("breakage", "failure"),
    [
        pytest.param(
            "insert into main.fct_gl_lines select * from main.fct_gl_lines where gl_line_id = 7",
            "expect_column_values_to_be_unique on gl_line_id: 2 unexpected rows (e.g. 7, 7)",
            id="duplicated gl_line_id",
        ),
        pytest.param(
            "update main.fct_gl_lines set account_id = null where gl_line_id = 3",
            "expect_column_values_to_not_be_null on account_id: 1 unexpected rows",
            id="null account",
        ),
        pytest.param(
            "update main.fct_gl_lines set journal_type = 'bogus' where gl_line_id = 5",
            "expect_column_values_to_be_in_set on journal_type: 1 unexpected rows (e.g. 'bogus')",
            id="unknown journal type",
        ),
        pytest.param(
            "update main.fct_gl_lines set source_type = 'bogus' where gl_line_id = 5",
            "expect_column_values_to_be_in_set on source_type: 1 unexpected rows (e.g. 'bogus')",
            id="unknown source type",
        ),
        pytest.param(
            "update main.fct_gl_lines set debit_base = debit_base + 0.01 where gl_line_id = 1",
            "expect_column_values_to_be_between on debit_credit_difference: 1 unexpected rows"
            " (e.g. -0.0100)",
            id="split off by 0.01",
        ),
        pytest.param(
            # Line 2 is a credit; the split still adds up: 0 - (-credit) = credit.
            "update main.fct_gl_lines set credit_base = -credit_base,"
            " amount_base = credit_base where gl_line_id = 2",
            "expect_column_values_to_be_between on credit_base: 1 unexpected rows",
            id="negative credit",
        ),
        pytest.param(
            "update main.fct_gl_lines set period_number = 14 where gl_line_id = 9",
            "expect_column_values_to_be_between on period_number: 1 unexpected rows (e.g. 14)",
            id="period 14",
        ),
    ],
)
def test_broken_lines_are_reported(warehouse: Path, breakage: str, failure: str) -> None:
    tamper(warehouse, breakage)
    outcome = validate_gl_lines(warehouse)
    assert not outcome.success
    assert outcome.evaluated == 19
    assert len(outcome.failures) == 1, outcome.failures
    assert outcome.failures[0].startswith(failure), outcome.failures


def test_a_split_off_by_a_hundredth_of_a_cent_is_caught(warehouse: Path) -> None:
    # Exact decimal arithmetic: no float tolerance hides a difference of 0.0001.
    tamper(
        warehouse,
        "update main.fct_gl_lines set credit_base = credit_base + 0.0001 where gl_line_id = 2",
    )
    outcome = validate_gl_lines(warehouse)
    assert outcome.failures == [
        "expect_column_values_to_be_between on debit_credit_difference: 1 unexpected rows"
        " (e.g. 0.0001)"
    ]


def test_a_missing_fact_fails_loudly(warehouse: Path) -> None:
    tamper(warehouse, "drop table main.fct_gl_lines")
    with pytest.raises(duckdb.CatalogException):
        validate_gl_lines(warehouse)


def test_an_empty_ledger_passes(warehouse: Path) -> None:
    # A new company has no lines yet: no row-count floor.
    tamper(warehouse, "delete from main.fct_gl_lines")
    outcome = validate_gl_lines(warehouse)
    assert outcome.success, outcome.failures
    assert outcome.rows == 0


def test_an_expectation_that_raised_says_why() -> None:
    config = SimpleNamespace(type="expect_column_values_to_be_unique", kwargs={"column": "x"})
    outcome = SimpleNamespace(
        expectation_config=config,
        result={},
        exception_info={
            "metric id": {
                "raised_exception": True,
                "exception_message": "Binder Error: column x not found\nLINE 1: ...",
            }
        },
    )
    assert describe_failure(outcome) == (
        "expect_column_values_to_be_unique on x: error: Binder Error: column x not found"
    )
