"""The dbt project's shape, read from its manifest (``dbt parse``, no build): the naming
convention, the DAG flowing one way, enforced contracts on what the pages read, one
exposure per page listing what that page reads (models/README.md)."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.dashboards import contract_warehouse
from tests.dashboards import page_marts as page_marts_module
from tests.dashboards.page_marts import PAGES, page_marts

# Marts named before the convention, allowed until renamed (none left).
NOT_YET_RENAMED: frozenset[str] = frozenset()

LAYERS = {  # folder under models/models -> the names a model there may have
    "staging": r"stg_[a-z0-9]+__[a-z0-9_]+",
    "intermediate": r"int_[a-z0-9_]+",
    "marts": r"(dim|fct|mart)_[a-z0-9_]+",
}


@pytest.fixture(scope="module")
def manifest(dbt_parsed: None) -> dict[str, Any]:
    from orchestration.project import erp_project

    loaded: dict[str, Any] = json.loads(erp_project.manifest_path.read_text(encoding="utf-8"))
    return loaded


def models(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Model name -> its manifest node."""
    return {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }


def layer(node: dict[str, Any]) -> str:
    """staging, intermediate or marts: the first folder under models/models."""
    return str(Path(node["original_file_path"]).parts[1])


def marts(manifest: dict[str, Any]) -> set[str]:
    return {name for name, node in models(manifest).items() if layer(node) == "marts"}


def test_every_model_is_named_for_its_layer(manifest: dict[str, Any]) -> None:
    wrong = sorted(
        f"{layer(node)}/{name}"
        for name, node in models(manifest).items()
        if not re.fullmatch(LAYERS[layer(node)], name) and name not in NOT_YET_RENAMED
    )
    assert wrong == []
    # Marts are grouped by area folder (marts/<area>/) and live in schema main.
    for name in marts(manifest):
        node = models(manifest)[name]
        assert len(Path(node["original_file_path"]).parts) == 4, name
        assert node["schema"] == "main", name


def test_the_dag_flows_one_way(manifest: dict[str, Any]) -> None:
    """Staging and intermediate models never read a mart: shared logic lives below the
    marts (int_calendar_days under dim_dates and the exchange rates, for instance)."""
    nodes = models(manifest)
    by_id = {node["unique_id"]: node for node in nodes.values()}
    upward = sorted(
        f"{name} -> {by_id[parent]['name']}"
        for name, node in nodes.items()
        if layer(node) in ("staging", "intermediate")
        for parent in node["depends_on"]["nodes"]
        if parent in by_id and layer(by_id[parent]) == "marts"
    )
    assert upward == []
    # Staging reads the raw sources only.
    for name, node in nodes.items():
        if layer(node) == "staging":
            assert all(p.startswith("source.") for p in node["depends_on"]["nodes"]), name


def read_by_pages(manifest: dict[str, Any]) -> dict[str, set[str]]:
    every_mart = marts(manifest)
    return {page: page_marts(page, every_mart) for page in PAGES}


def test_the_page_reader_finds_what_the_pages_query() -> None:
    """The reader under the exposure test: it follows the names a page uses into the
    query modules (finance.kpis -> the SQL naming mart_profit_and_loss), and no
    docstring counts."""
    known = {
        "mart_profit_and_loss",
        "mart_receivables_ageing",
        "mart_payables_ageing",
        "mart_cash_position",
        "mart_abc_items",
        "dim_dates",
    }
    finance = page_marts("finance", known)
    assert {
        "mart_profit_and_loss",
        "mart_receivables_ageing",
        "mart_payables_ageing",
        "mart_cash_position",
    } <= finance
    assert "dim_dates" not in finance  # no page query selects from it
    assert "mart_cash_position" not in page_marts("wholesale", known)


def test_a_mart_name_an_f_string_builds_counts_as_read() -> None:
    """f"from mart_{kind}_ageing" reads both ageings; f"sum(balance_{s})" reads none."""
    source = 'kind = "receivables"\nsql = f"select * from mart_{kind}_ageing, balance_{kind}"\n'
    texts = [
        page_marts_module.fstring_text(node)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.JoinedStr)
    ]
    known = {"mart_receivables_ageing", "mart_payables_ageing", "mart_cash_position"}
    assert page_marts_module.named(texts, known) == {
        "mart_receivables_ageing",
        "mart_payables_ageing",
    }


def test_every_mart_a_page_reads_has_an_enforced_contract(manifest: dict[str, Any]) -> None:
    nodes = models(manifest)
    read = set().union(*read_by_pages(manifest).values())
    assert {"fct_gl_lines", "dim_divisions", "mart_sales_monthly"} <= read
    without = sorted(m for m in read if not nodes[m]["config"]["contract"]["enforced"])
    assert without == []
    untyped = sorted(
        f"{m}.{column['name']}"
        for m in read
        for column in nodes[m]["columns"].values()
        if not column.get("data_type")
    )
    assert untyped == []


def test_each_page_has_an_exposure_listing_the_marts_it_reads(manifest: dict[str, Any]) -> None:
    """models/models/exposures.yml against the pages' code, so `dbt ls -s
    +exposure:<page>` shows what a change reaches."""
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert exposures.keys() == PAGES.keys()
    by_id = {node["unique_id"]: name for name, node in models(manifest).items()}
    for page, read in read_by_pages(manifest).items():
        declared = {by_id[n] for n in exposures[page]["depends_on"]["nodes"]}
        assert declared == read, (
            f"exposure {page}: add {sorted(read - declared)}, drop {sorted(declared - read)}"
        )


def test_the_query_tests_warehouse_holds_only_contract_columns(
    manifest: dict[str, Any], tmp_path: Path
) -> None:
    """The dashboard query tests run every query against tests/dashboards/
    contract_warehouse.py; as its marts have no column beyond the contracts, a query
    those tests pass selects only contracted columns."""
    nodes = models(manifest)
    path = contract_warehouse.build(tmp_path / "contract.duckdb")
    with duckdb.connect(str(path), read_only=True) as connection:
        tables = connection.execute(
            "select table_name, list(column_name) from information_schema.columns "
            "where table_schema = 'main' group by table_name"
        ).fetchall()
    checked = 0
    for table, columns in tables:
        node = nodes.get(table)
        if node is None or not node["config"]["contract"]["enforced"]:
            continue
        extra = sorted(set(columns) - set(node["columns"]))
        assert extra == [], f"{table}: {extra} not in the contract"
        checked += 1
    assert checked >= 10
