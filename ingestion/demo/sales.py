"""Sales invoices: customers by size, product lines by the division's mix, list prices."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from ingestion.demo.books import InvoicePlan, PlanLine, money
from ingestion.demo.company import DivisionSpec
from ingestion.demo.rates import RateTable
from ingestion.demo.relations import PartyBook
from ingestion.demo.timeline import Month
from ingestion.demo.volumes import LINES_PER_INVOICE, Volumes, inflation


def plan_sales(
    *, spec: DivisionSpec, month: Month, parties: PartyBook, rates: RateTable, volumes: Volumes,
    rng: random.Random,
) -> list[InvoicePlan]:
    """The month's sales invoices of one division, in date order."""
    days = month.business_days()
    if not days:
        return []
    lines_options = list(LINES_PER_INVOICE)
    lines_weights = list(LINES_PER_INVOICE.values())
    products = spec.product_lines
    mix = [spec.product_mix[p.code] for p in products]
    price_factor = volumes.price_level[spec.code] * inflation(month)
    plans = []
    for _ in range(volumes.sales_count(spec.code, month, rng)):
        customer = parties.pick(spec.code, "customer", rng)
        day = rng.choice(days)
        rate = rates.rate(customer.currency, spec.currency, day)
        lines = []
        for _ in range(rng.choices(lines_options, weights=lines_weights)[0]):
            product = rng.choices(products, weights=mix)[0]
            list_price = Decimal(rng.randint(*product.price_cents)) / 100 * price_factor
            if customer.domestic_vat:
                vat_code: str | None = product.vat_code
            else:  # exports and intra-EU supplies from a Dutch division are zero-rated
                vat_code = "V0" if spec.charges_vat else None
            lines.append(PlanLine(
                account=product.account, quantity=Decimal(rng.randint(*product.quantity)),
                unit_price=money(list_price / rate), description=product.name,
                vat_code=vat_code, cost_centre="SALES", cost_unit=product.code,
            ))
        plans.append(InvoicePlan(
            division=spec.code, invoice_type="sales", party=customer, invoice_date=day,
            due_date=day + timedelta(days=customer.terms), currency=customer.currency,
            rate=rate, lines=lines, description=f"Sales {customer.name}",
        ))
    plans.sort(key=lambda p: p.invoice_date)
    return plans
