"""Write-back round trip: a what-if scenario saved as a budget version reaches budget
against actual after one refresh; only a manager approves it.

Through the real parts: the engine on the published demo warehouse, the budget services
on a copy of the demo ledger (SQLite), the real refresh (extract, dbt build, checks,
publish) into a copy of the warehouse.
"""

from __future__ import annotations

import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import duckdb
import pytest
from sqlalchemy import create_engine, text

from dashboards.queries import whatif_baseline as baseline
from dashboards.writeback import budget_posting
from tests.dashboards.conftest import Company, DemoStack
from transactional.errors import DomainError
from transactional.planning import whatif as engine

pytestmark = pytest.mark.pipeline

CENT = Decimal("0.01")


def _version(url: str, name: str) -> list[tuple[int, str, str, str]]:
    eng = create_engine(url)
    try:
        with eng.connect() as con:
            rows = con.execute(
                text(
                    "select v.id, d.code, v.status, v.origin from budget_version v "
                    "join division d on d.id = v.division_id where v.name = :n order by d.code"
                ),
                {"n": name},
            ).all()
    finally:
        eng.dispose()
    return [(int(i), str(c), str(s), str(o)) for i, c, s, o in rows]


def test_saved_scenario_appears_in_budget_vs_actual_after_refresh(
    app_env: Company, demo_stack: DemoStack, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    published = demo_stack.published
    divisions = dict(
        duckdb.connect(str(published.path), read_only=True)
        .execute("select division_code, division_id from dim_divisions")
        .fetchall()
    )
    year = int(
        duckdb.connect(str(published.path), read_only=True)
        .execute("select max(fiscal_year) from mart_budget_vs_actual")
        .fetchone()[0]  # type: ignore[index]
    )
    chosen = [int(divisions["NL01"]), int(divisions["US01"])]
    base = baseline.load(published.path, chosen, year)
    result = engine.run(base, engine.Drivers(sales_price_pct=5, wages_pct=-2))
    name = "What-if price +5%"

    saved = budget_posting.save_what_if(
        user_id=app_env.user("accountant"),
        result=result,
        division_ids=chosen,
        name=name,
        scenario="custom",
    )
    assert [p.document_number for p in saved] == [name, name]
    assert [(c, s, o) for _, c, s, o in _version(app_env.url, name)] == [
        ("NL01", "draft", "what_if"),
        ("US01", "draft", "what_if"),
    ]

    # Saving the same name again for the same year is refused and writes nothing.
    with pytest.raises(DomainError):
        budget_posting.save_what_if(
            user_id=app_env.user("manager"),
            result=result,
            division_ids=chosen,
            name=name,
            scenario="custom",
        )
    assert len(_version(app_env.url, name)) == 2

    warehouse_dir = tmp_path / "warehouse"
    shutil.copytree(demo_stack.warehouse_dir, warehouse_dir)
    monkeypatch.setenv("ERP_WAREHOUSE_DIR", str(warehouse_dir))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    from orchestration.publish import connect, current_publication
    from orchestration.refresh import run_refresh

    run_refresh()
    after = current_publication(warehouse_dir)
    assert after is not None and after.version != published.version

    con = connect(after)
    try:
        rows = con.execute(
            "select division_code, account_code, period_number, sum(budget), max(status) "
            "from mart_budget_vs_actual where version_name = ? "
            "group by all order by all",
            [name],
        ).fetchall()
    finally:
        con.close()
    got = {(d, a, int(p)): Decimal(str(b)) for d, a, p, b, _ in rows}
    assert {r[4] for r in rows} == {"draft"}
    # Independently: revenue (P&L sign, positive) per month is the scenario's revenue,
    # which is the baseline's revenue x 1.05 from month 1; wages x 0.98.
    for code in ("NL01", "US01"):
        div = int(divisions[code])
        base_revenue = base.division(div).line(engine.REVENUE, len(base.months))
        base_wages = base.division(div).line(engine.WAGES, len(base.months))
        for month, revenue, wages in zip(base.months, base_revenue, base_wages, strict=True):
            expected_revenue = (revenue * Decimal("1.05")).quantize(CENT, ROUND_HALF_UP)
            expected_wages = (wages * Decimal("0.98")).quantize(CENT, ROUND_HALF_UP)
            if expected_revenue:
                assert got[(code, "8000", month.number)] == expected_revenue
            if expected_wages:
                assert got[(code, "4000", month.number)] == expected_wages
        assert any(got.get((code, "8000", m.number)) for m in base.months)


def test_only_a_manager_approves_a_saved_scenario(app_env: Company, demo_stack: DemoStack) -> None:
    published = demo_stack.published
    con = duckdb.connect(str(published.path), read_only=True)
    try:
        division, year = con.execute(
            "select d.division_id, max(b.fiscal_year) from dim_divisions d "
            "join mart_budget_vs_actual b using (division_id) "
            "where d.division_code = 'NL01' group by all"
        ).fetchone()  # type: ignore[misc]
    finally:
        con.close()
    base = baseline.load(published.path, [division], year)
    result = engine.run(base, engine.Drivers(sales_volume_pct=-10))
    name = "Downturn"
    budget_posting.save_what_if(
        user_id=app_env.user("accountant"),
        result=result,
        division_ids=[division],
        name=name,
        scenario="negative",
    )
    ((version_id, _, _, _),) = _version(app_env.url, name)
    budget_posting.change_status(
        user_id=app_env.user("accountant"), version_id=version_id, action="submit"
    )
    for refused in ("accountant", app_env.clerk):
        with pytest.raises(DomainError) as err:
            budget_posting.change_status(
                user_id=app_env.user(refused), version_id=version_id, action="approve"
            )
        assert "approve" in err.value.message.lower() or "right" in err.value.message.lower()
        assert _version(app_env.url, name)[0][2] == "submitted"
    done = budget_posting.change_status(
        user_id=app_env.user("manager"), version_id=version_id, action="approve"
    )
    assert done.document_number == name
    assert _version(app_env.url, name)[0][2] == "approved"
