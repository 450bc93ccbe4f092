"""The quick refresh (``erp refresh`` without ``--full``): after posting one invoice it
shows in the published fct_gl_lines and trial balance; a failing blocking check (a Python
reconciliation or a dbt test tagged blocking) still stops the publish; and dbt's parse
state serves any warehouse path.

The module works on its own copy of the demo database and its own warehouse folder, so
the invoices and the tampering here stay out of the other modules' books.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest

from orchestration.publish import Publication, build_path, connect, current_publication
from orchestration.refresh import explain
from tests.warehouse.conftest import DemoCompany
from tests.warehouse.postings import post_sales_invoice

pytestmark = pytest.mark.pipeline


def query(publication: Publication, sql: str) -> list[tuple[Any, ...]]:
    with connect(publication) as connection:
        return connection.execute(sql).fetchall()


@pytest.fixture(scope="module")
def company(
    definitions: Any, demo_company: DemoCompany, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """A copy of the demo database and an empty warehouse folder, set as the environment."""
    root = tmp_path_factory.mktemp("quick")
    source = Path(demo_company.url.removeprefix("sqlite:///"))
    database = root / "erp.db"
    shutil.copyfile(source, database)
    url = f"sqlite:///{database}"
    warehouse = root / "warehouse"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ERP_DATABASE_URL", url)
        patch.setenv("ERP_WAREHOUSE_DIR", str(warehouse))
        yield url, warehouse


@pytest.fixture(scope="module")
def first_publish(company: tuple[str, Path]) -> Publication:
    from orchestration.refresh import run_refresh

    # Nothing built yet in this folder: the refresh takes the full job (every check).
    assert run_refresh() == "refresh"
    publication = current_publication(company[1])
    assert publication is not None and publication.delta is None
    return publication


TRIAL_BALANCE_8100 = """
    select coalesce(sum(tb.credit), 0), count(*)
    from main.mart_trial_balance tb
    join main.dim_divisions d using (division_id)
    where d.division_code = 'HOLD' and tb.account_code = '8100'
        and tb.fiscal_year = 2026 and tb.period_number = 10
"""


def test_quick_refresh_shows_a_posted_invoice_in_the_published_books(
    company: tuple[str, Path], first_publish: Publication
) -> None:
    from orchestration.refresh import run_refresh

    url, warehouse = company
    lines_before = query(first_publish, "select count(*) from main.fct_gl_lines")[0][0]
    (credit_before, _) = query(first_publish, TRIAL_BALANCE_8100)[0]
    invoice_id, amount_base = post_sales_invoice(url, "1234.56", on="2026-10-29")

    assert run_refresh() == "quick_refresh"

    latest = current_publication(warehouse)
    # Published as a delta on the full copy: the 6 GB file at 10M lines is not copied.
    assert latest is not None and latest.base == first_publish.base
    assert latest.delta is not None
    lines = query(
        latest,
        f"""
        select account_code, amount_base from main.fct_gl_lines
        where entry_id = (select entry_id from main.fct_gl_lines where invoice_id = {invoice_id})
        order by account_code
        """,
    )
    assert lines == [("1300", amount_base), ("8100", -Decimal("1234.56"))]
    assert query(latest, "select count(*) from main.fct_gl_lines")[0][0] == lines_before + 2
    assert query(latest, "select count(*) - count(distinct gl_line_id) from main.fct_gl_lines") == [
        (0,)
    ]
    (credit_after, rows) = query(latest, TRIAL_BALANCE_8100)[0]
    assert rows == 1
    assert credit_after - credit_before == Decimal("1234.56")
    # The books still balance in the period of the new invoice.
    unbalanced = query(
        latest,
        """
        select division_id, fiscal_year, period_number from main.mart_trial_balance
        group by all having sum(debit) <> sum(credit)
        """,
    )
    assert unbalanced == []


def test_quick_refresh_publication_reads_as_the_build(
    company: tuple[str, Path], first_publish: Publication
) -> None:
    """Every mart of the delta publication, row for row, as the build holds it."""
    latest = current_publication(company[1])
    assert latest is not None and latest.delta is not None
    connection = connect(latest)
    try:
        connection.execute(f"attach '{build_path(company[1])}' as build (read_only)")
        marts = [
            name
            for (name,) in connection.execute(
                "select table_name from duckdb_tables() "
                "where database_name = 'build' and schema_name = 'main' order by 1"
            ).fetchall()
        ]
        assert "fct_gl_lines" in marts and "mart_trial_balance" in marts
        differing = {}
        for mart in marts:
            (missing, extra, rows) = connection.execute(
                f"""
                select
                    (select count(*) from (
                        select * from build.main.{mart} except all select * from main.{mart})),
                    (select count(*) from (
                        select * from main.{mart} except all select * from build.main.{mart})),
                    (select count(*) from main.{mart})
                """
            ).fetchone() or (None, None, None)
            if missing or extra:
                differing[mart] = (missing, extra, rows)
        assert differing == {}
    finally:
        connection.close()


def test_quick_refresh_runs_dbt_in_process_and_lets_go_of_the_warehouse(
    company: tuple[str, Path], first_publish: Publication
) -> None:
    """dbt ran in this process: its parsed project is kept for the next run, and its
    DuckDB database is closed (DuckDB refuses a second configuration in one process)."""
    from orchestration import dbt_in_process

    build = build_path(company[1])
    assert [warehouse for _, warehouse in dbt_in_process._MANIFESTS] == [str(build)]
    with duckdb.connect(str(build), config={"memory_limit": "1GB"}) as connection:
        assert connection.execute("select count(*) from main.fct_gl_lines").fetchone()


def test_dbt_is_prepared_in_the_background_for_the_build(
    company: tuple[str, Path], first_publish: Publication, tmp_path: Path
) -> None:
    """What the extract step starts: dbt imported and the project parsed in a thread, so
    the build that follows finds the manifest for its warehouse file ready."""
    from orchestration import dbt_in_process
    from orchestration.project import models_fingerprint

    build = build_path(company[1])
    dbt_in_process.forget()
    thread = dbt_in_process.prepare(build, tmp_path / "target")
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert list(dbt_in_process._MANIFESTS) == [(models_fingerprint(), str(build))]


def test_quick_refresh_stops_before_publishing_when_a_reconciliation_fails(
    company: tuple[str, Path], first_publish: Publication, monkeypatch: pytest.MonkeyPatch
) -> None:
    import quality.reconciliation as rules
    from orchestration.refresh import RefreshFailed, run_refresh

    def out_of_balance(warehouse: Path) -> rules.Reconciliation:
        return rules.Reconciliation(
            rule="stock valuation = inventory ledger",
            groups_checked=1,
            failures=[{"division_id": 1, "difference_base": "0.01"}],
        )

    monkeypatch.setattr(rules, "stock_reconciliation", out_of_balance)
    post_sales_invoice(company[0], "10.00", on="2026-10-29")
    before = current_publication(company[1])
    with pytest.raises(RefreshFailed, match="stock_reconciles"):
        run_refresh()
    assert current_publication(company[1]) == before


def test_quick_refresh_stops_before_publishing_when_a_blocking_dbt_test_fails(
    company: tuple[str, Path], first_publish: Publication
) -> None:
    from orchestration.refresh import RefreshFailed, run_refresh

    build = build_path(company[1])
    # An unbalanced line slipped into raw (as a broken extract would load it): the fact's
    # blocking test "every entry sums to zero" must stop the publish.
    with duckdb.connect(str(build)) as connection:
        connection.execute(
            """
            insert into raw.journal_line
            select * replace (id + 1000000 as id, amount_base + 1 as amount_base)
            from raw.journal_line where id = (select max(id) from raw.journal_line)
            """
        )
    before = current_publication(company[1])
    with pytest.raises(RefreshFailed, match="assert_recent_gl_lines_sound"):
        run_refresh()
    assert current_publication(company[1]) == before
    with duckdb.connect(str(build)) as connection:
        connection.execute("delete from raw.journal_line where id > 1000000")
        connection.execute("delete from main.fct_gl_lines where gl_line_id > 1000000")


def test_quick_refresh_builds_every_model_when_the_models_changed(
    company: tuple[str, Path], first_publish: Publication
) -> None:
    from orchestration.project import models_fingerprint, write_build_fingerprint
    from orchestration.quick_refresh import quick_build_possible

    build = build_path(company[1])
    assert quick_build_possible(build)
    # Views render the ageing date into their SQL: another date needs them rebuilt.
    assert not quick_build_possible(build, as_of_date="2025-12-31")
    write_build_fingerprint(build, "models of another version")
    assert not quick_build_possible(build)
    # What a model deleted from the project left in the file (a mart and a staging view).
    with duckdb.connect(str(build)) as connection:
        connection.execute("create table main.mart_deleted_since as select 1 as x")
        connection.execute("create view staging.stg_deleted_since as select 1 as x")
        connection.execute("create table raw.kept_by_the_extract as select 1 as x")
    # The quick job then builds the views too, and records the current models.
    result = _quick_job_result()
    assert result.success
    assert quick_build_possible(build)
    with duckdb.connect(str(build), read_only=True) as connection:
        left = connection.execute(
            "select schema_name || '.' || table_name from duckdb_tables() "
            "union all select schema_name || '.' || view_name from duckdb_views() "
            "where not internal"
        ).fetchall()
    names = {name for (name,) in left}
    assert "main.mart_deleted_since" not in names and "staging.stg_deleted_since" not in names
    assert {"raw.kept_by_the_extract", "main.fct_gl_lines", "staging.stg_erp__journal_lines"} <= (
        names
    )
    assert (build.parent / "dbt-models.fingerprint").read_text().strip() == models_fingerprint()
    assert not quick_build_possible(company[1] / "nowhere" / "warehouse.duckdb")


def _quick_job_result() -> dg.ExecuteInProcessResult:
    from orchestration.definitions import defs

    return defs.resolve_job_def("quick_refresh").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )


def test_parse_state_serves_any_warehouse_path(
    company: tuple[str, Path], first_publish: Publication, tmp_path: Path
) -> None:
    import msgpack

    from orchestration.project import (
        PARTIAL_PARSE,
        _state_for,
        profile_identity,
        retarget_parse_state,
        seed_parse_state,
    )

    def profile_hash(state: bytes) -> str:
        manifest = msgpack.unpackb(state, ext_hook=msgpack.ExtType, raw=False, strict_map_key=False)
        return str(manifest["state_check"]["profile_hash"]["checksum"])

    # The state dbt kept after this module's runs carries the hash computed here.
    build = build_path(company[1])
    kept = _state_for(build)
    assert kept.exists()
    assert profile_hash(kept.read_bytes()) == profile_identity(build)[1]
    # A new path gets a state with its own hash, without a dbt parse.
    other = tmp_path / "elsewhere" / "build" / "warehouse.duckdb"
    seed_parse_state(tmp_path / "run", other)
    seeded = (tmp_path / "run" / PARTIAL_PARSE).read_bytes()
    assert profile_hash(seeded) == profile_identity(other)[1] != profile_identity(build)[1]
    # A file of another name is another database to dbt: no state is made up for it.
    assert retarget_parse_state(kept.read_bytes(), tmp_path / "other.duckdb") is None


def test_definitions_have_the_quick_job_and_the_sensor_uses_it(definitions: Any) -> None:
    job = definitions.resolve_job_def("quick_refresh")
    structure = job.graph.dependency_structure
    upstream = {
        node.name: sorted(
            output.node_name for output in structure.all_upstream_outputs_from_node(node.name)
        )
        for node in job.graph.nodes
    }
    assert upstream == {
        "extract": [],
        "build": ["extract"],
        "blocking_checks": ["build"],
        "publish": ["blocking_checks", "build"],
    }
    assert job.tags.get("erp/warehouse") == "build"
    assert definitions.resolve_sensor_def("new_postings").job_name == "quick_refresh"
    assert definitions.resolve_schedule_def("hourly_refresh").job_name == "refresh"


def test_the_facts_load_window_is_the_extracts() -> None:
    """fct_gl_lines and its quick check look for new lines in the window the extract
    re-reads: a narrower one would miss a late PostgreSQL line the extract loaded."""
    import yaml

    from ingestion.extract_load import LOOKBACK_IDS
    from orchestration.project import MODELS_DIR

    project = yaml.safe_load((MODELS_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    assert project["vars"]["gl_lookback_ids"] == LOOKBACK_IDS


# It writes a model into models/: no other test may see the project meanwhile (tests/conftest.py).
@pytest.mark.edits_dbt_project
def test_a_model_added_then_deleted_is_published_then_gone(
    company: tuple[str, Path], first_publish: Publication
) -> None:
    """The analyst's loop: add a model, refresh, see it; delete it, refresh, it is gone.

    This process made its definitions before the model existed: the refresh failed with
    ``KeyError: 'model.erp.<model>'`` until ``dbt parse`` was run by hand, and a deleted
    model's table stayed in every publication. (The full job builds only the model and
    publishes here, to keep the test short; run_refresh asks the same definitions.)"""
    from orchestration.definitions import current_definitions
    from orchestration.project import MODELS_DIR

    name = f"mart_probe_{uuid.uuid4().hex[:8]}"
    model = MODELS_DIR / "models" / "marts" / "core" / f"{name}.sql"
    listed = f"select count(*) from duckdb_tables() where table_name = '{name}'"

    def refresh(*keys: str) -> None:
        selection = [dg.AssetKey(key) for key in (*keys, "published_warehouse")]
        result = (
            current_definitions()
            .resolve_job_def("refresh")
            .execute_in_process(
                asset_selection=selection,
                instance=dg.DagsterInstance.ephemeral(),
                raise_on_error=False,
            )
        )
        assert result.success, explain(result)

    try:
        model.write_text(
            "select division_code, count(*) as lines\n"
            "from {{ ref('fct_gl_lines') }} join {{ ref('dim_divisions') }} using (division_id)\n"
            "group by division_code\n",
            encoding="utf-8",
        )
        refresh(name)
        published = current_publication(company[1])
        assert published is not None
        assert query(published, f"select sum(lines) from main.{name}") == query(
            published, "select count(*) from main.fct_gl_lines"
        )
    finally:
        model.unlink(missing_ok=True)
    refresh("dim_divisions")
    assert dg.AssetKey(name) not in current_definitions().resolve_all_asset_keys()
    published = current_publication(company[1])
    assert published is not None
    assert query(published, listed) == [(0,)]
    with duckdb.connect(str(build_path(company[1])), read_only=True) as connection:
        assert connection.execute(listed).fetchone() == (0,)


def test_quick_refresh_records_what_it_rebuilt_and_checked(
    company: tuple[str, Path], first_publish: Publication
) -> None:
    """After a quick refresh the dagster instance holds its materialisations of the marts
    it rebuilt and its check results (before, a failed full run left every mart red in the
    UI although the dashboards showed the quick refresh's fresh marts)."""
    from orchestration.definitions import current_definitions

    with dg.instance_for_test() as instance:
        result = (
            current_definitions()
            .resolve_job_def("quick_refresh")
            .execute_in_process(instance=instance, raise_on_error=False)
        )
        assert result.success
        for mart in ("fct_gl_lines", "mart_trial_balance", "mart_balance_sheet"):
            latest = instance.get_latest_materialization_event(dg.AssetKey(mart))
            assert latest is not None and latest.run_id == result.run_id, mart
        evaluations = {
            (e.asset_key.to_user_string(), e.check_name): e.passed
            for e in result.get_asset_check_evaluations()
        }
        # The same check keys the full job's definitions have, all passed.
        defined = {
            (key.asset_key.to_user_string(), key.name)
            for key in current_definitions().resolve_asset_graph().asset_check_keys
        }
        assert set(evaluations) <= defined
        assert {
            ("fct_gl_lines", "assert_recent_gl_lines_sound"),
            ("mart_trial_balance", "assert_trial_balance_movements_sum_to_zero"),
            ("mart_balance_sheet", "assert_balance_sheet_balances"),
            ("mart_stock_reconciliation", "stock_reconciles"),
        } <= set(evaluations)
        assert all(evaluations.values())
        check = dg.AssetCheckKey(
            dg.AssetKey("mart_trial_balance"), "assert_trial_balance_movements_sum_to_zero"
        )
        stored = instance.event_log_storage.get_latest_asset_check_execution_by_key([check])
        assert [record.run_id for record in stored.values()] == [result.run_id]


def test_erp_refresh_waits_for_the_running_refresh_and_shows_its_stages(
    company: tuple[str, Path], first_publish: Publication
) -> None:
    """A refresh started while another holds the build file (a run of the dagster UI)
    waits its turn instead of failing on DuckDB's lock, and shows each stage's time."""
    from orchestration.build_lock import holding_build

    url, warehouse = company
    post_sales_invoice(url, "5.00", on="2026-10-29")
    project = Path(__file__).resolve().parents[2]
    with holding_build(warehouse):
        command = subprocess.Popen(
            [sys.executable, "-m", "orchestration.cli", "refresh"],
            cwd=project,
            env={**os.environ, "ERP_REFRESH_WAIT": "600"},
            stderr=subprocess.PIPE,
            text=True,
        )
        assert command.stderr is not None
        try:
            # The project loaded (a stage line), then it waits for the build file.
            before = [command.stderr.readline() for _ in range(2)]
            assert "waiting for the running refresh" in before[-1], before
        except BaseException:
            command.kill()
            raise
    # The build file is free now: the refresh goes on and publishes.
    _, rest = command.communicate(timeout=600)
    assert command.returncode == 0, rest
    rest = before[0] + rest
    stages = [line.split() for line in rest.splitlines() if line.strip().startswith("ok ")]
    assert [words[1] for words in stages] == ["load", "extract", "dbt", "checks", "publish"], rest
    assert all(words[-1] == "s" and float(words[-2]) >= 0 for words in stages)
    assert "Published" in rest and "job quick_refresh" in rest
