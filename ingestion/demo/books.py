"""The generator's own books: what each planned document must post, worked out here.

The arithmetic mirrors the services' documented rules (amounts rounded per line, VAT
summed per VAT account, the control line taking the exact total, settling the rest of
an invoice relieves its remaining base amount), but none of it reads the ledger: the
control totals are an independent witness of what the services should have written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ingestion.demo.control_totals import ControlTotals
from ingestion.demo.relations import Party
from transactional.finance.invoices import InvoiceDraft, InvoiceLineDraft
from transactional.finance.ledger_setup import STANDARD_CHART
from transactional.money import round_money

DECIMALS = 2  # every demo currency (EUR, USD, GBP) has cents
ACCOUNT_CLASSES: dict[str, str] = {code: klass for code, _, klass, _, _ in STANDARD_CHART}
REVENUE_ACCOUNTS = frozenset(code for code, _, _, cat, _ in STANDARD_CHART if cat == "revenue")
COST_CLASSES = frozenset({"cost_of_sales", "expense", "other_expense", "tax"})
# VAT code -> (rate, VAT account), as installed with the standard chart.
VAT_CODES: dict[str, tuple[Decimal, str | None]] = {
    "V21": (Decimal("0.21"), "1650"), "V9": (Decimal("0.09"), "1650"), "V0": (Decimal(0), None),
    "I21": (Decimal("0.21"), "1500"), "I9": (Decimal("0.09"), "1500"),
}


def money(value: Decimal) -> Decimal:
    return round_money(value, DECIMALS)


@dataclass
class PlanLine:
    account: str
    quantity: Decimal
    unit_price: Decimal
    description: str = ""
    vat_code: str | None = None
    cost_centre: str | None = None
    cost_unit: str | None = None


@dataclass
class InvoicePlan:
    """An invoice the generator has decided to post, with the rate it will post at."""

    division: str
    invoice_type: str  # sales | purchase
    party: Party
    invoice_date: date
    due_date: date
    currency: str
    rate: Decimal
    lines: list[PlanLine]
    description: str = ""

    def draft(self, accounts: dict[str, int]) -> InvoiceDraft:
        """The service's draft; accounts by id, which the services resolve without a query."""
        return InvoiceDraft(
            division=self.division, invoice_type=self.invoice_type, relation=self.party.id,
            invoice_date=self.invoice_date, due_date=self.due_date, currency=self.currency,
            rate=self.rate, description=self.description,
            journal="VK" if self.invoice_type == "sales" else "IK",
            lines=[
                InvoiceLineDraft(account=accounts[ln.account], quantity=ln.quantity,
                                 unit_price=ln.unit_price, description=ln.description,
                                 vat_code=ln.vat_code, cost_centre=ln.cost_centre,
                                 cost_unit=ln.cost_unit)
                for ln in self.lines
            ],
        )


@dataclass
class OpenItem:
    """A posted (or about to be posted) invoice and what is still open on it."""

    seq: int
    plan: InvoicePlan
    total: Decimal  # incl. VAT, invoice currency
    base: Decimal  # incl. VAT, division currency
    open_amount: Decimal
    open_base: Decimal
    invoice_id: int = 0
    document_number: str = ""


@dataclass
class Books:
    """Running control totals, VAT and cash positions, and every invoice's open amount."""

    revenue: dict[str, dict[int, Decimal]] = field(default_factory=dict)
    costs: dict[str, dict[int, Decimal]] = field(default_factory=dict)
    vat: dict[tuple[str, int, int, str], Decimal] = field(default_factory=dict)
    cash_receipts: dict[tuple[str, int, int], Decimal] = field(default_factory=dict)
    items: list[OpenItem] = field(default_factory=list)
    lines: int = 0
    entries: int = 0
    invoices: int = 0
    payments: int = 0

    def open_division(self, division: str, years: list[int]) -> None:
        self.revenue[division] = {y: Decimal(0) for y in years}
        self.costs[division] = {y: Decimal(0) for y in years}

    def book_invoice(self, plan: InvoicePlan) -> OpenItem:
        amounts = [money(ln.quantity * ln.unit_price) for ln in plan.lines]
        vat_by_account: dict[str, Decimal] = {}
        for ln, amount in zip(plan.lines, amounts, strict=True):
            if ln.vat_code is None:
                continue
            vat_rate, vat_account = VAT_CODES[ln.vat_code]
            vat = money(amount * vat_rate)
            if vat and vat_account is not None:
                vat_by_account[vat_account] = vat_by_account.get(vat_account, Decimal(0)) + vat
        line_bases = [money(a * plan.rate) for a in amounts]
        vat_bases = {acc: money(v * plan.rate) for acc, v in vat_by_account.items()}
        year = plan.invoice_date.year
        for ln, base in zip(plan.lines, line_bases, strict=True):
            if plan.invoice_type == "sales" and ln.account in REVENUE_ACCOUNTS:
                self.revenue[plan.division][year] += base
            elif plan.invoice_type == "purchase" and ACCOUNT_CLASSES[ln.account] in COST_CLASSES:
                self.costs[plan.division][year] += base
        side = "output" if plan.invoice_type == "sales" else "input"
        quarter = (plan.invoice_date.month - 1) // 3 + 1
        for base in vat_bases.values():
            key = (plan.division, year, quarter, side)
            self.vat[key] = self.vat.get(key, Decimal(0)) + base
        total = sum(amounts, Decimal(0)) + sum(vat_by_account.values(), Decimal(0))
        base_total = sum(line_bases, Decimal(0)) + sum(vat_bases.values(), Decimal(0))
        self.lines += 1 + len(plan.lines) + len(vat_by_account)
        self.entries += 1
        self.invoices += 1
        item = OpenItem(len(self.items), plan, total, base_total, total, base_total)
        self.items.append(item)
        return item

    def book_payment(
        self, allocations: list[tuple[OpenItem, Decimal]], rate: Decimal, on: date, journal: str
    ) -> None:
        """One payment settling (invoice, amount) pairs, at the payment date's rate."""
        first = allocations[0][0].plan
        total = relieved = Decimal(0)
        for item, amount in allocations:
            # Settling the whole rest relieves the rest of the base amount: no residue.
            base = item.open_base if amount == item.open_amount else money(amount * item.plan.rate)
            item.open_amount -= amount
            item.open_base -= base
            total += amount
            relieved += base
        fx_difference = money(total * rate) - relieved
        if fx_difference:
            # Received: a gain is credited to exchange differences; paid: a loss is debited.
            sign = -1 if first.invoice_type == "sales" else 1
            self.costs[first.division][on.year] += sign * fx_difference
        if journal == "KAS":
            key = (first.division, on.year, on.month)
            self.cash_receipts[key] = self.cash_receipts.get(key, Decimal(0)) + total
        self.lines += 1 + len(allocations) + (1 if fx_difference else 0)
        self.entries += 1
        self.payments += 1

    def book_entry(self, division: str, on: date, lines: list[tuple[str, Decimal]]) -> None:
        """A manual entry in the division's currency: (account, debit-positive amount)."""
        for account, amount in lines:
            if ACCOUNT_CLASSES[account] in COST_CLASSES:
                self.costs[division][on.year] += amount
        self.lines += len(lines)
        self.entries += 1

    def vat_due(self, division: str, year: int, quarter: int) -> tuple[Decimal, Decimal]:
        """Output and input VAT of a quarter, in base currency."""
        return (self.vat.get((division, year, quarter, "output"), Decimal(0)),
                self.vat.get((division, year, quarter, "input"), Decimal(0)))

    def control_totals(self, *, seed: int, scale: float, end: date) -> ControlTotals:
        receivables = {d: Decimal(0) for d in self.revenue}
        payables = {d: Decimal(0) for d in self.revenue}
        for item in self.items:
            target = receivables if item.plan.invoice_type == "sales" else payables
            target[item.plan.division] += item.open_base
        return ControlTotals(
            seed=seed, scale=scale, end_date=end,
            revenue={d: dict(v) for d, v in self.revenue.items()},
            costs={d: dict(v) for d, v in self.costs.items()},
            open_receivables=receivables, open_payables=payables,
            journal_lines=self.lines, journal_entries=self.entries,
            invoices=self.invoices, payments=self.payments,
        )
