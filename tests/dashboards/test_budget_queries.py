"""Budget against actual, the cash forecast and the alerts queries on the contract
warehouse, against numbers worked out by hand from contract_warehouse.py.

HOLD's books (EUR) per month m of 2025: revenue goods 1,100 + 10 m, revenue services 250.50
in March, June, September and December, cost of sales 40 % of the goods revenue, rent 300.
UK's (GBP): revenue goods 550 + 5 m, the same services, 40 % cost, rent 300. Budgets per
month, P&L sign: HOLD 'Budget 2025' (approved) revenue 1,100, cost of sales -450, rent
-250; 'Budget 2025 high' (draft) revenue 1,200; UK 'Budget 2025' revenue 600, cost of sales
-200, rent -300.
"""

from __future__ import annotations

import pandas as pd
import pytest

from dashboards.queries import budgets, finance, ledger
from dashboards.selection import Selection
from dashboards.warehouse import PublishedWarehouse

BOTH = Selection((1, 2), 2025, 3, "EUR", True)
HOLD = Selection((1,), 2025, 3, "EUR", False)
UK = Selection((2,), 2025, 3, "GBP", False)


def _rows(df: pd.DataFrame, key: str, columns: list[str]) -> dict[str, tuple[float | None, ...]]:
    return {
        str(r[key]): tuple(None if pd.isna(r[c]) else round(float(r[c]), 4) for c in columns)
        for _, r in df.iterrows()
    }


def test_version_choices_put_the_approved_budget_first(contract_wh: PublishedWarehouse) -> None:
    found = budgets.versions(contract_wh, BOTH)
    assert sorted(found["version_id"]) == [101, 102, 201]
    choices = budgets.version_choices(found)
    assert list(choices) == [budgets.APPROVED, "Budget 2025", "Budget 2025 high"]
    assert choices[budgets.APPROVED] == (
        "Approved normal budget (HOLD: Budget 2025, UK: Budget 2025)"
    )
    assert choices["Budget 2025 high"] == "Budget 2025 high · positive · draft · HOLD"
    # The approved budget of each division; a name stands for that name in every division.
    assert budgets.chosen_versions(found, budgets.APPROVED) == (101, 201)
    assert budgets.chosen_versions(found, "Budget 2025") == (101, 201)
    assert budgets.chosen_versions(found, "Budget 2025 high") == (102,)
    # Another year has no budget.
    other = Selection((1, 2), 2024, 3, "EUR", True)
    assert budgets.versions(contract_wh, other).empty


def test_divisions_are_grouped_by_their_own_currency(contract_wh: PublishedWarehouse) -> None:
    divisions = finance.divisions(contract_wh)
    assert budgets.divisions_by_currency(divisions, BOTH) == {"EUR": (1,), "GBP": (2,)}
    # The shown currency comes first.
    gbp_first = Selection((1, 2), 2025, 3, "GBP", True)
    assert list(budgets.divisions_by_currency(divisions, gbp_first)) == ["GBP", "EUR"]
    assert budgets.in_currency(BOTH, "GBP", (2,)) == UK


def test_budget_by_account_year_to_date(contract_wh: PublishedWarehouse) -> None:
    df = budgets.by_account(contract_wh, HOLD, (101,))
    assert list(df["account_code"]) == ["8000", "8100", "7000", "4300"]  # report order
    got = _rows(
        df,
        "account_code",
        ["budget", "actual", "variance", "variance_pct", "budget_full_year"],
    )
    assert got == {
        # 3 x 1,100 against 1,110 + 1,120 + 1,130 = 3,360: +60, 60 / 3,300 = 1.82 %.
        "8000": (3300.0, 3360.0, 60.0, 1.82, 13200.0),
        # No budget: the whole actual (March) is variance, no percentage.
        "8100": (0.0, 250.5, 250.5, None, 0.0),
        # -1,350 against -(444 + 448 + 452) = -1,344: 6 less cost, 6 / 1,350 = 0.44 %.
        "7000": (-1350.0, -1344.0, 6.0, 0.44, -5400.0),
        # -750 against -900: 150 more cost than budgeted, -20 %.
        "4300": (-750.0, -900.0, -150.0, -20.0, -3000.0),
    }
    # The table adds up to the mart itself.
    assert df["budget"].sum() == pytest.approx(1200.0)
    assert df["actual"].sum() == pytest.approx(1366.5)


def test_budget_by_section_and_by_month(contract_wh: PublishedWarehouse) -> None:
    sections = budgets.by_section(contract_wh, HOLD, (101,))
    assert _rows(sections, "pl_section", ["budget", "actual", "variance", "variance_pct"]) == {
        # 3,360 + 250.50 = 3,610.50; 310.50 / 3,300 = 9.41 %.
        "Revenue": (3300.0, 3610.5, 310.5, 9.41),
        "Cost of sales": (-1350.0, -1344.0, 6.0, 0.44),
        "Operating expenses": (-750.0, -900.0, -150.0, -20.0),
    }
    months = budgets.by_month(contract_wh, HOLD, (101,))
    assert list(months["period_number"]) == list(range(1, 13))  # the whole year
    first = months.iloc[0]
    # January: revenue 1,100 budget, 1,110 actual; result 1,100 - 450 - 250 = 400 against
    # 1,110 - 444 - 300 = 366.
    assert (first.revenue_budget, first.revenue_actual) == (1100.0, 1110.0)
    assert (first.result_budget, first.result_actual) == (400.0, 366.0)
    assert months["result_budget"].sum() == pytest.approx(4800.0)


def test_draft_version_compares_the_same_actuals(contract_wh: PublishedWarehouse) -> None:
    df = budgets.by_account(contract_wh, HOLD, (102,))
    row = df[df["account_code"] == "8000"].iloc[0]
    # 'Budget 2025 high' budgets 1,200 a month: 3,600 against 3,360, -240, -6.67 %.
    assert (row.budget, row.actual, row.variance, row.variance_pct) == (
        3600.0,
        3360.0,
        -240.0,
        -6.67,
    )


def test_budget_by_division_in_own_currency(contract_wh: PublishedWarehouse) -> None:
    df = budgets.by_division(contract_wh, BOTH, (101, 201))
    got = _rows(df, "division_code", ["budget", "actual", "variance", "variance_pct"])
    assert got == {
        # HOLD: 3,300 - 1,350 - 750 = 1,200 against 3,610.50 - 1,344 - 900 = 1,366.50.
        "HOLD": (1200.0, 1366.5, 166.5, 13.88),
        # UK: 1,800 - 600 - 900 = 300 against (555 + 560 + 565) + 250.50 - (222 + 224 + 226)
        # - 900 = 358.50: +58.50, 19.50 %.
        "UK": (300.0, 358.5, 58.5, 19.5),
    }
    assert dict(zip(df["division_code"], df["currency_code"], strict=True)) == {
        "HOLD": "EUR",
        "UK": "GBP",
    }


def test_account_months_and_ledger_lines_behind_the_actual(
    contract_wh: PublishedWarehouse,
) -> None:
    accounts = budgets.by_account(contract_wh, HOLD, (101,))
    row = next(r for r in accounts.itertuples() if r.account_code == "8000")
    months = budgets.account_months(contract_wh, HOLD, (101,), int(row.account_id))  # type: ignore[arg-type]
    assert list(months["variance"][:3]) == [10.0, 20.0, 30.0]
    assert list(months["variance_to_date"][:3]) == [10.0, 30.0, 60.0]
    # After the selected period the budget stands alone: no actual, no variance.
    assert months["actual"][3:].isna().all() and months["variance_to_date"][3:].isna().all()
    assert months["budget"].sum() == pytest.approx(13200.0)

    lines = ledger.ledger_lines(contract_wh, HOLD, ledger.account_figure(row))
    assert len(lines) == 3  # one sale a month
    assert lines["amount"].sum() == pytest.approx(row.actual) == pytest.approx(3360.0)


def test_cash_forecast_opens_with_the_cash_position(contract_wh: PublishedWarehouse) -> None:
    weeks = budgets.cash_forecast(contract_wh, HOLD)
    assert list(weeks["week_number"]) == list(range(1, 14))
    assert pd.Timestamp(weeks["week_start"].iloc[0]) == pd.Timestamp("2025-12-29")
    first = weeks.iloc[0]
    # Capital 5,000 plus 60 % of every sale of 2024 (12,780) and 2025 (13,980) received.
    assert first.opening_cash == pytest.approx(21056.0)
    # Week 1: the overdue receivable 500 and payable 300; rent 300 x 12 / 52.
    assert (first.receipts_open_items, first.payments_open_items) == (500.0, -300.0)
    assert first.recurring_costs == pytest.approx(-69.2308)
    assert weeks.iloc[1].receipts_open_items == 1210.0  # due 9 January: week 2
    # Each week opens with the last one's closing cash.
    assert list(weeks["opening_cash"][1:]) == pytest.approx(list(weeks["closing_cash"][:-1]))
    assert weeks["closing_cash"].iloc[-1] == pytest.approx(
        21056.0 + 500 - 300 + 1210 - 13 * 69.2308
    )

    assert budgets.as_of_date(contract_wh) == pd.Timestamp("2025-12-31")
    check = budgets.forecast_opening(contract_wh, BOTH, pd.Timestamp("2025-12-31"))
    got = _rows(
        check,
        "division_code",
        ["opening_cash", "ledger_cash", "cash_tab_period", "period_end_cash", "difference"],
    )
    # The Cash tab's balance at the end of 2025-12 (mart_cash_position), per currency.
    assert got == {
        "HOLD": (21056.0, 21056.0, 12.0, 21056.0, 0.0),
        "UK": (13028.0, 13028.0, 12.0, 13028.0, 0.0),
    }


def test_cash_check_takes_out_cash_posted_after_the_as_of_date(
    contract_wh: PublishedWarehouse,
) -> None:
    # As of 20 December, HOLD's December receipt (25 December, 1,220) came later.
    check = budgets.forecast_opening(contract_wh, HOLD, pd.Timestamp("2025-12-20"))
    row = check.iloc[0]
    assert (row.ledger_cash, row.period_end_cash, row.posted_after) == (19836.0, 21056.0, 1220.0)
    # The forecast itself is as of 31 December: 21,056 - (21,056 - 1,220) = 1,220 apart.
    assert row.difference == pytest.approx(1220.0)


def test_alerts_of_the_selected_divisions(contract_wh: PublishedWarehouse) -> None:
    hold = budgets.alerts(contract_wh, HOLD)
    assert list(hold["alert_kind"]) == [
        "budget_overrun",
        "customer_over_limit",
        "invoice_past_due",
    ]
    overrun = hold.iloc[0]
    assert (overrun.version_name, overrun.account_code, overrun.amount, overrun.threshold) == (
        "Budget 2025",
        "4300",
        600.0,
        300.0,
    )
    customer = hold.iloc[1]
    assert (customer.relation_code, customer.relation_name, customer.amount) == (
        "C1",
        "Acme BV",
        500.0,
    )
    assert set(hold["currency_code"]) == {"EUR"}
    both = budgets.alerts(contract_wh, BOTH)
    assert both.groupby("alert_kind").size().to_dict() == {
        "budget_overrun": 2,
        "customer_over_limit": 1,
        "invoice_past_due": 2,
    }
