"""The role x action x division matrix, exercised through the real services."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session

from tests.transactional.company import user
from transactional.budgets import alerts, versions
from transactional.database import make_engine, session_scope
from transactional.errors import PermissionDenied
from transactional.finance import ledger_setup
from transactional.finance.invoices import InvoiceDraft, InvoiceLineDraft, post_invoice
from transactional.finance.payments import PaymentDraft, post_payment
from transactional.finance.posting import EntryDraft, LineDraft, post_entry, reverse_entry
from transactional.organisation import services as org
from transactional.organisation.rights import MATRIX
from transactional.relations.services import create_relation
from transactional.wholesale.prices import create_price_rule

ROLES = ["clerk", "accountant", "manager", "analyst", "admin"]


def _entry(division: str) -> EntryDraft:
    return EntryDraft(
        division=division,
        journal="MEM",
        entry_date="2025-04-01",
        lines=[LineDraft(account="4400", debit="10"), LineDraft(account="1100", credit="10")],
    )


def _post_entry(s: Session, u, division: str) -> None:
    post_entry(session=s, user=u, entry=_entry(division))


def _post_invoice(s: Session, u, division: str) -> None:
    post_invoice(
        session=s,
        user=u,
        invoice=InvoiceDraft(
            division=division,
            invoice_type="sales",
            relation="C1",
            invoice_date="2025-04-02",
            lines=[InvoiceLineDraft(account="8000", quantity="1", unit_price="50")],
        ),
    )


def _post_payment(s: Session, u, division: str) -> None:
    post_payment(
        session=s,
        user=u,
        payment=PaymentDraft(
            division=division, journal="BNK", relation="C1", payment_date="2025-04-03", amount="5"
        ),
    )


def _reverse(s: Session, u, division: str) -> None:
    # The entry to reverse is posted by the admin, so only the reversal is under test.
    original = post_entry(session=s, user=user(s, "admin"), entry=_entry(division))
    reverse_entry(session=s, user=u, entry_id=original.id)


def _close_period(s: Session, u, division: str) -> None:
    ledger_setup.set_period_status(
        session=s, user=u, division=division, year=2025, period=1, status="closed"
    )


def _create_relation(s: Session, u, division: str) -> None:
    create_relation(
        session=s,
        user=u,
        division=division,
        code="NEW",
        name="New customer",
        relation_type="customer",
        country="NL",
    )


def _create_journal(s: Session, u, division: str) -> None:
    ledger_setup.create_journal(
        session=s, user=u, division=division, code="KAS2", name="Cash", journal_type="general"
    )


def _create_user(s: Session, u, division: str) -> None:
    org.create_user(
        session=s, user=u, username="newbie", full_name="New", role="clerk", divisions=[division]
    )


def _set_rates(s: Session, u, division: str) -> None:
    org.set_exchange_rates(session=s, user=u, rates=[("USD", "2025-07-01", "0.93")])


def _create_price_rule(s: Session, u, division: str) -> None:
    create_price_rule(
        session=s, user=u, division=division, kind="discount", value="5", valid_from="2025-01-01"
    )


def _create_budget(s: Session, u, division: str) -> None:
    versions.create_version(session=s, user=u, division=division, fiscal_year=2026, name="B")


def _approve_budget(s: Session, u, division: str) -> None:
    # The version is made and submitted by the accountant, so only the approval is under test.
    acc = user(s, "accountant")
    v = versions.create_version(session=s, user=acc, division=division, fiscal_year=2026, name="B")
    lines = [versions.BudgetLineDraft(account="8000", period=1, amount="-100")]
    versions.set_lines(session=s, user=acc, version=v, lines=lines)
    versions.submit(session=s, user=acc, version=v)
    versions.approve(session=s, user=u, version=v)


def _set_alert(s: Session, u, division: str) -> None:
    alerts.set_overdue_limit(session=s, user=u, division=division, customer=None, limit="1000")


ACTIONS: dict[str, tuple[Callable, set[str]]] = {
    # action: (service call, roles allowed)
    "post_entry": (_post_entry, {"clerk", "accountant", "admin"}),
    "post_invoice": (_post_invoice, {"clerk", "accountant", "admin"}),
    "post_payment": (_post_payment, {"clerk", "accountant", "admin"}),
    "reverse_entry": (_reverse, {"accountant", "admin"}),
    "manage_periods": (_close_period, {"accountant", "admin"}),
    "manage_relations": (_create_relation, {"clerk", "accountant", "manager", "admin"}),
    "manage_ledger": (_create_journal, {"accountant", "admin"}),
    "manage_users": (_create_user, {"admin"}),
    "set_rates": (_set_rates, {"accountant", "admin"}),
    "manage_items": (_create_price_rule, {"accountant", "admin"}),
    "manage_budgets": (_create_budget, {"accountant", "manager", "admin"}),
    "approve": (_approve_budget, {"manager", "admin"}),
    "manage_alerts": (_set_alert, {"accountant", "manager", "admin"}),
}


def test_matrix_matches_the_roles_tested_here() -> None:
    for action, (_, allowed) in ACTIONS.items():
        assert {r for r in ROLES if action in MATRIX[r]} == allowed, action


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_role_action_matrix_in_own_division(db_url: str, role: str, action: str) -> None:
    call, allowed = ACTIONS[action]
    engine = make_engine(db_url)
    username = role if role != "admin" else "admin"
    try:
        if role in allowed:
            with session_scope(engine) as s:
                call(s, user(s, username), "HOLD")
        else:
            with (
                pytest.raises(PermissionDenied, match=f"(?i)an? {role} may not"),
                session_scope(engine) as s,
            ):
                call(s, user(s, username), "HOLD")
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "action", ["post_entry", "post_invoice", "post_payment", "manage_relations"]
)
def test_division_scope_is_enforced(db_url: str, action: str) -> None:
    call, _ = ACTIONS[action]
    engine = make_engine(db_url)
    try:
        with (
            pytest.raises(PermissionDenied, match="no rights in division HOLD"),
            session_scope(engine) as s,
        ):
            call(s, user(s, "clerk_us"), "HOLD")
        # The same clerk may act in the division granted to them.
        with session_scope(engine) as s:
            call(s, user(s, "clerk_us"), "US01")
    finally:
        engine.dispose()
