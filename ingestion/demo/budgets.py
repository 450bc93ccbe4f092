"""Budgets and alert settings of the demo group, made the way the office would.

For every year after the first, the accountant copies the previous year's P&L actuals
into 'Budget <year>' with a growth percentage per division, submits it, and the managing
director approves it. For the last year the accountant also drafts a 'positive' and a
'negative' scenario (revenue 5 % above / below the approved budget, costs as budgeted).
Alert settings: a default overdue limit per division and a 10 % budget-overrun alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlmodel import Session, select

from ingestion.demo.books import DECIMALS
from ingestion.demo.company import ALL_SPECS, Staff
from transactional.budgets import alerts
from transactional.budgets import versions as budgets
from transactional.budgets.versions import BudgetLineDraft
from transactional.finance.models import Account, CostCentre, CostUnit
from transactional.money import round_money
from transactional.organisation.models import User

# Budgeted growth on last year's actuals, per division (percent).
GROWTH_PCT: dict[str, Decimal] = {
    "HOLD": Decimal(4),
    "NL01": Decimal(8),
    "US01": Decimal(7),
    "UK01": Decimal(5),
    "MF01": Decimal(6),
}
# Revenue in the what-if scenarios of the last year, against the approved budget.
SCENARIO_REVENUE_PCT: dict[str, Decimal] = {"positive": Decimal(5), "negative": Decimal(-5)}
# Default overdue limit per division (base currency) and the budget-overrun alert (%).
OVERDUE_LIMIT: dict[str, Decimal] = {
    "HOLD": Decimal(10_000),
    "NL01": Decimal(25_000),
    "US01": Decimal(30_000),
    "UK01": Decimal(15_000),
    "MF01": Decimal(20_000),
}
OVERRUN_PCT = Decimal(10)


@dataclass(frozen=True)
class BudgetCounts:
    versions: int
    lines: int


def create_budgets(*, session: Session, staff: Staff, years: list[int]) -> BudgetCounts:
    """Budget versions for ``years[1:]`` and alert settings, for every demo division."""
    accountant = staff.accountant
    manager = session.exec(select(User).where(User.username == "manager")).one()
    revenue_accounts = set(
        session.exec(select(Account.id).where(Account.account_class == "revenue")).all()
    )
    centres = {c.id: c.code for c in session.exec(select(CostCentre))}
    units = {u.id: u.code for u in session.exec(select(CostUnit))}
    versions = lines = 0
    for spec in ALL_SPECS:  # the manufacturer budgets too
        approved = None
        for year in years[1:]:
            approved = budgets.copy_from_actuals(
                session=session,
                user=accountant,
                division=spec.code,
                fiscal_year=year,
                name=f"Budget {year}",
                source_year=year - 1,
                change_pct=GROWTH_PCT[spec.code],
            )
            budgets.submit(session=session, user=accountant, version=approved)
            budgets.approve(session=session, user=manager, version=approved)
            versions += 1
            lines += len(budgets.lines_of(session, approved))
        assert approved is not None
        base = budgets.lines_of(session, approved)
        for scenario, pct in SCENARIO_REVENUE_PCT.items():
            factor = 1 + pct / 100
            drafts = [
                BudgetLineDraft(
                    account=ln.account_id,
                    period=ln.period,
                    # A computed amount: rounded here, as the service refuses extra decimals.
                    amount=round_money(ln.amount * factor, DECIMALS)
                    if ln.account_id in revenue_accounts
                    else ln.amount,
                    cost_centre=centres.get(ln.cost_centre_id),
                    cost_unit=units.get(ln.cost_unit_id),
                    employee_code=ln.employee_code,
                )
                for ln in base
            ]
            version = budgets.create_version(
                session=session,
                user=accountant,
                division=spec.code,
                fiscal_year=approved.fiscal_year,
                name=f"Budget {approved.fiscal_year} {scenario}",
                scenario=scenario,
                description=f"Revenue {pct:+}% on '{approved.name}', costs as budgeted",
            )
            budgets.set_lines(session=session, user=accountant, version=version, lines=drafts)
            versions += 1
            lines += len(drafts)
        alerts.set_overdue_limit(
            session=session,
            user=accountant,
            division=spec.code,
            customer=None,
            limit=OVERDUE_LIMIT[spec.code],
        )
        alerts.set_budget_overrun_pct(
            session=session, user=accountant, division=spec.code, pct=OVERRUN_PCT
        )
    return BudgetCounts(versions, lines)
