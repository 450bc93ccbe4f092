"""The hand-worked consolidation example (issue 16): the group of
``tests/warehouse/consolidation_example.py`` (P in EUR; S1 in USD, 80 %, goodwill; S2 in
GBP, 100 %, bargain purchase; an intercompany fee, loan and dividend; two years of moving
rates) is posted through the services, extracted, and ``dbt build`` runs the
consolidation models into a warehouse of this test's own, as of 31 December 2026. The
marts must show, to the cent, the figures worked out in the example module from the rules
of docs/consolidation.md (section 2): the trial balance, statements (every column),
eliminations and CTA and NCI movements at every month end of both years; the key figures
of both year ends are written here as literals, worked by hand in the comments.
"""

from __future__ import annotations

import os
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.warehouse import consolidation_example as ex
from transactional.database import make_engine, session_scope
from transactional.migrate import upgrade

pytestmark = pytest.mark.pipeline

D = Decimal
MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
Y1, Y2 = ex.YEAR_ENDS


@dataclass
class Example:
    warehouse: Path
    inputs: ex.Inputs
    results: dict[date, ex.Consolidation]

    @property
    def level(self) -> int:
        return self.inputs.division_ids[ex.LEVEL]

    def division_id(self, code: str) -> int:
        return self.inputs.division_ids[code]

    def code(self, group_account_id: int) -> str:
        return self.inputs.accounts[group_account_id].code

    def role_code(self, role: str) -> str:
        return self.code(self.inputs.role(role))

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.warehouse), read_only=True) as connection:
            return connection.execute(sql, list(params)).fetchall()


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Example:
    folder = tmp_path_factory.mktemp("consolidation_example")
    url = f"sqlite:///{folder / 'erp.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            ex.build_group(session)
        with session_scope(engine) as session:
            inputs = ex.read_inputs(session)
    finally:
        engine.dispose()
    warehouse = folder / "warehouse.duckdb"
    build_warehouse(url, warehouse, folder)
    results = {t: ex.consolidate(inputs, t) for t in ex.MONTH_ENDS}
    return Example(warehouse, inputs, results)


def build_warehouse(url: str, warehouse: Path, folder: Path) -> None:
    """Extract into the test's own DuckDB file and ``dbt build`` the consolidation marts
    with everything they read and their tests (own target and log folders)."""
    from ingestion.extract_load import extract_load
    from orchestration.project import dbt_environment, dbt_executable

    extract_load(url, warehouse, full=True)
    result = subprocess.run(
        [
            dbt_executable(),
            "build",
            "--project-dir",
            str(MODELS_DIR),
            "--profiles-dir",
            str(MODELS_DIR),
            "--target-path",
            str(folder / "target"),
            "--log-path",
            str(folder / "logs"),
            "--select",
            "+path:models/marts/consolidation",
            # Only the tests of what is built (not those that also read fct_gl_lines).
            "--indirect-selection",
            "cautious",
            "--vars",
            f'{{"as_of_date": "{ex.AS_OF.isoformat()}"}}',
        ],
        cwd=MODELS_DIR,
        env={**os.environ, **dbt_environment(warehouse)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:]


def nonzero(amounts: dict[Any, Decimal]) -> dict[Any, Decimal]:
    return {k: v for k, v in amounts.items() if v != 0}


# --- the hand-worked key figures -----------------------------------------------------------


def test_rates_as_the_spec_defines_them() -> None:
    """The daily rate is the latest on or before the day; a month's average is the mean
    over all its calendar days, to 8 decimals."""
    assert ex.day_rate("USD", date(2025, 3, 31)) == D("0.92")
    assert ex.day_rate("USD", date(2025, 6, 10)) == D("0.92")
    assert ex.day_rate("USD", date(2025, 6, 11)) == D("0.88")
    # June 2025: 10 days at 0.92, 20 at 0.88 -> 26.8 / 30
    assert ex.month_average("USD", 2025, 6) == D("0.89333333")
    # September 2026: 10 days at 1.13, 20 at 1.17 -> 34.7 / 30
    assert ex.month_average("GBP", 2026, 9) == D("1.15666667")
    assert ex.month_average("USD", 2025, 9) == D("0.88")


def test_key_figures_worked_by_hand(example: Example) -> None:
    """The example module's computation gives the figures worked out here by hand."""
    r1, r2 = example.results[Y1], example.results[Y2]
    # S1 at acquisition (31 March 2025, USD 0.92): capital 100,000 + revenue 20,000 - rent
    # 8,000 = USD 112,000 -> EUR 92,000 + 18,400 - 7,360 = 103,040.00.
    assert r1.facts["S1.net_assets_at_acquisition"] == D("103040.00")
    # Goodwill: cost 90,000 - 80 % x 103,040 (82,432.00) = 7,568.00
    assert r1.facts["S1.goodwill_at_acquisition"] == D("7568.00")
    # NCI at acquisition: 20 % x 103,040 = 20,608.00 (a credit)
    assert r1.facts["S1.nci_at_acquisition"] == D("-20608.00")
    # Goodwill at closing (IAS 21.47): 7,568 x 0.86 / 0.92 = 7,074.434... -> 7,074.43;
    # at 0.93: 7,568 x 0.93 / 0.92 = 7,650.26086... -> 7,650.26
    assert r1.facts["S1.goodwill"] == D("7074.43")
    assert r2.facts["S1.goodwill"] == D("7650.26")
    # S2 at acquisition (30 June 2025, GBP 1.18): 50,000 + 6,000 - 1,000 = GBP 55,000 ->
    # EUR 59,000 + 7,080 - 1,180 = 64,900.00; cost 60,000: a bargain purchase of 4,900.00
    assert r1.facts["S2.net_assets_at_acquisition"] == D("64900.00")
    assert r1.facts["S2.goodwill_at_acquisition"] == D("-4900.00")
    assert r1.facts["S2.nci_at_acquisition"] == D("0.00")
    # S1's result since acquisition, 2025: sales 40,000 in June at 0.89333333 = 35,733.33;
    # fee 5,000 in September at 0.88 = 4,400.00; wages 15,000 in November at 0.86 =
    # 12,900.00: a profit of 35,733.33 - 4,400 - 12,900 = 18,433.33; NCI 20 % = 3,686.67
    # (3,686.666 rounded), a credit on nci.
    assert r1.facts["S1.nci_share_of_result"] == D("-3686.67")
    # 2026 adds sales 45,000 in April at 0.89 = 40,050.00 and rent 12,000 in August at
    # 0.91 = 10,920.00: 18,433.33 + 29,130.00 = 47,563.33 since acquisition -> 9,512.67.
    assert r2.facts["S1.nci_share_of_result"] == D("-9512.67")
    # The dividend: USD 10,000 on 15 May 2026 at 0.89 = 8,900.00 on S1's dividends
    # account; 20 % of it (1,780.00) is the NCI's: a debit on nci.
    assert r2.facts["S1.nci_share_of_equity"] == D("1780.00")


def test_translation_adjustments_worked_by_hand(example: Example) -> None:
    """Each division's CTA is what makes its translated trial balance balance."""
    r1, r2 = example.results[Y1], example.results[Y2]
    assert r1.cta["P"] == r2.cta["P"] == 0  # the level's own currency: rate 1
    # S1 at 31 December 2025 (closing 0.86). USD bank 100,000 + 20,000 - 8,000 + 40,000
    # + 50,000 - 5,000 - 15,000 = 182,000 -> 156,520.00; loan from P -50,000 -> -43,000.00;
    # capital -92,000.00 and the result before acquisition -18,400 + 7,360 at 0.92; sales
    # since then -35,733.33, fee 4,400.00, wages 12,900.00. Sum: 156,520 - 43,000 - 92,000
    # - 18,400 + 7,360 - 35,733.33 + 4,400 + 12,900 = -7,953.33, so CTA +7,953.33 (a loss:
    # the dollar fell from 0.92 to 0.86 while S1 held net assets).
    assert r1.cta["S1"] == D("7953.33")
    # 31 December 2026 (closing 0.93): bank 182,000 + 45,000 - 10,000 - 12,000 = 205,000
    # -> 190,650.00; loan -46,500.00; capital -92,000; before acquisition -11,040; since:
    # -35,733.33 + 4,400 + 12,900 - 40,050 + 10,920 = -47,563.33; dividends 8,900.00.
    # Sum 190,650 - 46,500 - 92,000 - 11,040 - 47,563.33 + 8,900 = 2,446.67 -> CTA
    # -2,446.67 (a gain: the dollar is up again at 0.93).
    assert r2.cta["S1"] == D("-2446.67")
    # S2 at 31 December 2025 (closing 1.16): bank 50,000 + 6,000 - 1,000 + 9,000 - 4,000 =
    # 60,000 -> 69,600.00; capital and result before acquisition at 1.18: -64,900.00;
    # sales 9,000 in August at 1.18 = -10,620.00; wages 4,000 in December at 1.16 =
    # 4,640.00. Sum 69,600 - 64,900 - 10,620 + 4,640 = -1,280.00 -> CTA 1,280.00.
    assert r1.cta["S2"] == D("1280.00")
    # 2026 (closing 1.17): bank 60,000 + 11,000 - 3,000 = 68,000 -> 79,560.00; sales
    # 11,000 in September at 1.15666667 = -12,723.33; other costs 3,000 in October at 1.17
    # = 3,510.00. Sum 79,560 - 64,900 - 10,620 + 4,640 - 12,723.33 + 3,510 = -533.33.
    assert r2.cta["S2"] == D("533.33")


# --- the marts against the rules ----------------------------------------------------------


def trial_balance(example: Example, t: date) -> dict[str, dict[str, Decimal]]:
    """Expected consolidated trial balance at ``t``: column code -> group account code ->
    balance (BS cumulative, P&L year to date, earlier years' P&L in retained earnings)."""
    now = example.results[t]
    before = example.results.get(date(t.year - 1, 12, 31))
    retained = example.inputs.role("retained_earnings")

    def column(now_amounts: dict[int, Decimal], before_amounts: dict[int, Decimal]) -> dict:
        out: dict[str, Decimal] = defaultdict(Decimal)
        for g_id, amount in now_amounts.items():
            out[example.code(g_id)] += amount
        for g_id, amount in before_amounts.items():
            if example.inputs.accounts[g_id].account_type == "profit_loss":
                out[example.code(g_id)] -= amount
                out[example.code(retained)] += amount
        return nonzero(out)

    columns = {
        div: column(amounts, before.columns.get(div, {}) if before else {})
        for div, amounts in now.columns.items()
    }
    columns["ELIM"] = column(
        now.elimination_column(), before.elimination_column() if before else {}
    )
    columns["GROUP"] = column(now.group_column(), before.group_column() if before else {})
    return columns


@pytest.mark.parametrize("t", ex.MONTH_ENDS, ids=str)
def test_consolidated_trial_balance(example: Example, t: date) -> None:
    rows = example.query(
        "select tb.column_code, ga.code, tb.balance"
        " from mart_consolidated_trial_balance tb"
        " join dim_group_accounts ga using (group_account_id)"
        " where tb.group_division_id = ? and tb.period_end = ?",
        example.level,
        t,
    )
    actual: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for column, code, balance in rows:
        if balance != 0:
            actual[column][code] = balance
    expected = trial_balance(example, t)
    # An empty column (no eliminations before the first acquisition) has no rows.
    assert {c: v for c, v in actual.items() if c != "ADJ"} == {
        c: v for c, v in expected.items() if v
    }
    assert not actual.get("ADJ")  # no top-side entries


@pytest.mark.parametrize("t", ex.MONTH_ENDS, ids=str)
def test_eliminations(example: Example, t: date) -> None:
    """Every elimination by type, column and group account (cumulative)."""
    codes = {v: k for k, v in example.inputs.division_ids.items()}
    rows = example.query(
        "select e.elimination_type, e.division_id, ga.code, sum(e.amount_group)"
        " from fct_consolidation_eliminations e"
        " join dim_group_accounts ga using (group_account_id)"
        " where e.group_division_id = ? and e.period_end = ?"
        " group by all",
        example.level,
        t,
    )
    actual = nonzero({(kind, codes[div], code): amount for kind, div, code, amount in rows})
    expected = nonzero(
        {
            (kind, div, example.code(g_id)): amount
            for (kind, div, g_id), amount in example.results[t].eliminations.items()
        }
    )
    assert actual == expected


def test_eliminations_worked_by_hand(example: Example) -> None:
    """A few eliminations as literals, in the marts."""
    r1, r2 = example.results[Y1].eliminations, example.results[Y2].eliminations
    role = example.inputs.role
    # The fee: P's revenue 4,400.00 and S1's cost USD 5,000 at 0.88 cancel in full.
    assert r1[("intercompany_transaction", "P", _id(example, "G800"))] == D("4400.00")
    assert r1[("intercompany_transaction", "S1", _id(example, "G730"))] == D("-4400.00")
    # The loan: USD 50,000 at 0.86 on both sides (P revalued its claim).
    assert r1[("intercompany_balance", "P", _id(example, "G220"))] == D("-43000.00")
    assert r1[("intercompany_balance", "S1", _id(example, "G400"))] == D("43000.00")
    assert r2[("intercompany_balance", "P", _id(example, "G220"))] == D("-46500.00")
    # The dividend: P's income 7,120.00 back out, S1's dividends to P credited.
    assert r2[("dividend", "P", role("dividend_income"))] == D("7120.00")
    assert r2[("dividend", "S1", role("dividends"))] == D("-7120.00")
    assert r1[("investment", "S1", role("investments"))] == D("-90000.00")
    assert r1[("investment", "S2", role("investments"))] == D("-60000.00")
    assert r1[("bargain_purchase_gain", "S2", role("bargain_purchase_gain"))] == D("-4900.00")
    # Goodwill translation 2025: -(7,074.43 - 7,568.00) = +493.57 on the cta account.
    assert r1[("goodwill_translation", "S1", role("cta"))] == D("493.57")
    for kind, div, code, amount in (
        ("investment", "S1", example.role_code("investments"), D("-90000.00")),
        ("goodwill", "S1", example.role_code("goodwill"), D("7074.43")),
        ("bargain_purchase_gain", "S2", example.role_code("bargain_purchase_gain"),
         D("-4900.00")),
        ("nci_at_acquisition", "S1", example.role_code("nci"), D("-20608.00")),
    ):  # fmt: skip
        assert example.query(
            "select sum(e.amount_group) from fct_consolidation_eliminations e"
            " join dim_group_accounts ga using (group_account_id)"
            " where e.group_division_id = ? and e.period_end = ? and e.elimination_type = ?"
            " and e.division_id = ? and ga.code = ?",
            example.level,
            Y1,
            kind,
            example.division_id(div),
            code,
        ) == [(amount,)], (kind, div)


def _id(example: Example, code: str) -> int:
    return next(a.id for a in example.inputs.accounts.values() if a.code == code)


@pytest.mark.parametrize("t", ex.MONTH_ENDS, ids=str)
def test_consolidated_balance_sheet(example: Example, t: date) -> None:
    """Every column: assets positive, equity and liabilities positive; RE holds earlier
    years' results, CYR the year's result attributable to the owners."""
    accounts = {a.code: a for a in example.inputs.accounts.values()}
    expected: dict[tuple[str, str, str], Decimal] = {}
    for column, balances in trial_balance(example, t).items():
        cyr = D(0)
        for code, balance in balances.items():
            account = accounts[code]
            if account.account_type == "profit_loss":
                cyr -= balance
            elif account.role == "retained_earnings":
                expected[(column, "equity_and_liabilities", "RE")] = -balance
            elif account.account_class == "asset":
                expected[(column, "assets", code)] = balance
            else:
                expected[(column, "equity_and_liabilities", code)] = -balance
        expected[(column, "equity_and_liabilities", "CYR")] = cyr
        assets = sum(a for (c, side, _), a in expected.items() if c == column and side == "assets")
        assert assets == sum(
            a for (c, side, _), a in expected.items() if c == column and side != "assets"
        )
    rows = example.query(
        "select column_code, side, line_code, amount from mart_consolidated_balance_sheet"
        " where group_division_id = ? and period_end = ?",
        example.level,
        t,
    )
    assert nonzero({(c, side, line): amount for c, side, line, amount in rows}) == nonzero(expected)


@pytest.mark.parametrize("t", ex.MONTH_ENDS, ids=str)
def test_consolidated_income_statement(example: Example, t: date) -> None:
    """Every column, the month and the year to date, income positive; PROFIT,
    PROFIT_NCI (the nci_result account, no line of its own) and PROFIT_OWNERS."""
    accounts = {a.code: a for a in example.inputs.accounts.values()}

    def statement(at: date) -> dict[tuple[str, str], Decimal]:
        lines: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
        for column, balances in trial_balance(example, at).items():
            profit = nci = D(0)
            for code, balance in balances.items():
                account = accounts[code]
                if account.account_type != "profit_loss":
                    continue
                if account.role == "nci_result":
                    nci += balance
                else:
                    lines[(column, code)] = -balance
                    profit -= balance
            lines[(column, "PROFIT")] = profit
            lines[(column, "PROFIT_NCI")] = nci
            lines[(column, "PROFIT_OWNERS")] = profit - nci
        return lines

    ytd = statement(t)
    previous = date(t.year, t.month, 1) - timedelta(days=1)
    before = statement(previous) if t.month > 1 else {}
    month = {k: ytd.get(k, D(0)) - before.get(k, D(0)) for k in {*ytd, *before}}
    rows = example.query(
        "select column_code, line_code, month_amount, ytd_amount"
        " from mart_consolidated_income_statement"
        " where group_division_id = ? and period_end = ?",
        example.level,
        t,
    )
    assert nonzero({(c, line): y for c, line, _, y in rows}) == nonzero(ytd)
    assert nonzero({(c, line): m for c, line, m, _ in rows}) == nonzero(month)


def test_income_statement_worked_by_hand(example: Example) -> None:
    """The group's results as literals (EUR, year to date, income positive)."""
    rows = dict(
        ((t, line), amount)
        for t, line, amount in example.query(
            "select period_end, line_code, ytd_amount from mart_consolidated_income_statement"
            " where group_division_id = ? and column_code = 'GROUP'"
            " and line_code in ('PROFIT', 'PROFIT_NCI', 'PROFIT_OWNERS')",
            example.level,
        )
    )
    # 2025. P: consulting 30,000 - wages 12,000 - loan revaluation 1,000 (+ fee 4,400,
    # eliminated) = 17,000. S1 since acquisition: 18,433.33 (fee eliminated: +4,400) =
    # 22,833.33. S2 since acquisition: sales 10,620 - wages 4,640 = 5,980.00. Bargain
    # gain 4,900. Group: 17,000 + 22,833.33 + 5,980 + 4,900 = 50,713.33; NCI 3,686.67.
    assert rows[(Y1, "PROFIT")] == D("50713.33")
    assert rows[(Y1, "PROFIT_NCI")] == D("3686.67")
    assert rows[(Y1, "PROFIT_OWNERS")] == D("47026.66")
    # 2026. P: 35,000 - 14,000 + 3,500 (+ dividend 7,120, eliminated) = 24,500. S1: 40,050
    # - 10,920 = 29,130.00. S2: 12,723.33 - 3,510 = 9,213.33. Group 62,843.33; NCI
    # 9,512.67 - 3,686.67 = 5,826.00.
    assert rows[(Y2, "PROFIT")] == D("62843.33")
    assert rows[(Y2, "PROFIT_NCI")] == D("5826.00")
    assert rows[(Y2, "PROFIT_OWNERS")] == D("57017.33")


@pytest.mark.parametrize("t", ex.MONTH_ENDS, ids=str)
def test_cta_movement(example: Example, t: date) -> None:
    """Per division: its CTA plus the translation of its goodwill (closing), the NCI's
    share of its own CTA, what stays with the group; opening = last December's."""

    def closing(at: date | None, div: str) -> Decimal:
        if at is None or at not in example.results or div not in example.results[at].cta:
            return D(0)
        r = example.results[at]
        return r.cta[div] + r.eliminations.get(("goodwill_translation", div,
                                                example.inputs.role("cta")), D(0))  # fmt: skip

    r = example.results[t]
    before = date(t.year - 1, 12, 31)
    expected = {}
    for div in r.cta:
        nci_share = r.facts.get(f"{div}.nci_share_of_cta", D(0))
        close = closing(t, div)
        expected[div] = (
            closing(before, div),
            close - closing(before, div),
            close,
            r.eliminations.get(("goodwill_translation", div, example.inputs.role("cta")), D(0)),
            nci_share,
            close - nci_share,
        )
    codes = {v: k for k, v in example.inputs.division_ids.items()}
    rows = example.query(
        "select division_id, opening, movement, closing, goodwill_translation, nci_share,"
        " group_share from mart_cta_movement where group_division_id = ? and period_end = ?",
        example.level,
        t,
    )
    assert {codes[row[0]]: tuple(row[1:]) for row in rows} == expected
    # The group's translation reserve is the sum of the group shares.
    group_cta = trial_balance(example, t)["GROUP"].get(example.role_code("cta"), D(0))
    assert sum(v[5] for v in expected.values()) == group_cta


def test_cta_worked_by_hand(example: Example) -> None:
    rows = {
        (t, div): (closing, goodwill, nci, group)
        for t, div, closing, goodwill, nci, group in example.query(
            "select period_end, division_id, closing, goodwill_translation, nci_share,"
            " group_share from mart_cta_movement where group_division_id = ?"
            " and period_end in (?, ?)",
            example.level,
            Y1,
            Y2,
        )
    }
    s1, s2 = example.division_id("S1"), example.division_id("S2")
    # 2025, S1: CTA 7,953.33 + goodwill translation 493.57 = 8,446.90; the NCI's 20 % of
    # 7,953.33 is 1,590.67 (1,590.666); the group keeps 6,856.23.
    assert rows[(Y1, s1)] == (D("8446.90"), D("493.57"), D("1590.67"), D("6856.23"))
    # 2026, S1: CTA -2,446.67, goodwill translation -(7,650.26 - 7,568) = -82.26;
    # closing -2,528.93; NCI 20 % of -2,446.67 = -489.33; group -2,039.60.
    assert rows[(Y2, s1)] == (D("-2528.93"), D("-82.26"), D("-489.33"), D("-2039.60"))
    assert rows[(Y1, s2)] == (D("1280.00"), D("0.00"), D("0.00"), D("1280.00"))
    assert rows[(Y2, s2)] == (D("533.33"), D("0.00"), D("0.00"), D("533.33"))


@pytest.mark.parametrize("t", ex.MONTH_ENDS, ids=str)
def test_nci_movement(example: Example, t: date) -> None:
    r = example.results[t]
    before = example.results.get(date(t.year - 1, 12, 31))

    def fact(result: ex.Consolidation | None, name: str) -> Decimal:
        return result.facts.get(name, D(0)) if result is not None else D(0)

    expected = {}
    for div in [d for d in ("S1", "S2") if d in r.cta]:  # in the level at t
        parts = [
            fact(r, f"{div}.{name}") - fact(before, f"{div}.{name}")
            for name in ("nci_at_acquisition", "nci_share_of_result", "nci_share_of_cta",
                         "nci_share_of_equity")
        ]  # fmt: skip
        expected[div] = (fact(before, f"{div}.nci"), *parts, fact(r, f"{div}.nci"))
    codes = {v: k for k, v in example.inputs.division_ids.items()}
    rows = example.query(
        "select division_id, opening, at_acquisition, share_of_result, share_of_cta,"
        " share_of_equity_movements, closing from mart_nci_movement"
        " where group_division_id = ? and period_end = ?",
        example.level,
        t,
    )
    assert {codes[row[0]]: tuple(row[1:]) for row in rows} == expected


def test_nci_worked_by_hand(example: Example) -> None:
    """S1's minority: 20 % of its net assets, every year."""
    rows = {
        t: rest
        for t, *rest in example.query(
            "select period_end, opening, at_acquisition, share_of_result, share_of_cta,"
            " share_of_equity_movements, closing from mart_nci_movement"
            " where group_division_id = ? and division_id = ? and period_end in (?, ?)",
            example.level,
            example.division_id("S1"),
            Y1,
            Y2,
        )
    }
    # 2025: -20,608.00 at acquisition, -3,686.67 of the result, +1,590.67 of the CTA (a
    # loss) = -22,704.00. Check: S1's translated net assets at 31 December 2025 are bank
    # 156,520 - loan 43,000 = 113,520.00; 20 % = 22,704.00.
    assert rows[Y1] == [D(0), D("-20608.00"), D("-3686.67"), D("1590.67"), D(0),
                        D("-22704.00")]  # fmt: skip
    # 2026: result -5,826.00, CTA -2,080.00 (from +1,590.67 to -489.33), dividends
    # +1,780.00 -> -28,830.00; S1's net assets 190,650 - 46,500 = 144,150.00, 20 % =
    # 28,830.00.
    assert rows[Y2] == [D("-22704.00"), D(0), D("-5826.00"), D("-2080.00"), D("1780.00"),
                        D("-28830.00")]  # fmt: skip


def test_intercompany_reconciliation(example: Example) -> None:
    """P and S1 agree: the loan (USD 50,000 at the closing rate on both sides, P having
    revalued its claim) and the fee of 2025 (USD 5,000 at 0.88); the dividend has its own
    elimination and is not an intercompany transaction."""
    p, s1 = example.division_id("P"), example.division_id("S1")
    rows = example.query(
        "select period_end, division_id, counterparty_division_id, kind, amount_division,"
        " amount_counterparty, difference, is_matched from mart_intercompany_reconciliation"
        " where group_division_id = ? and period_end in (?, ?)"
        " and (amount_division <> 0 or amount_counterparty <> 0 or difference <> 0)",
        example.level,
        Y1,
        Y2,
    )
    assert sorted(rows) == sorted(
        [
            (Y1, p, s1, "balance", D("43000.00"), D("-43000.00"), D("0.00"), True),
            (Y1, p, s1, "transaction", D("-4400.00"), D("4400.00"), D("0.00"), True),
            (Y2, p, s1, "balance", D("46500.00"), D("-46500.00"), D("0.00"), True),
        ]
    )
