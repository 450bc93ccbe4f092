"""Sales and purchase invoices (and credit notes): validated, then posted to the ledger.

A sales invoice debits the receivables control account with the amount including VAT,
credits the revenue lines and the output-VAT account. A purchase invoice mirrors it on
payables. Base amounts are rounded per line; any rounding difference lands on the
control line so the entry balances and the open item equals the control posting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session

from transactional import audit
from transactional.dates import parse_date
from transactional.errors import N_, ValidationError
from transactional.finance.entry_checks import EntryDraft, LineDraft, check_entry
from transactional.finance.entry_writing import write_entries
from transactional.finance.lookups import Lookups
from transactional.finance.master_data import MasterData
from transactional.finance.models import Invoice, InvoiceLine, JournalEntry
from transactional.money import round_money, to_decimal
from transactional.organisation.models import User


@dataclass
class InvoiceLineDraft:
    account: str | int
    quantity: Decimal | str = Decimal(1)
    unit_price: Decimal | str = Decimal(0)
    description: str = ""
    vat_code: str | None = None
    cost_centre: str | None = None
    cost_unit: str | None = None
    # Set by the sales and purchasing services: the item billed and the order line it bills.
    item_id: int | None = None
    sales_order_line_id: int | None = None
    purchase_order_line_id: int | None = None


@dataclass
class InvoiceDraft:
    division: str | int
    invoice_type: str  # sales | purchase
    relation: str | int
    invoice_date: date | str
    lines: list[InvoiceLineDraft] = field(default_factory=list)
    due_date: date | str | None = None  # default: invoice date + payment terms
    currency: str | None = None  # default: the relation's currency
    rate: Decimal | str | None = None  # default: the day's rate
    journal: str | None = None  # default: the division's first sales/purchase journal
    description: str = ""
    supplier_reference: str | None = None


def post_invoice(*, session: Session, user: User, invoice: InvoiceDraft) -> Invoice:
    """Validate and post one invoice; returns it with its entry and number."""
    return post_invoices(session=session, user=user, invoices=[invoice])[0]


def post_invoices(*, session: Session, user: User, invoices: list[InvoiceDraft]) -> list[Invoice]:
    """Post a batch of invoices, all or nothing (used by forms, imports and the generator)."""
    lookups = Lookups(session)
    master = MasterData(session)
    built = [_build(session, user, lookups, d) for d in invoices]
    prepared = [
        check_entry(session=session, user=user, master=master, draft=entry, action="post_invoice")
        for _, _, entry in built
    ]
    result = [inv for inv, _, _ in built]

    def create_invoices(entries: list[JournalEntry]) -> None:
        for inv, entry in zip(result, entries, strict=True):
            inv.entry_id = entry.id
            inv.document_number = entry.document_number
        # Invoices and their lines go in as executemany statements with their audit rows
        # (audit.insert_audited); the invoices are then attached to the session as loaded.
        ids = audit.insert_audited(
            session, _INVOICE, [{c: getattr(inv, c) for c in _INVOICE_COLUMNS} for inv in result]
        )
        for inv, invoice_id in zip(result, ids, strict=True):
            inv.id = invoice_id
            make_transient_to_detached(inv)
            session.add(inv)
        line_rows: list[dict[str, Any]] = []
        for (inv, lines, _), p in zip(built, prepared, strict=True):
            for ln in lines:
                ln["invoice_id"] = inv.id
                line_rows.append(ln)
            # The control line (line 1) is the open item of this invoice.
            p.lines[0]["invoice_id"] = inv.id
        audit.insert_audited(session, InvoiceLine.__table__, line_rows)  # type: ignore[attr-defined]

    write_entries(session=session, user=user, checked=prepared, before_lines=create_invoices)
    return result


_INVOICE = Invoice.__table__  # type: ignore[attr-defined]
_INVOICE_COLUMNS = [c.key for c in _INVOICE.columns if c.key != "id"]


def _build(
    session: Session, user: User, lookups: Lookups, d: InvoiceDraft
) -> tuple[Invoice, list[dict[str, Any]], EntryDraft]:
    if d.invoice_type not in ("sales", "purchase"):
        raise ValidationError(
            N_("Invoice type must be 'sales' or 'purchase'."), field="invoice_type"
        )
    sales = d.invoice_type == "sales"
    division = lookups.division(d.division)
    assert division.id is not None
    lookups.require(user, "post_invoice", division.id)
    relation = lookups.relation(division, d.relation, field="relation")
    wanted = "customer" if sales else "supplier"
    if relation.relation_type not in (wanted, "both"):
        raise ValidationError(
            N_("{relation} is not a customer; pick a customer for a sales invoice.")
            if sales
            else N_("{relation} is not a supplier; pick a supplier for a purchase invoice."),
            field="relation",
            relation=relation.name,
        )
    on = parse_date(d.invoice_date, field="invoice_date", label="Invoice date")
    due = (
        parse_date(d.due_date, field="due_date", label="Due date")
        if d.due_date not in (None, "")
        else on + timedelta(days=relation.payment_terms_days)
    )
    if due < on:
        raise ValidationError(
            N_("The due date cannot be before the invoice date."), field="due_date"
        )
    journal = (
        lookups.journal(division, d.journal, types=(d.invoice_type,))
        if d.journal
        else lookups.first_journal(division, d.invoice_type)
    )
    cur = lookups.currency(d.currency or relation.currency_code, field="currency")
    base = lookups.currency(division.currency_code)
    rate = lookups.document_rate(d.rate, cur.code, base.code, on, field="rate", label="Rate")
    if not d.lines:
        raise ValidationError(N_("An invoice needs at least one line."), field="lines")
    control = lookups.account_for_role(division, "receivables" if sales else "payables")

    inv_lines: list[dict[str, Any]] = []  # invoice_line rows, all columns but the ids
    entry_lines: list[LineDraft] = [LineDraft(account=control.id or 0, debit="0")]  # set below
    vat_by_account: dict[int, Decimal] = {}
    total_excl = Decimal(0)
    total_vat = Decimal(0)
    for n, ln in enumerate(d.lines, start=1):
        where = f"Line {n}"
        acc = lookups.account(division, ln.account, field=f"lines.{n}.account")
        if acc.is_control:
            raise ValidationError(
                N_(
                    "Line {line}: account {account} is a control account; pick a revenue or cost "
                    "account."
                ),
                field=f"lines.{n}.account",
                line=n,
                account=acc.code,
            )
        qty = to_decimal(ln.quantity, field=f"lines.{n}.quantity", label=f"{where}: quantity")
        price = to_decimal(ln.unit_price, field=f"lines.{n}.unit_price", label=f"{where}: price")
        amount = round_money(qty * price, cur.decimals)
        vat_amount = Decimal(0)
        vat_id = None
        if ln.vat_code:
            vat = lookups.vat_code(ln.vat_code, field=f"lines.{n}.vat_code")
            vat_id = vat.id
            vat_amount = round_money(amount * vat.rate, cur.decimals)
            if vat_amount and vat.account_id is None:
                raise ValidationError(
                    N_("VAT code {vat_code} has no VAT account."),
                    field=f"lines.{n}.vat_code",
                    vat_code=vat.code,
                )
            if vat_amount:
                vat_by_account[vat.account_id or 0] = (
                    vat_by_account.get(vat.account_id or 0, Decimal(0)) + vat_amount
                )
        total_excl += amount
        total_vat += vat_amount
        inv_lines.append(
            dict(
                invoice_id=0,
                line_number=n,
                description=ln.description,
                account_id=acc.id or 0,
                quantity=qty,
                unit_price=price,
                amount=amount,
                vat_code_id=vat_id,
                vat_amount=vat_amount,
                item_id=ln.item_id,
                sales_order_line_id=ln.sales_order_line_id,
                purchase_order_line_id=ln.purchase_order_line_id,
                cost_centre_id=lookups.cost_centre(
                    division, ln.cost_centre, field=f"lines.{n}.cost_centre"
                ).id
                if ln.cost_centre
                else None,
                cost_unit_id=lookups.cost_unit(
                    division, ln.cost_unit, field=f"lines.{n}.cost_unit"
                ).id
                if ln.cost_unit
                else None,
            )
        )
        entry_lines.append(
            _side(
                sales,
                amount,
                acc.id or 0,
                ln.description or d.description,
                cur.code,
                rate,
                ln.cost_centre,
                ln.cost_unit,
                relation.id,
                ln.vat_code,
            )
        )
    if total_excl + total_vat == 0:
        raise ValidationError(
            N_("The invoice total is zero; enter quantities and prices."), field="lines"
        )
    for vat_account, vat_amount in vat_by_account.items():
        entry_lines.append(
            _side(
                sales, vat_amount, vat_account, "VAT", cur.code, rate, None, None, relation.id, None
            )
        )
    total = total_excl + total_vat
    # The control line takes the exact negative of the other lines' base amounts, so
    # rounding per line never unbalances the entry and the open item matches the ledger.
    other_base = sum(
        (round_money(_signed(x) * rate, base.decimals) for x in entry_lines[1:]), Decimal(0)
    )
    control_base = -other_base
    entry_lines[0] = LineDraft(
        account=control.id or 0,
        debit=total if sales else None,
        credit=None if sales else total,
        description=d.description or f"{relation.name}",
        currency=cur.code,
        relation=relation.id,
        amount_base=control_base,
    )
    if cur.code != base.code:
        for x in entry_lines[1:]:
            x.rate = rate
    invoice = Invoice(
        division_id=division.id,
        invoice_type=d.invoice_type,
        journal_id=journal.id or 0,
        relation_id=relation.id or 0,
        invoice_date=on,
        due_date=due,
        currency_code=cur.code,
        rate=rate,
        description=d.description,
        supplier_reference=d.supplier_reference,
        amount_excl_vat=total_excl,
        vat_amount=total_vat,
        amount_incl_vat=total,
        amount_base=control_base if sales else -control_base,
        document_number="",
        created_by=user.id or 0,
    )
    entry = EntryDraft(
        division=division.id,
        journal=journal.code,
        entry_date=on,
        description=d.description or f"{d.invoice_type.title()} invoice {relation.name}",
        lines=entry_lines,
        source_type=f"{d.invoice_type}_invoice",
        allow_control_accounts=True,
    )
    return invoice, inv_lines, entry


def _side(
    sales: bool,
    amount: Decimal,
    account: int,
    description: str,
    currency: str,
    rate: Decimal,
    cost_centre: str | None,
    cost_unit: str | None,
    relation: int | None,
    vat: str | None,
) -> LineDraft:
    # Sales credit revenue and VAT; purchases debit costs and input VAT.
    return LineDraft(
        account=account,
        debit=None if sales else amount,
        credit=amount if sales else None,
        description=description,
        currency=currency,
        cost_centre=cost_centre,
        cost_unit=cost_unit,
        relation=relation,
        vat_code=vat,
    )


def _signed(line: LineDraft) -> Decimal:
    if line.debit not in (None, ""):
        return Decimal(line.debit or 0)
    return -Decimal(line.credit or 0)
