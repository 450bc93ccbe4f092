"""What the clerk forms post: grid rows -> service drafts -> the transactional services.

Plain functions, no Streamlit. Each opens its own session (committed on success, rolled
back on any error), loads the acting user and calls the one service that owns the rule.
A :class:`~transactional.errors.DomainError` comes back with its ``field`` renumbered
from the service's line numbers to the rows the clerk sees in the grid (blank grid rows
are skipped, so the two can differ).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

import pandas as pd
from sqlmodel import Session

from dashboards import language
from dashboards.language import current_locale, error_text
from transactional.database import session_scope
from transactional.errors import N_, DomainError
from transactional.finance.invoices import InvoiceDraft, InvoiceLineDraft, post_invoice
from transactional.finance.payments import AllocationDraft, PaymentDraft, post_payment
from transactional.finance.posting import EntryDraft, LineDraft, post_entry
from transactional.organisation.models import User
from transactional.typed_numbers import typing_in

JOURNAL_LINE_COLUMNS = (
    "account",
    "description",
    "debit",
    "credit",
    "cost_centre",
    "cost_unit",
    "relation",
)
INVOICE_LINE_COLUMNS = (
    "account",
    "description",
    "quantity",
    "unit_price",
    "vat_code",
    "cost_centre",
)
# Columns whose value alone does not make a row worth posting (defaults of new rows).
_DEFAULTED = {"quantity"}

T = TypeVar("T")


@dataclass(frozen=True)
class Posted:
    """What the clerk is told after a successful posting."""

    document_number: str
    what: str
    # The message id of the notice when "Posted ..." would be wrong (an order created or
    # released posts nothing); with {what} and {number}.
    notice: str | None = None


def text(value: object) -> str:
    """A grid cell as typed: None/NaN -> '', everything else stripped text."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value).strip()


def filled_rows(grid: pd.DataFrame, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """The grid rows with anything typed in them, as (row number from 1, cells as text)."""
    rows = []
    for n, (_, row) in enumerate(grid.iterrows(), start=1):
        cells = {c: text(row.get(c)) for c in columns}
        if any(v for c, v in cells.items() if c not in _DEFAULTED):
            rows.append((n, cells))
    return rows


# A refusal about a grid row that does not name the row itself gets it in front.
_ROW_PREFIX = {
    "Line": N_("Line {line}: {error}"),
    "Allocation": N_("Allocation {line}: {error}"),
}


def _renumbered(err: DomainError, prefix: str, grid_rows: list[int], word: str) -> DomainError:
    """The same error with ``<prefix>.<n>`` and its line number pointing at the clerk's grid row.

    The message keeps its id; only the ``line`` parameter changes (the services name a line
    as ``"Line {line}: ..."``). A label handed down to a shared check ("Line 3 debit") is
    renumbered in place; a message that names no line is put after ``"<word> {line}: "``.
    """
    # ``lines.3.debit``, or ``lines.3`` for a whole row (the stock movement of a line).
    match = re.fullmatch(rf"{prefix}\.(\d+)(\.\w+)?", err.field or "")
    if not match or not 1 <= int(match.group(1)) <= len(grid_rows):
        return err
    n = int(match.group(1))
    row = grid_rows[n - 1]
    field = f"{prefix}.{row}{match.group(2) or ''}"
    if "line" in err.params:
        return type(err)(err.message_id, field=field, **{**err.params, "line": row})
    named = re.compile(rf"^{word} {n}\b")
    if any(isinstance(v, str) and named.match(v) for v in err.params.values()):
        params = {
            k: named.sub(f"{word} {row}", v) if isinstance(v, str) else v
            for k, v in err.params.items()
        }
        return type(err)(err.message_id, field=field, **params)
    # The refusal goes in already in the user's language (as dashboards/app_pages/alerts.py
    # does): a parameter is filled in as it is, never looked up in the catalog.
    return type(err)(_ROW_PREFIX[word], field=field, line=row, error=error_text(err))


@contextmanager
def acting_as(user_id: int | None) -> Iterator[tuple[Session, User]]:
    """A session acting as the signed-in user, who types numbers in their own format
    (``1.234,50`` in Dutch): the services read typed text in that locale."""
    if user_id is None:
        raise DomainError(N_("Sign in first."), field="user")
    with typing_in(current_locale()), session_scope() as session:
        user = session.get(User, user_id)
        if user is None:
            raise DomainError(N_("User {user} does not exist."), field="user", user=user_id)
        yield session, user


def posting_as(
    user_id: int | None,
    prefix: str,
    grid_rows: list[int],
    word: str,
    post: Callable[[Session, User], T],
) -> T:
    try:
        with acting_as(user_id) as (session, user):
            return post(session, user)
    except DomainError as err:
        raise _renumbered(err, prefix, grid_rows, word) from err


# The amount columns as a running total names them (message ids).
AMOUNT_COLUMNS = {"debit": N_("debit"), "credit": N_("credit"), "amount": N_("amount")}
# What the posted notice calls a document (message ids, translated where shown).
INVOICE_KINDS = {"sales": N_("sales invoice"), "purchase": N_("purchase invoice")}
PAYMENT_KINDS = {"received": N_("payment received"), "paid": N_("payment made")}


def _or_none(value: str) -> str | None:
    return value or None


def post_journal_entry(
    *,
    user_id: int | None,
    division: str,
    journal: str,
    entry_date: date | None,
    description: str,
    lines: pd.DataFrame,
) -> Posted:
    """Post a manual journal entry from the grid (columns JOURNAL_LINE_COLUMNS)."""
    rows = filled_rows(lines, JOURNAL_LINE_COLUMNS)
    draft = EntryDraft(
        division=division,
        journal=journal,
        entry_date=entry_date or "",
        description=description.strip(),
        lines=[
            LineDraft(
                account=c["account"],
                description=c["description"],
                debit=_or_none(c["debit"]),
                credit=_or_none(c["credit"]),
                cost_centre=_or_none(c["cost_centre"]),
                cost_unit=_or_none(c["cost_unit"]),
                relation=_or_none(c["relation"]),
            )
            for _, c in rows
        ],
    )

    def post(session: Session, user: User) -> Posted:
        entry = post_entry(session=session, user=user, entry=draft)
        return Posted(entry.document_number, N_("journal entry"))

    return posting_as(user_id, "lines", [n for n, _ in rows], "Line", post)


def post_invoice_form(
    *,
    user_id: int | None,
    division: str,
    invoice_type: str,
    relation: str,
    invoice_date: date | None,
    due_date: date | None,
    description: str,
    supplier_reference: str,
    lines: pd.DataFrame,
) -> Posted:
    """Post a sales or purchase invoice from the grid (columns INVOICE_LINE_COLUMNS)."""
    rows = filled_rows(lines, INVOICE_LINE_COLUMNS)
    draft = InvoiceDraft(
        division=division,
        invoice_type=invoice_type,
        relation=relation,
        invoice_date=invoice_date or "",
        due_date=due_date,
        description=description.strip(),
        supplier_reference=_or_none(supplier_reference.strip()),
        lines=[
            InvoiceLineDraft(
                account=c["account"],
                description=c["description"],
                quantity=c["quantity"],
                unit_price=c["unit_price"],
                vat_code=_or_none(c["vat_code"]),
                cost_centre=_or_none(c["cost_centre"]),
            )
            for _, c in rows
        ],
    )

    def post(session: Session, user: User) -> Posted:
        invoice = post_invoice(session=session, user=user, invoice=draft)
        return Posted(invoice.document_number, INVOICE_KINDS.get(invoice_type, invoice_type))

    return posting_as(user_id, "lines", [n for n, _ in rows], "Line", post)


def post_payment_form(
    *,
    user_id: int | None,
    division: str,
    journal: str,
    relation: str,
    direction: str,
    payment_date: date | None,
    amount: str,
    currency: str,
    rate: str,
    reference: str,
    allocations: pd.DataFrame,
) -> Posted:
    """Post a payment from the open-invoice grid.

    ``allocations`` has ``document_number``, ``open_amount``, ``settle`` (tick: allocate
    the whole open amount) and ``allocate`` (an amount typed by the clerk, which wins).
    """
    rows: list[tuple[int, dict[str, Any]]] = []
    for n, (_, row) in enumerate(allocations.iterrows(), start=1):
        typed: Any = text(row.get("allocate"))
        if not typed and row.get("settle") is True:
            # The open amount itself, not its text: "1234.50" is not how a Dutch or French
            # clerk writes it, and typed text is read in their format.
            open_amount = row.get("open_amount")
            typed = Decimal(str(open_amount)) if open_amount is not None else ""
        if typed:
            rows.append(
                (n, {"document_number": text(row.get("document_number")), "allocate": typed})
            )
    draft = PaymentDraft(
        division=division,
        journal=journal,
        relation=relation,
        direction=direction,
        payment_date=payment_date or "",
        amount=amount,
        currency=_or_none(currency),
        rate=_or_none(rate),
        reference=reference.strip(),
        allocations=[AllocationDraft(c["document_number"], c["allocate"]) for _, c in rows],
    )

    def post(session: Session, user: User) -> Posted:
        payment = post_payment(session=session, user=user, payment=draft)
        return Posted(payment.document_number, PAYMENT_KINDS.get(direction, direction))

    return posting_as(user_id, "allocations", [n for n, _ in rows], "Allocation", post)


def totals(grid: pd.DataFrame, columns: tuple[str, ...]) -> dict[str, Any]:
    """Running totals of amount columns as typed; cells that are not numbers are listed."""
    from transactional.money import to_decimal

    result: dict[str, Any] = {c: 0 for c in columns}
    unreadable: list[str] = []
    for n, (_, row) in enumerate(grid.iterrows(), start=1):
        for c in columns:
            value = text(row.get(c))
            if not value:
                continue
            try:
                result[c] += to_decimal(value, field=c, label=c)
            except DomainError:
                unreadable.append(
                    language._("row {n} {column}", n=n, column=language._(AMOUNT_COLUMNS.get(c, c)))
                )
    result["unreadable"] = unreadable
    return result
