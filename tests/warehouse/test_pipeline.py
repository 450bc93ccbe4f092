"""The whole refresh on a generated company: dagster runs extract, dbt build (with the
unit tests), the checks and the publish in-process; the assertions read the PUBLISHED
warehouse, as the dashboards do.

The demo is generated on SQLite and on PostgreSQL (``pipeline``): the marts of each must
equal the generator's control totals. Checks of the warehouse alone run on SQLite only.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from orchestration.publish import Publication, build_path, connect, current_publication
from tests.warehouse.conftest import DemoCompany
from tests.warehouse.postings import post_sales_invoice
from transactional.database import make_engine, session_scope
from transactional.finance import balances

pytestmark = pytest.mark.pipeline


def query(publication: Publication, sql: str) -> list[tuple[Any, ...]]:
    with connect(publication) as connection:
        return connection.execute(sql).fetchall()


@dataclass(frozen=True)
class Pipeline:
    company: DemoCompany
    warehouse: Path  # its ERP_WAREHOUSE_DIR


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def pipeline(
    request: pytest.FixtureRequest,
    demo_company: DemoCompany,
    warehouse_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Pipeline]:
    """The demo company on each engine, with the warehouse folder its refresh writes.

    The SQLite one is the session's (``demo_company`` and ``warehouse_dir`` are set up
    first, so their environment is the one restored afterwards); PostgreSQL's gets a
    folder of its own, so neither run publishes over the other's books.
    """
    if request.param == "sqlite":
        yield Pipeline(demo_company, warehouse_dir)
        return
    company: DemoCompany = request.getfixturevalue("demo_company_pg")
    warehouse = tmp_path_factory.mktemp("warehouse_pg")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ERP_DATABASE_URL", company.url)
        patch.setenv("ERP_WAREHOUSE_DIR", str(warehouse))
        yield Pipeline(company, warehouse)


# For tests of the warehouse alone: the source it came from changes nothing there.
sqlite_only = pytest.mark.parametrize("pipeline", ["sqlite"], indirect=True)


@pytest.fixture(scope="module")
def first_publish(definitions: Any, pipeline: Pipeline) -> Publication:
    from orchestration.refresh import run_refresh

    run_refresh()
    publication = current_publication(pipeline.warehouse)
    assert publication is not None, "the refresh published nothing"
    assert publication.delta is None  # the full job publishes a full copy
    return publication


def contracts() -> dict[str, list[tuple[str, str]]]:
    """Mart -> its contract's (column, data_type) in order: the models with an enforced
    contract in dbt's manifest (written by the session's ``dbt parse``)."""
    from orchestration.project import erp_project

    manifest = json.loads(erp_project.manifest_path.read_text(encoding="utf-8"))
    return {
        node["name"]: [(c["name"], c["data_type"]) for c in node["columns"].values()]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["contract"]["enforced"]
    }


def test_published_marts_hold_their_contracts(first_publish: Publication) -> None:
    """What the dashboards open has each contracted mart's columns, in order, with the
    contract's types as DuckDB reads them (``string`` is VARCHAR)."""
    marts = contracts()
    assert {"dim_accounts", "fct_gl_lines", "fct_sales_lines"} <= marts.keys()
    with connect(first_publish) as connection:
        for mart, columns in marts.items():
            actual = connection.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'main' and table_name = ? order by ordinal_position",
                [mart],
            ).fetchall()
            expected = [
                (
                    name,
                    *connection.execute(f"select typeof(cast(null as {data_type}))").fetchall()[0],
                )
                for name, data_type in columns
            ]
            assert actual == expected, mart


def test_revenue_per_division_and_year_matches_the_generator(
    first_publish: Publication, pipeline: Pipeline
) -> None:
    rows = query(
        first_publish,
        """
        select d.division_code, p.fiscal_year, sum(p.amount)
        from main.mart_profit_and_loss p
        join main.dim_divisions d using (division_id)
        where p.pl_section = 'Revenue'
        group by d.division_code, p.fiscal_year
    """,
    )
    actual = {(code, year): amount for code, year, amount in rows}
    totals: Any = pipeline.company.totals
    expected = {
        (code, year): amount
        for code, years in totals.revenue.items()
        for year, amount in years.items()
    }
    assert actual == expected


def test_wholesale_marts_match_the_generator(
    first_publish: Publication, pipeline: Pipeline
) -> None:
    totals: Any = pipeline.company.totals
    revenue = query(
        first_publish,
        """
        select division_code, year(invoice_date), sum(revenue_base)
        from main.fct_sales_lines where division_code in ('NL01', 'UK01') group by all
    """,
    )
    assert {(c, y): a for c, y, a in revenue} == {
        (code, year): amount
        for code, years in totals.wholesale_revenue.items()
        for year, amount in years.items()
    }
    # Cost of sales as the stock movements posted it (deliveries less customer returns).
    cost = query(
        first_publish,
        """
        select division_code, year, -sum(value_base) from main.fct_stock_movements
        where movement_type in ('delivery', 'customer_return')
            and division_code in ('NL01', 'UK01')  -- the trading divisions (not MF01)
        group by all
    """,
    )
    assert {(c, y): a for c, y, a in cost} == {
        (code, year): amount
        for code, years in totals.wholesale_cost_of_sales.items()
        for year, amount in years.items()
    }


def test_stock_reconciles_with_the_ledger_at_every_period_end(
    first_publish: Publication, pipeline: Pipeline
) -> None:
    off = query(
        first_publish,
        "select * from main.mart_stock_reconciliation where difference_base <> 0",
    )
    assert off == []
    periods = query(
        first_publish,
        """
        select count(distinct division_id), count(*) from main.mart_stock_reconciliation
        where stock_valuation_base <> 0
    """,
    )
    assert periods[0][0] >= 2 and periods[0][1] >= 60  # NL01 and UK01, 2024 through 2026
    totals: Any = pipeline.company.totals
    at_end = query(
        first_publish,
        f"""
        select division_code, stock_valuation_base from main.mart_stock_reconciliation
        where valuation_date = date '{totals.end_date}' and stock_valuation_base <> 0
    """,
    )
    assert dict(at_end) == totals.closing_stock


def test_books_balance_in_every_division_and_period(first_publish: Publication) -> None:
    unbalanced = query(
        first_publish,
        """
        select division_id, fiscal_year, period_number
        from main.mart_trial_balance
        group by all having sum(debit) <> sum(credit)
    """,
    )
    assert unbalanced == []
    lopsided = query(
        first_publish,
        """
        select division_id, fiscal_year, period_number
        from main.mart_balance_sheet
        group by all
        having sum(case when side = 'assets' then amount else -amount end) <> 0
    """,
    )
    assert lopsided == []
    periods = query(
        first_publish, "select count(*) from main.mart_balance_sheet where line_code = 'RE'"
    )
    assert periods[0][0] > 0


def test_open_items_match_the_generator_and_the_ledger(
    first_publish: Publication, pipeline: Pipeline
) -> None:
    totals: Any = pipeline.company.totals
    for mart, expected, invoice_type, sign in (
        ("mart_receivables_ageing", totals.open_receivables, "sales", 1),
        ("mart_payables_ageing", totals.open_payables, "purchase", -1),
    ):
        rows = query(
            first_publish,
            f"""
            select d.division_code, d.division_id, sum(a.open_amount_base)
            from main.{mart} a join main.dim_divisions d using (division_id)
            group by d.division_code, d.division_id
        """,
        )
        assert {code: amount for code, _, amount in rows} == expected
        engine = make_engine(pipeline.company.url)
        try:
            with session_scope(engine) as session:
                for _, division_id, amount in rows:
                    ledger = balances.open_items_total(session, division_id, invoice_type)
                    assert amount == sign * ledger
        finally:
            engine.dispose()


def test_refresh_adds_new_postings_and_keeps_the_old_version(
    first_publish: Publication, pipeline: Pipeline
) -> None:
    from orchestration.refresh import run_refresh

    lines_before = query(first_publish, "select count(*) from main.fct_gl_lines")[0][0]
    invoice_id, amount_base = post_sales_invoice(pipeline.company.url, "4321.09", on="2026-10-30")

    run_refresh()
    latest = current_publication(pipeline.warehouse)
    assert latest is not None and latest != first_publish
    new_lines = query(
        latest,
        f"""
        select account_code, amount_base from main.fct_gl_lines
        where entry_id = (select entry_id from main.fct_gl_lines where invoice_id = {invoice_id})
        order by account_code
    """,
    )
    assert new_lines == [("1300", amount_base), ("8100", -Decimal("4321.09"))]
    assert query(latest, "select count(*) from main.fct_gl_lines")[0][0] == lines_before + 2
    duplicates = query(
        latest, "select count(*) - count(distinct gl_line_id) from main.fct_gl_lines"
    )
    assert duplicates == [(0,)]
    # A dashboard still holding the previous version reads it unchanged.
    assert query(first_publish, "select count(*) from main.fct_gl_lines")[0][0] == lines_before


@sqlite_only
def test_failing_blocking_check_stops_publishing(
    first_publish: Publication,
    definitions: Any,
    warehouse_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import quality.reconciliation as rules
    from orchestration.refresh import explain

    def out_of_balance(warehouse: Path) -> rules.Reconciliation:
        return rules.Reconciliation(
            rule="stock valuation = inventory ledger",
            groups_checked=1,
            failures=[{"division_id": 1, "difference_base": "0.01"}],
        )

    monkeypatch.setattr(rules, "stock_reconciliation", out_of_balance)
    before = current_publication(warehouse_dir)
    result = definitions.resolve_job_def("refresh").execute_in_process(
        asset_selection=[
            dg.AssetKey("mart_stock_reconciliation"),
            dg.AssetKey("published_warehouse"),
        ],
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )
    assert not result.success
    assert current_publication(warehouse_dir) == before
    assert "stock_reconciles" in explain(result)


@sqlite_only
def test_checks_catch_a_tampered_warehouse(first_publish: Publication, tmp_path: Path) -> None:
    """The ledger's checks (dbt tests, run as asset checks) and the GX suite fail on a
    warehouse whose trial balance, balance sheet and fact were tampered with."""
    from orchestration import dbt_in_process
    from orchestration.project import seed_parse_state
    from quality.gl_suite import validate_gl_lines

    tampered = build_path(tmp_path)
    tampered.parent.mkdir(parents=True)
    shutil.copyfile(first_publish.base, tampered)
    ledger_tests = ["assert_trial_balance_movements_sum_to_zero", "assert_balance_sheet_balances"]

    def failing_tests() -> set[str]:
        results: list[dict[str, Any]] = []
        target = tmp_path / f"target-{len(list(tmp_path.glob('target-*')))}"
        seed_parse_state(target, tampered)
        dbt_in_process.run(
            ["test", "--select", *ledger_tests, "--no-write-json", "--quiet"],
            warehouse=tampered,
            target=target,
            on_event=results.append,
        )
        assert len(results) == len(ledger_tests)
        return {
            str(r["node"]["unique_id"]).rsplit(".", 1)[-1]
            for r in results
            if r["node"]["node_status"] != "pass"
        }

    assert failing_tests() == set()
    assert validate_gl_lines(tampered).success

    with duckdb.connect(str(tampered)) as connection:
        connection.execute("""
            update main.mart_trial_balance set debit = debit + 0.01
            where (division_id, fiscal_year, period_number, account_id) in (
                select division_id, fiscal_year, period_number, account_id
                from main.mart_trial_balance limit 1)
        """)
        connection.execute("""
            update main.mart_balance_sheet set amount = amount + 1
            where line_code = 'CYR' and period_number = 1
        """)
        connection.execute("""
            update main.fct_gl_lines set journal_type = 'bogus', debit_base = debit_base + 1
            where gl_line_id = (select min(gl_line_id) from main.fct_gl_lines)
        """)
    assert failing_tests() == set(ledger_tests)
    outcome = validate_gl_lines(tampered)
    assert not outcome.success
    assert any("journal_type" in failure for failure in outcome.failures)
