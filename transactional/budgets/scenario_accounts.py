"""The account of a division's chart each what-if line is budgeted on ("Save as budget").

The what-if engine (:mod:`transactional.planning.whatif`) works on P&L lines, not
accounts; a saved scenario books each line on one account of the division's chart, found
by what the account is for, never by its number, so a chart that numbers its accounts
otherwise gets the same budget:

- the lines the services post on their own go to the account with that posting role
  (:mod:`transactional.finance.posting_roles`): revenue from goods, cost of sales, and
  stock differences for the price and stock differences line;
- every other line goes to an account of the reporting category the line rolls up from
  (the inverse of ``whatif.CATEGORY_LINES``): the division's own active profit-and-loss
  account of that category before the shared chart's, the first by code when several.

Read back by the baseline, each account lands on the line it was saved from.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import or_
from sqlmodel import Session, col, select

from transactional.errors import N_, ValidationError
from transactional.finance import posting_roles
from transactional.finance.models import Account
from transactional.organisation.models import Division
from transactional.planning import whatif

ROLE, CATEGORY = "posting role", "reporting category"
# Engine line -> how the chart names its account.
LINE_ACCOUNTS: dict[str, tuple[str, str]] = {
    whatif.REVENUE: (ROLE, "revenue_goods"),
    whatif.COST_OF_GOODS: (ROLE, "cost_of_sales"),
    whatif.OTHER_COST_OF_SALES: (ROLE, "stock_differences"),
    whatif.WAGES: (CATEGORY, "wages"),
    whatif.OTHER_COSTS: (CATEGORY, "other_expenses"),
    whatif.DEPRECIATION: (CATEGORY, "depreciation"),
    whatif.OTHER_INCOME: (CATEGORY, "intercompany_income"),
    whatif.FINANCIAL_RESULT: (CATEGORY, "financial_result"),
    whatif.INCOME_TAX: (CATEGORY, "income_tax"),
}


def line_accounts(session: Session, division_id: int) -> Callable[[str], str]:
    """The division's account code per engine line, looked up when a line is first asked
    for (a line the scenario leaves at zero needs no account in the chart)."""
    found: dict[str, str] = {}

    def account(line: str) -> str:
        if line not in found:
            kind, name = LINE_ACCOUNTS[line]
            if kind == ROLE:
                found[line] = posting_roles.account_for_role(session, division_id, name).code
            else:
                found[line] = _by_category(session, division_id, line, name).code
        return found[line]

    return account


def _by_category(session: Session, division_id: int, line: str, category: str) -> Account:
    candidates = session.exec(
        select(Account).where(
            Account.reporting_category == category,
            Account.account_type == "profit_loss",
            or_(col(Account.division_id) == division_id, col(Account.division_id).is_(None)),
        )
    ).all()
    # A division's own account overrides the shared one with the same code (as a clerk's
    # code resolves), so a shared account the division replaced is not in its chart.
    own = {a.code for a in candidates if a.division_id is not None}
    usable = sorted(
        (a for a in candidates if a.is_active and (a.division_id is not None or a.code not in own)),
        key=lambda a: (a.division_id is None, a.code),
    )
    if not usable:
        division = session.get(Division, division_id)
        name = division.code if division is not None else f"id {division_id}"
        raise ValidationError(
            N_(
                "Division {name} has no active profit-and-loss account with reporting category "
                "'{category}' to budget {what} on; add one to its chart."
            ),
            field="division",
            name=name,
            category=category,
            what=whatif.LABELS[line].lower(),
        )
    return usable[0]
