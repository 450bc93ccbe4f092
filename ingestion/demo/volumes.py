"""How much the demo company trades: invoice counts per division and month, and sizes.

``scale`` sets the total number of journal lines (about a million at 1.0): the monthly
entries (payroll, rent, depreciation...) are a fixed cost per division and month, the
rest is spread over sales invoices by division weight, season and growth. Fixed costs
are sized from expected, not realised, sales, so they do not jitter with the dice.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal

from ingestion.demo.company import DIVISIONS, SPECS
from ingestion.demo.rates import RateTable
from ingestion.demo.timeline import SEASON, Month

LINES_PER_SCALE = 1_000_000
# Journal lines per sales invoice including its payments and the purchases it drives,
# and lines of the fixed monthly entries per division; both measured on generated data.
LINES_PER_SALE = 9.2
FIXED_LINES_PER_DIVISION_MONTH = 38
MIN_SALES_PER_MONTH = 3
# Weights of the number of lines on a sales invoice (a wholesaler's order has several).
LINES_PER_INVOICE = {1: 12, 2: 16, 3: 18, 4: 16, 5: 12, 6: 10, 7: 8, 8: 8}
PRICE_INFLATION = Decimal("1.03")


@dataclass(frozen=True)
class Volumes:
    expected: dict[tuple[str, int], float]  # (division, month index) -> sales invoices
    price_level: dict[str, Decimal]  # division -> base-currency units per euro of list price

    def sales_count(self, division: str, month: Month, rng: random.Random) -> int:
        """Expected count rounded at random, so totals stay proportional at any scale."""
        expected = self.expected[(division, month.index)]
        whole = int(expected)
        return whole + (1 if rng.random() < expected - whole else 0)

    def monthly_revenue(self, division: str, month: Month) -> Decimal:
        """Expected sales excl. VAT of a full month without season, in base currency."""
        count = Decimal(self.expected[(division, month.index)])
        season = Decimal(SEASON[month.month - 1]) * Decimal(month.share_active)
        value = mean_invoice_value_eur(division) * self.price_level[division]
        return (count / season * value * inflation(month)).quantize(Decimal("0.01"))


def inflation(month: Month) -> Decimal:
    return PRICE_INFLATION ** (month.index // 12)


def mean_invoice_value_eur(division: str) -> Decimal:
    spec = SPECS[division]
    lines = sum(n * w for n, w in LINES_PER_INVOICE.items()) / sum(LINES_PER_INVOICE.values())
    per_line = sum(p.mean_value_eur * spec.product_mix[p.code] for p in spec.product_lines)
    return Decimal(str(round(lines * per_line, 2)))


def _growth(rate: float, month: Month) -> float:
    # Compound per whole year, linear within the year: plain IEEE arithmetic, no pow().
    factor = 1.0
    for _ in range(month.index // 12):
        factor *= 1.0 + rate
    return factor * (1.0 + rate * (month.month - 1) / 12)


def plan_volumes(scale: float, months: list[Month], rates: RateTable) -> Volumes:
    weights: dict[tuple[str, int], float] = {}
    for spec in DIVISIONS:
        for m in months:
            weights[(spec.code, m.index)] = (
                spec.weight * SEASON[m.month - 1] * _growth(spec.growth, m) * m.share_active
            )
    active = sum(m.share_active for m in months) * len(DIVISIONS)
    variable_lines = max(0.0, LINES_PER_SCALE * scale - FIXED_LINES_PER_DIVISION_MONTH * active)
    total_sales = variable_lines / LINES_PER_SALE
    total_weight = sum(weights.values())
    shares = {m.index: m.share_active for m in months}
    expected = {
        key: max(MIN_SALES_PER_MONTH * shares[key[1]], total_sales * w / total_weight)
        for key, w in weights.items()
    }
    start = months[0].first
    # List prices are in euros; foreign divisions convert them once, at the opening rate.
    price_level = {
        spec.code: (Decimal(1) / rates.to_reference(spec.currency, start)).quantize(Decimal("1e-6"))
        for spec in DIVISIONS
    }
    return Volumes(expected=expected, price_level=price_level)
