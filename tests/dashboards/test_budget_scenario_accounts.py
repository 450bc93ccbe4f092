"""A what-if scenario saved as a budget lands on the accounts the division's chart names
for each line (posting role, else reporting category), never on numbers written in the
code: a division with its own, differently numbered accounts gets them; one without an
account for a line is refused in words and nothing is saved. SQLite and PostgreSQL.

The scenario is the engine run on a hand-made baseline (every driver zero: the scenario
is the baseline), so each budget amount is known by hand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlmodel import col, select

from dashboards.writeback import budget_posting
from tests.transactional.company import user
from transactional.audit import set_actor
from transactional.budgets.models import BudgetLine, BudgetVersion
from transactional.database import engine_for, session_scope
from transactional.errors import DomainError
from transactional.finance import ledger_setup
from transactional.finance.models import Account
from transactional.organisation.models import Division
from transactional.planning import whatif as engine

D = Decimal
YEAR = 2025
# One month of every P&L line (natural sign: income positive, costs negative).
MONTH = {
    engine.REVENUE: D("1000.00"),
    engine.COST_OF_GOODS: D("-600.00"),
    engine.OTHER_COST_OF_SALES: D("-10.00"),
    engine.WAGES: D("-200.00"),
    engine.OTHER_COSTS: D("-50.00"),
    engine.DEPRECIATION: D("-20.00"),
    engine.OTHER_INCOME: D("5.00"),
    engine.FINANCIAL_RESULT: D("-3.00"),
    engine.INCOME_TAX: D("-30.00"),
}
# US01's own chart, numbered nothing like the standard one; code, name, class, category,
# posting role. Two wages accounts: the first by code is the one budgeted.
US_CHART = [
    ("R-100", "Revenue goods US", "revenue", "revenue", "revenue_goods"),
    ("K-500", "Cost of goods US", "cost_of_sales", "cost_of_sales", "cost_of_sales"),
    ("K-590", "Stock differences US", "cost_of_sales", "cost_of_sales", "stock_differences"),
    ("L-20", "Salaries US", "expense", "wages", None),
    ("L-10", "Payroll US", "expense", "wages", None),
    ("O-30", "Office US", "expense", "other_expenses", None),
]


@pytest.fixture
def ledger(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, int]]:
    """The test company with US01's own chart; division code -> id."""
    monkeypatch.setenv("ERP_DATABASE_URL", db_url)
    engine_for.cache_clear()
    with session_scope(engine_for(db_url)) as s:
        admin = user(s, "admin")
        for code, name, klass, category, role in US_CHART:
            ledger_setup.create_account(
                session=s,
                user=admin,
                code=code,
                name=name,
                account_class=klass,
                reporting_category=category,
                division="US01",
                posting_role=role,
            )
        ids = {d.code: d.id for d in s.exec(select(Division)).all()}
    yield {code: int(i) for code, i in ids.items() if i is not None}
    engine_for.cache_clear()


def _result(ids: dict[str, int]) -> engine.Result:
    months = tuple(
        engine.Month(
            n, dt.date(YEAR, n, 1), dt.date(YEAR + n // 12, n % 12 + 1, 1) - dt.timedelta(1)
        )
        for n in range(1, 13)
    )
    divisions = tuple(
        engine.DivisionBaseline(
            division_id=ids[code],
            division_code=code,
            currency=currency,
            pnl={line: (amount,) * 12 for line, amount in MONTH.items()},
        )
        for code, currency in (("HOLD", "EUR"), ("US01", "USD"))
    )
    base = engine.Baseline(YEAR, "EUR", months, {"USD": D("0.9")}, divisions)
    return engine.run(base, engine.Drivers())


def _saved(url: str, name: str) -> dict[tuple[str, str], set[tuple[int, Decimal]]]:
    """(division, account code) -> {(period, amount)} of the saved version."""
    out: dict[tuple[str, str], set[tuple[int, Decimal]]] = {}
    with session_scope(engine_for(url)) as s:
        rows = s.exec(
            select(  # type: ignore[call-overload]
                col(Division.code), col(Account.code), BudgetLine.period, BudgetLine.amount
            )
            .join(BudgetVersion, col(BudgetVersion.id) == BudgetLine.version_id)
            .join(Division, col(Division.id) == BudgetVersion.division_id)
            .join(Account, col(Account.id) == BudgetLine.account_id)
            .where(BudgetVersion.name == name)
        ).all()
    for division, account, period, amount in rows:
        out.setdefault((division, account), set()).add((period, amount))
    return out


def _monthly(amount: str) -> set[tuple[int, Decimal]]:
    return {(period, D(amount)) for period in range(1, 13)}


def test_each_line_lands_on_the_account_the_divisions_chart_names(
    db_url: str, ledger: dict[str, int]
) -> None:
    name = "What-if by role"
    budget_posting.save_what_if(
        user_id=_user_id(db_url, "accountant"),
        result=_result(ledger),
        division_ids=[ledger["HOLD"], ledger["US01"]],
        name=name,
        scenario="custom",
    )
    # Ledger sign (revenue and income negative, costs positive), every month alike.
    # HOLD has only the shared standard chart; US01 its own accounts where it has them
    # (wages on L-10, the first of its two by code), the shared ones for the rest.
    assert _saved(db_url, name) == {
        ("HOLD", "8000"): _monthly("-1000.00"),
        ("HOLD", "7000"): _monthly("600.00"),
        ("HOLD", "7100"): _monthly("10.00"),
        ("HOLD", "4000"): _monthly("200.00"),
        ("HOLD", "4400"): _monthly("50.00"),
        ("HOLD", "4800"): _monthly("20.00"),
        ("HOLD", "8900"): _monthly("-5.00"),
        ("HOLD", "9000"): _monthly("3.00"),
        ("HOLD", "9500"): _monthly("30.00"),
        ("US01", "R-100"): _monthly("-1000.00"),
        ("US01", "K-500"): _monthly("600.00"),
        ("US01", "K-590"): _monthly("10.00"),
        ("US01", "L-10"): _monthly("200.00"),
        ("US01", "O-30"): _monthly("50.00"),
        ("US01", "4800"): _monthly("20.00"),
        ("US01", "8900"): _monthly("-5.00"),
        ("US01", "9000"): _monthly("3.00"),
        ("US01", "9500"): _monthly("30.00"),
    }


def test_a_chart_without_an_account_for_a_line_is_refused_and_nothing_saved(
    db_url: str, ledger: dict[str, int]
) -> None:
    with session_scope(engine_for(db_url)) as s:
        set_actor(s, user(s, "admin").id or 0)
        tax = s.exec(select(Account).where(Account.code == "9500")).one()
        tax.is_active = False  # the only income tax account, blocked
    with pytest.raises(DomainError) as refused:
        budget_posting.save_what_if(
            user_id=_user_id(db_url, "accountant"),
            result=_result(ledger),
            division_ids=[ledger["HOLD"], ledger["US01"]],
            name="No tax account",
            scenario="custom",
        )
    assert refused.value.message == (
        "Division HOLD has no active profit-and-loss account with reporting category "
        "'income_tax' to budget income tax on; add one to its chart."
    )
    assert _saved(db_url, "No tax account") == {}


def _user_id(url: str, username: str) -> int:
    with session_scope(engine_for(url)) as s:
        found = user(s, username).id
    assert found is not None
    return found
