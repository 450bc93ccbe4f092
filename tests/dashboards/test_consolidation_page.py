"""The Consolidation page per role, against the contract warehouse's consolidation marts
(contract_consolidation.py: HOLD in EUR with UK in GBP, 80 %).

The ledger holds the two divisions (ids 1 and 2, as in the warehouse) and a user per
role; users who see both divisions see the level, a user who sees one does not (the
published connection holds no row of a level they do not wholly see).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import duckdb
import pytest
from openpyxl import load_workbook
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from dashboards.amounts import format_rate
from dashboards.warehouse import PublishedWarehouse
from tests.dashboards.apptest_helpers import empty_ledger, open_page, password_of, report_frame
from tests.dashboards.test_consolidation_forms import generated  # noqa: F401 - a fixture
from tests.dashboards.test_downloads import walk, workbooks  # noqa: F401 - a fixture

PAGE = "app_pages/consolidation.py"
END = date(2025, 12, 31)
# The contract's books stop on 25 December 2025: the page opens on the month end before.
OPENS_ON = date(2025, 11, 30)
# Demo user names (their passwords are known to the helpers) and what they see here.
WHOLE_GROUP = {
    "accountant": "accountant",
    "manager": "manager",
    "analyst": "analyst",
    "accountant_be": "accountant",  # reads French (Belgium)
}
ONE_DIVISION = {"clerk2": ("clerk", "HOLD"), "manager_us": ("manager", "UK")}


@pytest.fixture
def consolidation_env(monkeypatch: pytest.MonkeyPatch, contract_dir: Path, tmp_path: Path) -> str:
    """The contract warehouse, and a ledger holding its divisions and a user per role."""
    from transactional.database import make_engine, session_scope
    from transactional.organisation import services as org
    from transactional.organisation import users
    from transactional.organisation.models import User

    url = empty_ledger(monkeypatch, tmp_path)
    monkeypatch.setenv("ERP_WAREHOUSE_DIR", str(contract_dir))
    with session_scope(make_engine(url)) as s:
        admin = s.exec(select(User).where(User.username == "admin")).one()
        for code, name in (("EUR", "Euro"), ("GBP", "Pound sterling")):
            org.create_currency(session=s, user=admin, code=code, name=name)
        org.create_division(
            session=s, user=admin, code="HOLD", name="Holding", currency="EUR", country="NL"
        )
        org.create_division(
            session=s,
            user=admin,
            code="UK",
            name="UK Ltd",
            currency="GBP",
            country="GB",
            parent="HOLD",
            ownership_pct=Decimal(80),
        )
        scopes = {name: (role, ["HOLD", "UK"]) for name, role in WHOLE_GROUP.items()}
        scopes.update({name: (role, [code]) for name, (role, code) in ONE_DIVISION.items()})
        for name, (role, divisions) in scopes.items():
            org.create_user(
                session=s,
                user=admin,
                username=name,
                full_name=name,
                role=role,
                divisions=divisions,
            )
            users.set_password(session=s, user=admin, username=name, password=password_of(name))
            if name == "accountant_be":
                users.set_locale(session=s, user=admin, username=name, locale="fr_BE")
    return url


def _open(user: str) -> AppTest:
    """The page as ``user`` sees it, at the year end (the contract's figures are known
    there; the page opens on the last month end the books have closed, November)."""
    at = open_page(PAGE, user=user)
    # Through the session (AppTest formats a set value with English labels).
    at.session_state["consolidation_period"] = END
    at.run()
    assert at.selectbox(key="consolidation_period").value == END
    assert not at.exception, [e.message for e in at.exception]
    return at


def _mart(wh: PublishedWarehouse, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(wh.path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _money(value: Any) -> str:
    return f"{round(float(value), 2) + 0.0:,.2f}"


def _group_figure(wh: PublishedWarehouse, mart: str, line: str, column: str, end: date) -> Any:
    (value,) = _mart(
        wh,
        f"select sum({column}) from {mart} where column_kind = 'group' "
        f"and line_code = '{line}' and period_end = '{end}'",
    )[0]
    return value


@pytest.mark.parametrize("username", ["admin", "accountant", "manager", "analyst"])
def test_a_user_seeing_the_whole_group_sees_its_consolidation(
    consolidation_env: str, contract_wh: PublishedWarehouse, username: str
) -> None:
    at = open_page(PAGE, user=username)
    assert at.title[0].value == "Consolidation"
    assert not at.error, [e.value for e in at.error]
    assert at.selectbox(key="consolidation_level").value == 1
    assert "HOLD, the whole group (EUR)" in at.selectbox(key="consolidation_level").options
    assert at.selectbox(key="consolidation_period").value == OPENS_ON
    at.selectbox(key="consolidation_period").set_value(END).run()
    assert [t.label for t in at.tabs] == [
        "Profit and loss",
        "Balance sheet",
        "Trial balance",
        "Currency effects",
        "Intercompany",
    ]
    metrics = {m.label: (m.value, m.delta) for m in at.metric}
    profit = _group_figure(
        contract_wh, "mart_consolidated_income_statement", "PROFIT", "ytd_amount", END
    )
    profit_ly = _group_figure(
        contract_wh,
        "mart_consolidated_income_statement",
        "PROFIT",
        "ytd_amount",
        date(2024, 12, 31),
    )
    assert metrics["Profit"] == (_money(profit), "+" + _money(profit - profit_ly))
    owners = _group_figure(
        contract_wh, "mart_consolidated_income_statement", "PROFIT_OWNERS", "ytd_amount", END
    )
    assert metrics["Profit attributable to owners"][0] == _money(owners)
    (nci,) = _mart(
        contract_wh,
        "select -sum(balance) from mart_consolidated_trial_balance t "
        "join dim_group_accounts a using (group_account_id) "
        f"where a.role = 'nci' and t.column_kind = 'group' and t.period_end = '{END}'",
    )[0]
    assert metrics["Non-controlling interests"][0] == _money(nci)
    assert set(metrics) == {
        "Group revenue",
        "Profit",
        "Profit attributable to owners",
        "Total equity",
        "Non-controlling interests",
    }


def test_a_french_reader_reads_the_page_in_french_with_french_numbers(
    consolidation_env: str, contract_wh: PublishedWarehouse
) -> None:
    # Opened as it is (AppTest would rerun a French select box with English labels): on
    # the last month end the books have closed.
    at = open_page(PAGE, user="accountant_be")
    assert not at.exception, [e.message for e in at.exception]
    assert [t.label for t in at.tabs][:3] == ["Compte de résultat", "Bilan", "Balance"]
    metrics = {m.label: m.value for m in at.metric}
    profit = _group_figure(
        contract_wh, "mart_consolidated_income_statement", "PROFIT", "ytd_amount", OPENS_ON
    )
    whole, cents = f"{float(profit):.2f}".split(".")
    assert metrics["Résultat"] == f"{int(whole):,}".replace(",", "\u202f") + f",{cents}"
    assert "Chiffre d'affaires du groupe" in metrics
    assert at.selectbox(key="consolidation_period").options[0] == "31 déc. 2025"
    # The standard group chart's names and the computed lines read in French.
    pl = report_frame(at, "consolidated_pl").set_index("line_code")["line_name"]
    assert pl["PROFIT_OWNERS"] == "Part du groupe"
    tb = report_frame(at, "consolidated_tb")
    effects = report_frame(at, "currency_effects")
    assert "Écarts de conversion" in effects["name"].tolist()  # Translation reserve
    assert "Translation reserve" not in effects["name"].tolist() + tb["name"].tolist()
    # No internal id in the tables (nor, so, in their downloads).
    assert "group_account_id" not in tb.columns


def test_the_statements_have_a_column_per_division_and_add_up(consolidation_env: str) -> None:
    at = _open("accountant")
    pl = report_frame(at, "consolidated_pl")
    columns = ["HOLD", "UK", "ELIM", "ADJ", "GROUP"]
    assert [c for c in pl.columns if c in columns] == columns
    for row in pl.itertuples():
        parts = sum(getattr(row, c) for c in columns[:-1])
        assert round(parts - row.GROUP, 2) == 0, row
    by_line = pl.set_index("line_code")
    # HOLD's services to UK (500 a month from March 2025) are eliminated from revenue.
    assert by_line.loc["G8000", "ELIM"] == -5000
    assert by_line.loc["PROFIT_NCI", "GROUP"] > 0
    assert by_line.loc["PROFIT_OWNERS", "line_name"] == "Attributable to owners of the parent"
    bs = report_frame(at, "consolidated_bs")
    for column in columns:
        sides = bs.groupby("side")[column].sum()
        assert round(sides["Assets"] - sides["Equity and liabilities"], 2) == 0, column
    tb = report_frame(at, "consolidated_tb")
    for column in columns:
        assert round(float(tb[column].sum()), 2) == 0, column
    # The top-side entry (the audit fee) is in the adjustments column only.
    assert tb.set_index("code").loc["G4300", "ADJ"] == 100


def test_intercompany_differences_and_currency_effects_are_shown_apart(
    consolidation_env: str,
) -> None:
    at = _open("analyst")
    ic = report_frame(at, "intercompany_reconciliation")
    unmatched = ic[ic["difference"] != 0]
    assert unmatched[
        ["division_code", "counterparty_code", "kind", "difference"]
    ].values.tolist() == [["HOLD", "UK", "Balances", 50.0]]
    assert any("1 intercompany pair does not match" in w.value for w in at.warning)
    effects = report_frame(at, "currency_effects")
    assert set(effects["division_code"]) == {"UK"}  # HOLD keeps its books in euros
    assert "Translation reserve" in effects["name"].tolist()
    cta = report_frame(at, "cta_movement")
    assert round(float(cta["opening"].iloc[0] + cta["movement"].iloc[0]), 2) == round(
        float(cta["closing"].iloc[0]), 2
    )
    nci = report_frame(at, "nci_movement")
    assert nci["ownership_share"].tolist() == [0.8]


@pytest.mark.parametrize("username", list(ONE_DIVISION))
def test_a_user_seeing_part_of_a_level_sees_no_group_figure(
    consolidation_env: str, username: str
) -> None:
    at = open_page(PAGE, user=username)
    assert not at.exception, [e.message for e in at.exception]
    assert any("see every division of a group level" in i.value for i in at.info)
    assert not at.metric
    assert not at.dataframe
    assert not at.main.selectbox


def test_a_scoped_connection_holds_only_levels_the_scope_covers(
    contract_wh: PublishedWarehouse,
) -> None:
    from dataclasses import replace

    marts = (
        "dim_group_levels",
        "mart_consolidated_trial_balance",
        "fct_consolidation_eliminations",
        "mart_intercompany_reconciliation",
    )
    for scope, expected in ((frozenset({1}), 0), (frozenset({2}), 0), (frozenset({1, 2}), None)):
        scoped = replace(contract_wh, divisions=scope)
        for mart in marts:
            rows = int(scoped.query(f"select count(*) as n from {mart}").n[0])
            whole = int(contract_wh.query(f"select count(*) as n from {mart}").n[0])
            assert rows == (whole if expected is None else expected), (scope, mart)
        # The group chart is shared, like the division chart.
        assert int(scoped.query("select count(*) as n from dim_group_accounts").n[0]) > 0


def _drill(at: AppTest, account: int, column: str) -> AppTest:
    at.selectbox(key="consolidation_drill_account").set_value(account).run()
    at.selectbox(key="consolidation_drill_column").set_value(column).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_revenue_drills_down_to_eliminations_and_a_divisions_ledger_lines(
    consolidation_env: str, contract_wh: PublishedWarehouse
) -> None:
    at = _drill(_open("accountant"), 8, "GROUP")  # G8000 Revenue
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Difference"] == "0.00"
    assert metrics["Figure (EUR)"] == metrics["Divisions and eliminations behind it"]
    assert not at.error, [e.value for e in at.error]
    eliminations = report_frame(at, "drill_eliminations")
    assert eliminations[["elimination_type", "division_code", "amount"]].values.tolist() == [
        ["Intercompany transaction", "HOLD", 5000.0]
    ]
    # Composed from the type's label and the divisions (the mart's is English only); no
    # internal ids on screen or in the workbooks.
    assert eliminations["description"].tolist() == ["Intercompany transaction HOLD / UK"]
    assert "elimination_id" not in eliminations.columns
    translated = report_frame(at, "drill_translations")
    assert "division_id" not in translated.columns
    assert translated["division_code"].tolist() == ["HOLD", "UK"]
    # UK's lines in pounds: both revenue accounts (8000, 8100) map to G8000, 2025 only.
    at.selectbox(key="consolidation_drill_division").set_value(2).run()
    lines = report_frame(at, "drill_ledger_lines")
    assert set(lines["currency_code"]) == {"GBP"}
    assert set(lines["account_code"]) == {"8000", "8100"}
    assert lines["entry_date"].min().date() >= date(2025, 1, 1)
    (expected,) = _mart(
        contract_wh,
        "select sum(amount_base) from fct_gl_lines where division_id = 2 "
        "and account_id in (6, 7) and fiscal_year = 2025",
    )[0]
    assert round(float(lines["amount_base"].sum()), 2) == round(float(expected), 2)
    uk = translated.set_index("division_code").loc["UK"]
    assert round(float(uk["amount_local"]), 2) == round(float(expected), 2)
    assert any("UK's ledger lines" in m.value and "£" in m.value for m in at.markdown)


def test_a_division_column_drills_to_its_lines_and_no_elimination(
    consolidation_env: str,
) -> None:
    at = _drill(_open("accountant"), 1, "UK")  # G1100 Cash, UK's column
    assert {m.label: m.value for m in at.metric}["Difference"] == "0.00"
    assert "consolidation_drill_eliminations_xlsx" not in {
        b.key for b in at.main.get("download_button")
    }
    assert report_frame(at, "drill_translations")["division_code"].tolist() == ["UK"]
    lines = report_frame(at, "drill_ledger_lines")
    # A balance-sheet account: every line since the start, in the division's currency.
    assert lines["entry_date"].min().date() < date(2025, 1, 1)


def test_every_table_downloads_as_a_workbook_saying_what_it_holds(
    consolidation_env: str,
    workbooks: dict[str, tuple[str, Callable[[], Any]]],  # noqa: F811
) -> None:
    at = _open("accountant")
    buttons: dict[str, Any] = {}
    walk(at, buttons)
    keys = {b.key for b in buttons.values()}
    assert {
        "consolidated_pl_xlsx",
        "consolidated_bs_xlsx",
        "consolidated_tb_xlsx",
        "currency_effects_xlsx",
        "cta_movement_xlsx",
        "nci_movement_xlsx",
        "intercompany_reconciliation_xlsx",
        "drill_translations_xlsx",
        "drill_eliminations_xlsx",
        "drill_ledger_lines_xlsx",
    } <= keys, sorted(keys)
    for element_id, button in buttons.items():
        _, build = workbooks[element_id]
        sheet = load_workbook(BytesIO(build())).active
        assert sheet is not None
        rows = list(sheet.iter_rows(values_only=True))
        header = {r[0]: r[1] for r in rows[1 : rows.index((None,) * len(rows[0]))]}
        assert header["Group level"] == "HOLD, the whole group", (button.key, header)
        assert header["Divisions"] == "HOLD, UK", header
        assert header["Currency"].startswith("EUR") or button.key == "drill_ledger_lines_xlsx"
        assert header["Period end"] == "Dec 31, 2025", header
        assert "Through period" not in header, header
        if str(button.key).startswith("drill_"):
            assert header["Figure"], header


def test_unmapped_accounts_of_the_levels_divisions_are_listed_above_the_figures(
    generated: Path,  # noqa: F811
    contract_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The ledger as it is now (here the generated demo's, whose divisions 1 and 2 are
    the level's ids in the contract warehouse): an account with lines and no mapping is
    named, as the next refresh would refuse it."""
    import shutil

    from sqlalchemy import create_engine, text

    ledger = tmp_path / "erp.db"
    shutil.copy(generated, ledger)
    url = f"sqlite:///{ledger}"
    engine = create_engine(url)
    with engine.begin() as con:
        con.execute(
            text(
                "delete from group_account_map where division_id is null "
                "and account_id = (select id from account where code = '4300')"
            )
        )
        codes = [
            str(c)
            for (c,) in con.execute(text("select code from division where id in (1, 2)")).all()
        ]
    engine.dispose()
    monkeypatch.setenv("ERP_DATABASE_URL", url)
    monkeypatch.setenv("ERP_WAREHOUSE_DIR", str(contract_dir))
    at = open_page(PAGE)
    assert any("2 accounts with ledger lines are not mapped" in w.value for w in at.warning)
    unmapped = report_frame(at, "unmapped_accounts")
    assert sorted(unmapped["division_code"]) == sorted(codes)
    assert set(unmapped["account_code"]) == {"4300"}
    assert at.metric  # the last published figures are still shown


def test_the_movement_tables_show_money_as_money(contract_wh: PublishedWarehouse) -> None:
    """The marts call the NCI's part of the CTA and of the result a "share": euros, which
    report tables would show as percentages under such a name."""
    from dashboards.grid_columns import column_kind
    from dashboards.queries import consolidation as q
    from dashboards.report_table import prepare

    level = q.Level(1, END)
    for table, fractions in ((q.cta_movement, set()), (q.nci_movement, {"ownership_pct"})):
        shown = prepare(table(contract_wh, level))
        kinds = {str(c): column_kind(str(c), shown[c]) for c in shown.columns}
        money = {c for c, k in kinds.items() if k != "other"} - fractions
        assert money and {kinds[c] for c in money} == {"amount"}, kinds
    nci = prepare(q.nci_movement(contract_wh, level))
    # UK's NCI: opening + at acquisition + its parts of result, CTA, equity = closing.
    row = nci.iloc[0]
    parts = row[["opening", "at_acquisition", "result_to_nci", "cta_to_nci"]].sum()
    parts += row["equity_movements_to_nci"]
    assert round(float(parts), 2) == round(float(row["closing"]), 2)


def test_the_page_opens_on_the_last_month_end_the_books_have_reached(
    consolidation_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboards.selection import default_month_end

    ends = [date(2025, m, 28) for m in (1, 2)] + [date(2025, 3, 31), date(2025, 4, 30)]
    assert default_month_end(ends, date(2025, 4, 29), None) == date(2025, 3, 31)
    assert default_month_end(ends, date(2025, 4, 30), None) == date(2025, 4, 30)
    assert default_month_end(ends, date(2030, 1, 1), date(2025, 3, 5)) == date(2025, 2, 28)
    assert default_month_end(ends, date(2024, 1, 1), None) == date(2025, 1, 28)
    # Mid-June 2025, the books (to 25 December) ahead: May's month end, not June's.
    monkeypatch.setenv("ERP_TODAY", "2025-06-15")
    at = open_page(PAGE, user="accountant")
    assert at.selectbox(key="consolidation_period").value == date(2025, 5, 31)
    # Years later the books still stop on 25 December 2025: November, not December.
    monkeypatch.setenv("ERP_TODAY", "2027-02-01")
    at = open_page(PAGE, user="accountant")
    assert at.selectbox(key="consolidation_period").value == OPENS_ON


def test_currency_effects_are_year_to_date_for_the_pl_with_exact_rates(
    consolidation_env: str, contract_wh: PublishedWarehouse
) -> None:
    at = _open("analyst")
    effects = report_frame(at, "currency_effects").set_index("code")
    pl = _mart(
        contract_wh,
        "select a.code, t.amount_local - coalesce(b.amount_local, 0), t.closing_rate "
        "from fct_consolidation_translation t join dim_group_accounts a using (group_account_id) "
        "left join fct_consolidation_translation b on b.division_id = t.division_id "
        "and b.group_account_id = t.group_account_id and b.period_end = '2024-12-31' "
        f"where t.division_id = 2 and t.period_end = '{END}' "
        "and a.account_type = 'profit_loss' and a.code = 'G8000'",
    )
    ((code, ytd, rate),) = pl
    assert round(float(effects.loc[code, "amount_local"]), 2) == round(float(ytd), 2)
    assert round(float(effects.loc[code, "amount_at_closing"]), 2) == round(float(ytd * rate), 2)
    # The rate reads with six decimals on screen and in the workbook, not as an amount.
    from dashboards.grid_columns import column_kind

    kinds = {str(c): column_kind(str(c), effects[c]) for c in effects.columns}
    assert kinds["closing_rate"] == "rate"
    assert {k for c, k in kinds.items() if c.startswith("amount") or c == "currency_effect"} == {
        "amount"
    }
    assert format_rate(1.21512345) == "1.215123"


def test_the_intercompany_caption_says_rates_can_make_differences(
    consolidation_env: str,
) -> None:
    at = _open("analyst")
    assert any("exchange rates" in c.value for c in at.caption)
    assert report_frame(at, "intercompany_reconciliation")["difference"].abs().max() > 0
