"""The budget, cash-forecast and alert marts on a small scenario posted through the services.

HOLD (EUR) gets capital, wages, social charges and rent, sales invoices to C1 (two paid
10 days late, one open and overdue, one open and not yet due) and to C2 (USD, overdue),
and purchase invoices from S1 (one paid early, one open); then budget versions go through
``transactional.budgets.versions`` (an approved normal one, an approved positive one, a
draft) and the alert settings through ``transactional.budgets.alerts``. The extract and
``dbt build`` (every model, data test and unit test) run into a warehouse of this test's
own, as of 30 June 2025 (a Monday and a period end). The marts are checked against
numbers computed here from the source tables: the budget lines as set and the ledger, the
cash ledger, the invoices, payments and allocations, and the rules of docs/marts.md
("Budgets, cash-flow forecast and alerts") written out in Python.
"""

from __future__ import annotations

import calendar
import os
import shutil
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlmodel import Session, col, select

from tests.transactional.company import user
from transactional.budgets import alerts, versions
from transactional.budgets.versions import BudgetLineDraft
from transactional.database import make_engine, session_scope
from transactional.finance import invoices, payments, posting
from transactional.finance.models import (
    Account,
    FiscalYear,
    Invoice,
    JournalEntry,
    JournalLine,
    Payment,
    PaymentAllocation,
    Period,
)
from transactional.organisation.models import Division
from transactional.relations.models import Relation

pytestmark = pytest.mark.pipeline

D = Decimal
AS_OF = date(2025, 6, 30)
MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
# The marts hold money in cents, decimal(18,2), rounded half away from zero (money()).
CENT = D("0.01")


@dataclass
class Scenario:
    url: str
    warehouse: Path
    approved_id: int
    positive_id: int
    draft_id: int
    budget: dict[tuple[int, str], Decimal]  # (period, account) -> amount as set, debit positive
    documents: dict[str, str]  # customer code -> document number of its overdue invoice


def query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@pytest.fixture(scope="module")
def scenario(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    folder = tmp_path_factory.mktemp("budgets")
    shutil.copy(sqlite_template, folder / "erp.db")
    url = f"sqlite:///{folder / 'erp.db'}"
    engine = make_engine(url)
    try:
        ids, budget, documents = post_scenario(engine)
    finally:
        engine.dispose()
    warehouse = folder / "warehouse.duckdb"
    build_warehouse(url, warehouse, folder)
    return Scenario(url, warehouse, *ids, budget=budget, documents=documents)


def _sale(relation: str, day: str, due: str, amount: str, account: str = "8000") -> Any:
    return invoices.InvoiceDraft(
        division="HOLD",
        invoice_type="sales",
        relation=relation,
        invoice_date=day,
        due_date=due,
        lines=[invoices.InvoiceLineDraft(account=account, quantity="1", unit_price=amount)],
    )


def _purchase(day: str, due: str, amount: str, account: str) -> Any:
    return invoices.InvoiceDraft(
        division="HOLD",
        invoice_type="purchase",
        relation="S1",
        invoice_date=day,
        due_date=due,
        lines=[invoices.InvoiceLineDraft(account=account, quantity="1", unit_price=amount)],
    )


def _bank(day: str, debit: str, credit: str, amount: str) -> posting.EntryDraft:
    return posting.EntryDraft(
        division="HOLD",
        journal="MEM",
        entry_date=day,
        lines=[
            posting.LineDraft(account=debit, debit=amount),
            posting.LineDraft(account=credit, credit=amount),
        ],
    )


def _pay(relation: str, day: str, invoice: Invoice, direction: str = "received") -> Any:
    return payments.PaymentDraft(
        division="HOLD",
        journal="BNK",
        relation=relation,
        payment_date=day,
        amount=str(invoice.amount_incl_vat),
        direction=direction,
        allocations=[
            payments.AllocationDraft(invoice.document_number or "", str(invoice.amount_incl_vat))
        ],
    )


def post_scenario(
    engine: Any,
) -> tuple[tuple[int, int, int], dict[tuple[int, str], Decimal], dict[str, str]]:
    with session_scope(engine) as s:
        acc = user(s, "accountant")
        posting.post_entries(
            session=s,
            user=acc,
            entries=[
                _bank("2025-01-02", "1100", "0500", "50000.00"),
                # Wages, social charges and rent: April, May, June are the 3 full months
                # before the as-of date; March does not count.
                _bank("2025-03-31", "4000", "1100", "5000.00"),
                _bank("2025-04-30", "4000", "1100", "1000.00"),
                _bank("2025-05-31", "4000", "1100", "1000.00"),
                _bank("2025-06-30", "4000", "1100", "1100.00"),
                _bank("2025-06-30", "4100", "1100", "200.00"),
                _bank("2025-05-01", "4300", "1100", "800.00"),
                # After the as-of date: not in the opening cash (but in July's actuals).
                _bank("2025-07-01", "4400", "1100", "99.00"),
            ],
        )
        a, b, c, d = invoices.post_invoices(
            session=s,
            user=acc,
            invoices=[
                _sale("C1", "2025-03-01", "2025-03-31", "1000.00"),
                _sale("C1", "2025-04-01", "2025-05-01", "2000.00"),
                # Due 10 July (week 2); C1 pays 10 days late -> 20 July (week 3).
                _sale("C1", "2025-06-10", "2025-07-10", "1500.00"),
                # Overdue since 15 May: week 1.
                _sale("C1", "2025-04-15", "2025-05-15", "700.00", account="8100"),
            ],
        )
        # C2 pays in USD; overdue, no payment history: week 1.
        usd = invoices.post_invoice(
            session=s, user=acc, invoice=_sale("C2", "2025-05-20", "2025-06-19", "1000.00")
        )
        rent, _ = invoices.post_invoices(
            session=s,
            user=acc,
            invoices=[
                _purchase("2025-02-01", "2025-03-03", "500.00", "4300"),
                # Due 20 July; S1 was paid 6 days early once -> 14 July (week 3).
                _purchase("2025-06-20", "2025-07-20", "600.00", "4400"),
            ],
        )
        payments.post_payments(
            session=s,
            user=acc,
            payments=[
                _pay("C1", "2025-04-10", a),
                _pay("C1", "2025-05-11", b),
                _pay("S1", "2025-02-25", rent, direction="paid"),
            ],
        )
        del c
        documents = {"C1": d.document_number or "", "C2": usd.document_number or ""}

    budget: dict[tuple[int, str], Decimal] = {}
    lines: list[BudgetLineDraft] = []
    for period in range(1, 13):
        for account, amount in (
            ("8000", "-1500"),
            ("4400", "50"),
            ("4000", "1000"),
            ("4300", "800"),
        ):
            lines.append(BudgetLineDraft(account=account, period=period, amount=amount))
            budget[(period, account)] = D(amount)
    with session_scope(engine) as s:
        acc = user(s, "accountant")
        approved = versions.create_version(
            session=s, user=acc, division="HOLD", fiscal_year=2025, name="Budget 2025"
        )
        versions.set_lines(session=s, user=acc, version=approved, lines=lines)
        versions.submit(session=s, user=acc, version=approved)
        positive = versions.create_version(
            session=s,
            user=acc,
            division="HOLD",
            fiscal_year=2025,
            name="Upside",
            scenario="positive",
        )
        versions.set_lines(
            session=s,
            user=acc,
            version=positive,
            lines=[
                BudgetLineDraft(account="8000", period=p, amount="-99999") for p in range(1, 13)
            ],
        )
        versions.submit(session=s, user=acc, version=positive)
        draft = versions.create_version(
            session=s, user=acc, division="HOLD", fiscal_year=2025, name="Draft"
        )
        versions.set_lines(
            session=s,
            user=acc,
            version=draft,
            lines=[BudgetLineDraft(account="4400", period=1, amount="1")],
        )
        alerts.set_overdue_limit(session=s, user=acc, division="HOLD", customer=None, limit="500")
        alerts.set_overdue_limit(session=s, user=acc, division="HOLD", customer="C2", limit="5000")
        alerts.set_budget_overrun_pct(session=s, user=acc, division="HOLD", pct="10")
        ids = (approved.id or 0, positive.id or 0, draft.id or 0)
    with session_scope(engine) as s:
        manager = user(s, "manager")
        versions.approve(session=s, user=manager, version=ids[0])
        versions.approve(session=s, user=manager, version=ids[1])
    return ids, budget, documents


def build_warehouse(url: str, warehouse: Path, folder: Path) -> None:
    """Extract into the test's own DuckDB file and ``dbt build`` everything into it
    (own target and log folders: the session's parse state stays untouched)."""
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
            "--vars",
            f'{{"as_of_date": "{AS_OF.isoformat()}"}}',
        ],
        cwd=MODELS_DIR,
        env={**os.environ, **dbt_environment(warehouse)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:]


def hold_id(s: Session) -> int:
    return s.exec(select(Division.id).where(Division.code == "HOLD")).one() or 0


def ledger_by_period_account(s: Session, year: int) -> dict[tuple[int, str], Decimal]:
    """Debit-positive P&L movements of HOLD per (period, account) in a fiscal year."""
    rows = s.exec(
        select(Period.number, Account.code, JournalLine.amount_base)
        .join(JournalEntry, col(JournalLine.entry_id) == JournalEntry.id)
        .join(Period, col(JournalEntry.period_id) == Period.id)
        .join(FiscalYear, col(Period.fiscal_year_id) == FiscalYear.id)
        .join(Account, col(JournalLine.account_id) == Account.id)
        .where(
            JournalLine.division_id == hold_id(s),
            FiscalYear.year == year,
            Account.account_type == "profit_loss",
        )
    ).all()
    totals: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    for period, code, amount in rows:
        totals[(period, code)] += amount
    return totals


# --- budget vs actual -------------------------------------------------------------------


def test_budget_vs_actual_is_the_lines_set_against_the_ledger(scenario: Scenario) -> None:
    """Per period and account: budget = -(lines as set), actual = -(ledger), in P&L sign;
    variance = actual - budget, variance_pct = variance / |budget| x 100."""
    engine = make_engine(scenario.url)
    with session_scope(engine) as s:
        ledger = ledger_by_period_account(s, 2025)
    engine.dispose()
    rows = query(
        scenario.warehouse,
        f"""select period_number, account_code, cost_centre_code, budget, actual, variance,
                   variance_pct, status, scenario, version_name, division_code
            from main.mart_budget_vs_actual where version_id = {scenario.approved_id}""",
    )
    got = {(r[0], r[1]): r for r in rows}
    keys = set(scenario.budget) | set(ledger)
    assert set(got) == keys
    for key in keys:
        period, account, cc, budget, actual, variance, pct, status, scen, name, div = got[key]
        assert cc is None
        assert (status, scen, name, div) == ("approved", "normal", "Budget 2025", "HOLD")
        assert budget == -scenario.budget.get(key, D(0))
        assert actual == -ledger.get(key, D(0))
        assert variance == actual - budget
        if budget == 0:
            assert pct is None
        else:
            expected = (100 * variance / abs(budget)).quantize(D("0.01"), rounding=ROUND_HALF_UP)
            assert pct == expected
    # Spot checks of the signs: June revenue 1500 budget against 1500 invoiced (C),
    # costs budgeted 50 against 600 (S1) -> -550 unfavourable.
    assert got[(6, "8000")][3:6] == (D(1500), D(1500), D(0))
    assert got[(6, "4400")][3:6] == (D(-50), D(-600), D(-550))
    assert got[(6, "4400")][6] == D("-1100.00")
    # Every version is there, with its own budget.
    versions_seen = query(
        scenario.warehouse,
        "select version_id, sum(budget) from main.mart_budget_vs_actual group by 1 order by 1",
    )
    assert versions_seen == [
        (scenario.approved_id, -sum(scenario.budget.values(), D(0))),
        (scenario.positive_id, D(99999) * 12),
        (scenario.draft_id, D(-1)),
    ]


# --- cash-flow forecast -----------------------------------------------------------------


def delays_from_history(s: Session) -> dict[int, int]:
    """Amount-weighted average days paid after the due date per relation."""
    rows = s.exec(
        select(
            Invoice.relation_id,
            Invoice.due_date,
            Payment.payment_date,
            PaymentAllocation.amount_base,
        )
        .join(Payment, col(PaymentAllocation.payment_id) == Payment.id)
        .join(Invoice, col(PaymentAllocation.invoice_id) == Invoice.id)
        .where(Payment.payment_date <= AS_OF, Invoice.amount_incl_vat > 0)
    ).all()
    weighted: dict[int, Decimal] = defaultdict(Decimal)
    weights: dict[int, Decimal] = defaultdict(Decimal)
    for relation, due, paid, amount in rows:
        weighted[relation] += (paid - due).days * abs(amount)
        weights[relation] += abs(amount)
    return {
        r: int((weighted[r] / weights[r]).quantize(D(1), rounding=ROUND_HALF_UP)) for r in weights
    }


def open_items(s: Session) -> list[tuple[str, int, date, Decimal]]:
    """(invoice_type, relation_id, due_date, open base amount) at the as-of date."""
    settled: dict[int, Decimal] = defaultdict(Decimal)
    for invoice_id, amount in s.exec(
        select(PaymentAllocation.invoice_id, PaymentAllocation.amount_base)
        .join(Payment, col(PaymentAllocation.payment_id) == Payment.id)
        .where(Payment.payment_date <= AS_OF)
    ).all():
        settled[invoice_id] += amount
    result = []
    for inv in s.exec(select(Invoice).where(Invoice.invoice_date <= AS_OF)).all():
        left = inv.amount_base - settled[inv.id or 0]
        if left != 0:
            result.append((inv.invoice_type, inv.relation_id, inv.due_date, left))
    return result


def expected_forecast(
    s: Session, budget: dict[tuple[int, str], Decimal]
) -> dict[int, dict[str, Decimal]]:
    first_monday = AS_OF - timedelta(days=AS_OF.weekday())
    weeks: dict[int, dict[str, Decimal]] = {n: defaultdict(Decimal) for n in range(1, 14)}
    delays = delays_from_history(s)
    for invoice_type, relation, due, amount in open_items(s):
        expected = due + timedelta(days=delays.get(relation, 0))
        week = 1 if expected <= AS_OF else (expected - first_monday).days // 7 + 1
        if week <= 13:
            if invoice_type == "sales":
                weeks[week]["receipts"] += amount
            else:
                weeks[week]["payments"] -= amount
    # Recurring: April-June wages (4000), social charges (4100) and rent (4300).
    recurring = sum(
        s.exec(
            select(JournalLine.amount_base)
            .join(JournalEntry, col(JournalLine.entry_id) == JournalEntry.id)
            .join(Account, col(JournalLine.account_id) == Account.id)
            .where(
                col(Account.code).in_(["4000", "4100", "4300"]),
                JournalEntry.entry_date >= date(2025, 4, 1),
                JournalEntry.entry_date <= AS_OF,
            )
        ).all(),
        D(0),
    )
    weekly_recurring = money(-recurring / 3 * 12 / 52)
    # Budget: July onwards, net of revenue and 4400 (4000 wages and 4300 rent are
    # recurring costs), spread per day of the period.
    for n in range(1, 14):
        flow = D(0)
        for offset in range(7):
            day = first_monday + timedelta(days=7 * (n - 1) + offset)
            if day.year == 2025 and day.month > AS_OF.month:
                month_days = calendar.monthrange(day.year, day.month)[1]
                net = -(budget[(day.month, "8000")] + budget[(day.month, "4400")])
                flow += net / month_days
        weeks[n]["budget"] = money(flow)
        weeks[n]["recurring"] = weekly_recurring
    return weeks


def test_cash_forecast_opens_with_the_cash_position_and_chains(scenario: Scenario) -> None:
    engine = make_engine(scenario.url)
    with session_scope(engine) as s:
        cash = sum(
            s.exec(
                select(JournalLine.amount_base)
                .join(JournalEntry, col(JournalLine.entry_id) == JournalEntry.id)
                .join(Account, col(JournalLine.account_id) == Account.id)
                .where(
                    Account.reporting_category == "cash",
                    JournalLine.division_id == hold_id(s),
                    JournalEntry.entry_date <= AS_OF,
                )
            ).all(),
            D(0),
        )
    engine.dispose()
    rows = query(
        scenario.warehouse,
        """select week_number, week_start, opening_cash, net_flow, closing_cash
           from main.mart_cash_flow_forecast f
           join main.dim_divisions d using (division_id)
           where d.division_code = 'HOLD' order by week_number""",
    )
    assert [r[0] for r in rows] == list(range(1, 14))
    assert rows[0][1] == date(2025, 6, 30)
    assert all(r[1] == date(2025, 6, 30) + timedelta(days=7 * (r[0] - 1)) for r in rows)
    # Opening = the cash ledger up to the as-of date = mart_cash_position at June's end.
    position = query(
        scenario.warehouse,
        """select sum(balance_base) from main.mart_cash_position p
           join main.dim_divisions d using (division_id)
           where d.division_code = 'HOLD' and p.fiscal_year = 2025 and p.period_number = 6""",
    )[0][0]
    assert rows[0][2] == cash == position
    previous_closing = cash
    for _, _, opening, net, closing in rows:
        assert opening == previous_closing
        assert closing == opening + net
        previous_closing = closing
    # Every division has its 13 weeks, with or without cash.
    assert query(
        scenario.warehouse,
        "select count(*), count(distinct division_id) from main.mart_cash_flow_forecast",
    ) == [(26, 2)]


def test_cash_forecast_flows_follow_the_rules(scenario: Scenario) -> None:
    engine = make_engine(scenario.url)
    with session_scope(engine) as s:
        expected = expected_forecast(s, scenario.budget)
        c1 = s.exec(
            select(Relation.id).where(Relation.code == "C1", Relation.division_id == hold_id(s))
        ).one()
        delays = delays_from_history(s)
    engine.dispose()
    assert delays[c1 or 0] == 10  # C1 paid both invoices 10 days late
    rows = query(
        scenario.warehouse,
        """select week_number, receipts_open_items, payments_open_items, recurring_costs,
                  budget_flows, net_flow
           from main.mart_cash_flow_forecast f
           join main.dim_divisions d using (division_id)
           where d.division_code = 'HOLD' order by week_number""",
    )
    for week, receipts, pays, recurring, budget, net in rows:
        e = expected[week]
        assert receipts == e["receipts"], week
        assert pays == e["payments"], week
        assert recurring == e["recurring"], week
        assert budget == e["budget"], week
        assert net == receipts + pays + recurring + budget
    by_week = {r[0]: r for r in rows}
    # Week 1: the overdue 700 (C1) and C2's USD invoice; week 3: C1's 1500 (due in week 2,
    # shifted 10 days) and S1's 600 (due 20 July, shifted 6 days earlier to 14 July).
    usd_base = D("900.00")  # 1000 USD at 0.90 (the rate on the invoice date, 20 May 2025)
    assert by_week[1][1] == D(700) + usd_base
    assert by_week[2][1] == 0
    assert by_week[3][1] == D(1500)
    assert by_week[3][2] == D(-600)
    # Recurring: (1000 + 1000 + 1100 + 200 + 800) / 3 x 12 / 52.
    assert by_week[1][3] == money(-D(4100) / 3 * 12 / 52)
    # Budget: nothing for June (week 1 is 30 June - 6 July: 6 July days), 7 days of
    # July after; July net = 1500 - 50 = 1450 over 31 days.
    assert by_week[1][4] == money(D(1450) / 31 * 6)
    assert by_week[2][4] == money(D(1450) / 31 * 7)


# --- alerts -----------------------------------------------------------------------------


def test_alerts_are_the_expected_ones(scenario: Scenario) -> None:
    """Customer over limit: C1's 700 overdue > the division default 500; C2's 900 overdue
    (1000 USD at 0.90) would pass the default but stays under its own 5000. Every open
    sales invoice past due. Budget overruns year to date (periods 1-6) of the approved
    versions beyond 10 %: revenue short, wages (4000, the 5000 of March) and 4400 over;
    rent stays under budget, 4100 and 8100 have no budget, the draft does not count."""
    rows = query(
        scenario.warehouse,
        """select alert_kind, relation_code, document_number, account_code, version_id,
                  amount, threshold, days_overdue
           from main.mart_alerts
           order by alert_kind, relation_code, account_code, version_id""",
    )
    engine = make_engine(scenario.url)
    with session_scope(engine) as s:
        ledger = ledger_by_period_account(s, 2025)
    engine.dispose()

    def ytd(account: str, source: dict[tuple[int, str], Decimal]) -> Decimal:
        return sum((v for (p, a), v in source.items() if a == account and p <= 6), D(0))

    # Debit positive: the overrun is actual - budget (for revenue: less credit than budgeted).
    revenue_overrun = ytd("8000", ledger) - ytd("8000", scenario.budget)
    costs_overrun = ytd("4400", ledger) - ytd("4400", scenario.budget)
    wages_overrun = ytd("4000", ledger) - ytd("4000", scenario.budget)
    assert wages_overrun == D(5000 + 1000 + 1000 + 1100) - D(6000)
    assert ytd("4300", ledger) - ytd("4300", scenario.budget) < 0
    assert revenue_overrun == D(9000) - D(1000 + 2000 + 1500 + 900)
    assert costs_overrun == D(600) - D(300)
    upside_overrun = ytd("8000", ledger) + D(99999) * 6
    assert rows == [
        ("budget_overrun", None, None, "4000", scenario.approved_id, wages_overrun, D(600), None),
        ("budget_overrun", None, None, "4400", scenario.approved_id, costs_overrun, D(30), None),
        ("budget_overrun", None, None, "8000", scenario.approved_id, revenue_overrun, D(900), None),
        (
            "budget_overrun",
            None,
            None,
            "8000",
            scenario.positive_id,
            upside_overrun,
            money(D(99999) * 6 / 10),
            None,
        ),
        ("customer_over_limit", "C1", None, None, None, D(700), D(500), 46),
        ("invoice_past_due", "C1", scenario.documents["C1"], None, None, D(700), None, 46),
        ("invoice_past_due", "C2", scenario.documents["C2"], None, None, D(900), None, 11),
    ]
    messages = query(
        scenario.warehouse,
        "select message from main.mart_alerts where alert_kind = 'customer_over_limit'",
    )
    assert messages == [
        ("Customer C1 Acme BV: 700.00 overdue, above the limit of 500.00 (division default)",)
    ]
