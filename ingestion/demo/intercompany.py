"""Intercompany management fees: the holding invoices each subsidiary every month.

Both sides are posted (holding: sales on 8900; subsidiary: purchase on 4900), in euros,
on the same date, so consolidation can eliminate them against each other.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from ingestion.demo.books import InvoicePlan, PlanLine, money
from ingestion.demo.company import DIVISIONS, HOLDING, SPECS
from ingestion.demo.rates import RateTable
from ingestion.demo.relations import PartyBook
from ingestion.demo.timeline import Month

FEE_SHARE = Decimal("0.02")  # of the subsidiary's expected monthly sales
FEE_DAY = 28
MIN_FEE = Decimal(500)


def fee_amount(division: str, monthly_revenue: Decimal, rates: RateTable, day: date) -> Decimal:
    """The month's fee in euros: a share of expected sales, in round hundreds."""
    in_euro = monthly_revenue * rates.rate(SPECS[division].currency, SPECS[HOLDING].currency, day)
    return max(MIN_FEE, money((in_euro * FEE_SHARE / 100).quantize(Decimal(1)) * 100))


def plan_fees(
    *, month: Month, monthly_revenue: dict[str, Decimal], parties: PartyBook, rates: RateTable,
) -> list[tuple[InvoicePlan, InvoicePlan]]:
    """(holding sales invoice, subsidiary purchase invoice) per subsidiary."""
    day = month.day(FEE_DAY)
    if day > month.last:
        return []
    holding = SPECS[HOLDING]
    result = []
    for spec in DIVISIONS:
        if spec.code == HOLDING:
            continue
        fee = fee_amount(spec.code, monthly_revenue[spec.code], rates, day)
        text = f"Management fee {month.year}-{month.month:02d}"
        customer = parties.intercompany[(HOLDING, spec.code)]
        supplier = parties.intercompany[(spec.code, HOLDING)]
        sale = InvoicePlan(
            division=HOLDING, invoice_type="sales", party=customer, invoice_date=day,
            due_date=day + timedelta(days=customer.terms), currency=holding.currency,
            rate=Decimal(1), description=text,
            lines=[PlanLine("8900", Decimal(1), fee, text, vat_code="V0", cost_centre="ADMIN")],
        )
        purchase = InvoicePlan(
            division=spec.code, invoice_type="purchase", party=supplier, invoice_date=day,
            due_date=day + timedelta(days=supplier.terms), currency=holding.currency,
            rate=rates.rate(holding.currency, spec.currency, day), description=text,
            lines=[PlanLine("4900", Decimal(1), fee, text, cost_centre="ADMIN")],
        )
        result.append((sale, purchase))
    return result
