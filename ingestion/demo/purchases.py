"""Purchase invoices: goods bought for what was sold, overheads, and the monthly rent."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from ingestion.demo.books import InvoicePlan, PlanLine, money
from ingestion.demo.company import PRODUCT_LINES, DivisionSpec
from ingestion.demo.rates import RateTable
from ingestion.demo.relations import Party, PartyBook
from ingestion.demo.timeline import Month

GOODS_INVOICES_PER_SALE = 0.3
OVERHEAD_INVOICES_PER_SALE = 0.04
# Overheads as a share of expected monthly sales: (category, account, cost centre, share).
OVERHEADS = (
    ("services", "4400", "OPS", Decimal("0.035")),
    ("marketing", "4500", "SALES", Decimal("0.025")),
)
RENT_SHARE = Decimal("0.04")  # of expected monthly sales in the first year, indexed yearly
RENT_INDEXATION = Decimal("1.03")


def plan_purchases(
    *, spec: DivisionSpec, month: Month, sales: list[InvoicePlan], monthly_revenue: Decimal,
    parties: PartyBook, rates: RateTable, rng: random.Random,
) -> list[InvoicePlan]:
    """The month's purchase invoices of one division, in date order."""
    days = month.business_days()
    if not days:
        return []
    plans: list[InvoicePlan] = []
    cost_by_line: dict[str, Decimal] = {}
    for sale in sales:
        for ln in sale.lines:
            if ln.cost_unit in PRODUCT_LINES:
                ratio = Decimal(str(PRODUCT_LINES[ln.cost_unit].cost_ratio))
                value = money(ln.quantity * ln.unit_price * sale.rate) * ratio
                cost_by_line[ln.cost_unit] = cost_by_line.get(ln.cost_unit, Decimal(0)) + value
    count = max(1, round(len(sales) * GOODS_INVOICES_PER_SALE))
    total_cost = sum(cost_by_line.values(), Decimal(0))
    for unit, cost in cost_by_line.items():
        n = max(1, round(count * cost / total_cost))
        for chunk in _split(cost, n, rng):
            supplier = parties.pick(spec.code, "goods", rng)
            lines = [PlanLine("7000", Decimal(0), Decimal(0), PRODUCT_LINES[unit].name,
                              cost_centre="OPS", cost_unit=unit)
                     for _ in range(rng.randint(1, 6))]
            if rng.random() < 0.3:
                lines.append(PlanLine("7000", Decimal(1), Decimal(0), "Freight and duties",
                                      cost_centre="OPS", cost_unit=unit))
            plans.append(_plan(spec, supplier, rng.choice(days), chunk, lines, rates, rng))
    overhead_count = max(1, round(len(sales) * OVERHEAD_INVOICES_PER_SALE))
    for category, account, centre, share in OVERHEADS:
        budget = monthly_revenue * share * Decimal(rng.randint(85, 115)) / 100
        for chunk in _split(budget, overhead_count, rng):
            supplier = parties.pick(spec.code, category, rng)
            lines = [PlanLine(account, Decimal(0), Decimal(0), f"{category.title()} {month.year}-"
                              f"{month.month:02d}", cost_centre=centre)]
            plans.append(_plan(spec, supplier, rng.choice(days), chunk, lines, rates, rng))
    plans.sort(key=lambda p: p.invoice_date)
    return plans


def plan_rent(
    *, spec: DivisionSpec, month: Month, first_year_revenue: Decimal, parties: PartyBook,
) -> InvoicePlan | None:
    """The landlord's monthly invoice, dated the first business day, 70 % operations."""
    days = month.business_days()
    rent = first_year_revenue * RENT_SHARE * RENT_INDEXATION ** (month.index // 12)
    rent = money((rent / 10).quantize(Decimal(1)) * 10)  # a contract amount is a round number
    if not days or rent <= 0:
        return None
    landlord = parties.landlord(spec.code)
    ops = money(rent * Decimal("0.7"))
    return InvoicePlan(
        division=spec.code, invoice_type="purchase", party=landlord, invoice_date=days[0],
        due_date=days[0] + timedelta(days=landlord.terms), currency=landlord.currency,
        rate=Decimal(1), description=f"Rent {month.year}-{month.month:02d}",
        lines=[
            PlanLine("4300", Decimal(1), ops, "Rent warehouse", cost_centre="OPS"),
            PlanLine("4300", Decimal(1), rent - ops, "Rent office", cost_centre="ADMIN"),
        ],
    )


def _split(total: Decimal, parts: int, rng: random.Random) -> list[Decimal]:
    """``total`` in ``parts`` uneven pieces (weights drawn as integers, so exact)."""
    weights = [rng.randint(50, 150) for _ in range(parts)]
    return [total * w / sum(weights) for w in weights]


def _plan(
    spec: DivisionSpec, supplier: Party, day: date, base_amount: Decimal,
    lines: list[PlanLine], rates: RateTable, rng: random.Random,
) -> InvoicePlan:
    """Fill the lines' quantities and prices so the invoice is worth about ``base_amount``."""
    rate = rates.rate(supplier.currency, spec.currency, day)
    amount = base_amount / rate
    items = [ln for ln in lines if not ln.quantity]
    for ln in lines:
        if ln.quantity:  # freight: a few percent on top of the goods
            ln.unit_price = max(money(amount * Decimal(rng.randint(2, 5)) / 100), Decimal("0.01"))
            amount -= ln.unit_price
    for ln, share in zip(items, _split(amount, len(items), rng), strict=True):
        ln.quantity = Decimal(rng.randint(1, 20)) if ln.cost_unit else Decimal(1)
        ln.unit_price = max(money(share / ln.quantity), Decimal("0.01"))
    vat = "I21" if supplier.domestic_vat else None
    for ln in lines:
        ln.vat_code = vat
    return InvoicePlan(
        division=spec.code, invoice_type="purchase", party=supplier, invoice_date=day,
        due_date=day + timedelta(days=supplier.terms), currency=supplier.currency, rate=rate,
        lines=lines, description=f"Purchase {supplier.name}",
    )
