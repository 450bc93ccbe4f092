"""Posting roles: which account of a division's chart a service posts for a business event.

Services never name an account by its number: a chart may number its accounts as it
likes, and a division may override a shared account with its own. Each account the
services post on their own (the receivables control account of an invoice, the cost of
sales of a delivery...) carries a ``posting_role`` in the chart; at most one account per
division (or per shared chart) has a given role, a division's own account before the
shared one. ``account_for_role`` is the one place that reads it.
"""

from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import Session, col, select

from transactional.errors import N_, DomainError
from transactional.finance.models import Account
from transactional.organisation.models import Division

# Role -> what the account is for, in the words of the messages and the docs.
POSTING_ROLES: dict[str, str] = {
    "receivables": N_("trade receivables (control account of sales invoices)"),
    "payables": N_("trade payables (control account of purchase invoices)"),
    "inventory": N_("inventory (stock value)"),
    "grni": N_("goods received not invoiced"),
    "cost_of_sales": N_("cost of sales"),
    "purchase_price_differences": N_("purchase price differences"),
    "stock_differences": N_("stock differences (counts and revaluations)"),
    "revenue_goods": N_("revenue from goods (items without their own revenue account)"),
    "fx_result": N_("exchange differences"),
    # Manufacturing (docs/manufacturing.md §3).
    "work_in_progress": N_("work in progress (open production orders)"),
    "absorbed_labour": N_("absorbed labour (labour hours booked on production orders)"),
    "absorbed_machine": N_("absorbed machine costs (machine hours booked on production orders)"),
    "absorbed_overhead": N_("absorbed production overhead"),
    "variance_material": N_("material variance of production orders"),
    "variance_labour": N_("labour variance of production orders"),
    "variance_machine": N_("machine variance of production orders"),
    "opening_balance": N_("opening balances (counter account of an opening-stock import)"),
}


class MissingPostingRole(DomainError):
    """The division's chart has no (active) account for a posting role."""


def account_for_role(session: Session, division_id: int, role: str) -> Account:
    """The account the division posts for ``role``: its own account first, else the shared one.

    Raises ``MissingPostingRole`` when the chart has none or it is blocked, naming the
    division and the role so the accountant knows what to set up.
    """
    if role not in POSTING_ROLES:
        raise ValueError(f"Unknown posting role {role!r}; known: {', '.join(POSTING_ROLES)}.")
    found = session.exec(
        select(Account)
        .where(
            Account.posting_role == role,
            or_(col(Account.division_id) == division_id, col(Account.division_id).is_(None)),
        )
        .order_by(col(Account.division_id).is_(None))
    ).first()
    if found is None or not found.is_active:
        division = session.get(Division, division_id)
        name = division.code if division is not None else f"id {division_id}"
        what = POSTING_ROLES[role]
        if found is None:
            raise MissingPostingRole(
                N_(
                    "Division {division} has no account for {what} (posting role '{role}') in its "
                    "chart; give one account that role in the ledger set-up."
                ),
                field="account",
                division=name,
                what=what,
                role=role,
            )
        raise MissingPostingRole(
            N_(
                "Account {account} ({account_name}), division {division}'s account for {what}, is "
                "blocked; unblock it or give another account the posting role '{role}'."
            ),
            field="account",
            account=found.code,
            account_name=found.name,
            division=name,
            what=what,
            role=role,
        )
    return found
