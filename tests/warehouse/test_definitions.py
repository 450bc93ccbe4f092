"""The dagster definitions load and wire extract -> dbt -> checks -> publish."""

from __future__ import annotations

from typing import Any

import dagster as dg

MARTS = [
    "dim_divisions",
    "dim_accounts",
    "dim_periods",
    "dim_dates",
    "dim_relations",
    "fct_gl_lines",
    "fct_account_balances",
    "mart_trial_balance",
    "mart_profit_and_loss",
    "mart_balance_sheet",
    "mart_receivables_ageing",
    "mart_payables_ageing",
    "mart_open_items_by_period",
    "mart_ageing_by_period",
    "mart_cash_position",
    "mart_budget_vs_actual",
    "mart_cash_flow_forecast",
    "mart_alerts",
    "dim_items",
    "dim_warehouses",
    "dim_salespeople",
    "fct_sales_lines",
    "fct_purchase_lines",
    "fct_stock_movements",
    "fct_sales_order_lines",
    "mart_sales_monthly",
    "mart_item_sales_monthly",
    "mart_abc_items",
    "mart_abc_customers",
    "mart_stock_position",
    "mart_stock_reconciliation",
    "mart_open_orders_monthly",
    "mart_supplier_performance",
    # The group's and the manufacturer's marts: their blocking checks hold publishing too.
    "dim_group_account_map",
    "dim_group_accounts",
    "dim_group_levels",
    "fct_consolidation_eliminations",
    "fct_consolidation_translation",
    "mart_consolidated_balance_sheet",
    "mart_consolidated_income_statement",
    "mart_consolidated_trial_balance",
    "mart_cta_movement",
    "mart_intercompany_reconciliation",
    "mart_nci_movement",
    "dim_work_centres",
    "fct_capacity_order_weeks",
    "fct_production_transactions",
    "mart_capacity_load",
    "mart_material_loss",
    "mart_mrp_advice",
    "mart_mrp_pegging",
    "mart_production_costs",
    "mart_production_lead_times",
    "mart_production_variances",
    "mart_wip_position",
]


def test_definitions_load(definitions: Any) -> None:
    job = definitions.resolve_job_def("refresh")
    assert job.name == "refresh"
    graph = definitions.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {"erp_extract", "published_warehouse", *MARTS} <= keys
    assert definitions.resolve_schedule_def("hourly_refresh").default_status == (
        dg.DefaultScheduleStatus.STOPPED
    )
    assert definitions.resolve_sensor_def("new_postings") is not None


def test_lineage_runs_extract_staging_marts_publish(definitions: Any) -> None:
    graph = definitions.resolve_asset_graph()
    staging = graph.get(dg.AssetKey(["staging", "stg_erp__journal_lines"]))
    assert staging.parent_keys == {dg.AssetKey("erp_extract")}
    assert staging.group_name == "staging"
    fct = graph.get(dg.AssetKey("fct_gl_lines"))
    assert fct.group_name == "finance"
    assert dg.AssetKey(["staging", "stg_erp__journal_lines"]) in fct.parent_keys
    assert graph.get(dg.AssetKey("dim_accounts")).group_name == "core"
    published = graph.get(dg.AssetKey("published_warehouse"))
    assert {dg.AssetKey(name) for name in MARTS} == published.parent_keys


def test_checks_are_wired_and_blocking(definitions: Any) -> None:
    graph = definitions.resolve_asset_graph()
    checks = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    assert ("fct_gl_lines", "gl_lines_expectations") in checks
    assert ("mart_stock_reconciliation", "stock_reconciles") in checks
    # dbt's tests come along as checks too, the singular ones that read several models
    # attached to their asset (they were logged as observations, with a warning each).
    assert any(name.startswith("unique_fct_gl_lines") for _, name in checks)
    assert {
        ("mart_trial_balance", "assert_trial_balance_movements_sum_to_zero"),
        ("mart_balance_sheet", "assert_balance_sheet_balances"),
        ("fct_gl_lines", "assert_gl_lines_complete"),
        ("fct_gl_lines", "assert_recent_gl_lines_sound"),
        ("mart_receivables_ageing", "assert_open_items_match_ageing"),
        ("mart_wip_position", "wip_matches_ledger"),
    } <= checks
    for key in graph.asset_check_keys:
        if key.name in ("gl_lines_expectations", "stock_reconciles"):
            assert graph.get_check_spec(key).blocking


def test_every_dbt_test_is_an_asset_check(definitions: Any) -> None:
    """No dbt test is logged as an observation (with a warning on every run): a singular
    test reading several models names its asset (``meta: dagster: ref``)."""
    from dagster_dbt.asset_utils import get_asset_check_key_for_test

    from orchestration.assets.dbt import translator
    from orchestration.project import erp_project, load_manifest

    manifest = load_manifest()
    unattached = sorted(
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] == "test"
        and get_asset_check_key_for_test(manifest, translator, unique_id, erp_project) is None
    )
    assert unattached == []


def test_each_check_lives_in_one_place(definitions: Any) -> None:
    """The trial balance and balance sheet are checked by their dbt tests, which the quick
    refresh runs as blocking tests too; no Python check repeats them."""
    from orchestration.checks import BLOCKING_RECONCILIATIONS, all_checks
    from orchestration.project import load_manifest

    python_checks = {key.name for check in all_checks for key in check.check_keys}
    assert python_checks == {"gl_lines_expectations", "stock_reconciles"}
    assert [key.to_user_string() for key, _ in BLOCKING_RECONCILIATIONS] == [
        "mart_stock_reconciliation"
    ]
    tests = {
        node["name"]: node["tags"]
        for node in load_manifest()["nodes"].values()
        if node["resource_type"] == "test"
    }
    for blocking in (
        "assert_trial_balance_movements_sum_to_zero",
        "assert_balance_sheet_balances",
        "assert_recent_gl_lines_sound",
        "wip_matches_ledger",
    ):
        assert "blocking" in tests[blocking], blocking


def test_sensor_requests_a_refresh_only_for_new_postings(
    definitions: Any, demo_company: Any
) -> None:
    from orchestration.resources import ErpWarehouse
    from orchestration.sensors import latest_entry_id, new_postings_sensor

    resources = {"warehouse": ErpWarehouse(database_url=demo_company.url)}
    latest = latest_entry_id(demo_company.url)
    assert latest > 0
    with dg.instance_for_test() as instance:
        first = new_postings_sensor(dg.build_sensor_context(instance=instance, resources=resources))
        assert isinstance(first, dg.SensorResult)
        assert first.cursor == str(latest)
        assert [r.run_key for r in first.run_requests or []] == [f"entries-up-to-{latest}"]
        again = new_postings_sensor(
            dg.build_sensor_context(instance=instance, cursor=str(latest), resources=resources)
        )
        assert isinstance(again, dg.SkipReason)


def test_instance_template_disables_telemetry(tmp_path: Any, monkeypatch: Any) -> None:
    import shutil

    from orchestration.project import MODELS_DIR

    template = MODELS_DIR.parent / "orchestration" / "dagster_home" / "dagster.yaml"
    shutil.copy(template, tmp_path / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    with dg.DagsterInstance.get() as instance:
        assert instance.telemetry_enabled is False
        limits = instance.get_settings("concurrency")["runs"]["tag_concurrency_limits"]
        assert limits == [{"key": "erp/warehouse", "limit": 1}]
