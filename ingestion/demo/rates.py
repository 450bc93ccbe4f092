"""Daily exchange rates: a deterministic random walk of USD and GBP against the euro.

Levels are integers in millionths of a euro so the walk is exact on every platform
(no float rounding and no libm calls that could differ between machines).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

REFERENCE_CURRENCY = "EUR"
CURRENCIES: dict[str, str] = {"EUR": "Euro", "USD": "US dollar", "GBP": "Pound sterling"}
# Start level and long-run mean, in millionths of a euro per unit.
_WALKS: dict[str, tuple[int, int]] = {"USD": (920_000, 880_000), "GBP": (1_160_000, 1_190_000)}
_DAILY_STEP = 2_500  # about 0.25 % a day at most
_PULL = 200  # the gap to the mean closes by 1/200 a day: rates wander but stay plausible
_RATE_QUANTUM = Decimal("1e-8")  # the scale of rate columns


@dataclass(frozen=True)
class RateTable:
    """Rates per calendar day from ``start``; days after the last reuse the last rate."""

    start: date
    levels: dict[str, list[int]]

    def to_reference(self, currency: str, day: date) -> Decimal:
        """Euros per unit of ``currency`` on ``day``."""
        if currency == REFERENCE_CURRENCY:
            return Decimal(1)
        series = self.levels[currency]
        index = min(max((day - self.start).days, 0), len(series) - 1)
        return Decimal(series[index]).scaleb(-6)

    def rate(self, currency: str, base: str, day: date) -> Decimal:
        """Units of ``base`` per unit of ``currency``, at the 8 decimals the ledger stores."""
        if currency == base:
            return Decimal(1)
        cross = self.to_reference(currency, day) / self.to_reference(base, day)
        return cross.quantize(_RATE_QUANTUM, rounding=ROUND_HALF_UP)

    def rows(self) -> list[tuple[str, date, Decimal]]:
        """One row per currency and day, the reference currency at 1 (for warehouse joins)."""
        days = len(next(iter(self.levels.values())))
        result: list[tuple[str, date, Decimal]] = []
        for code in CURRENCIES:
            for n in range(days):
                day = self.start + timedelta(days=n)
                result.append((code, day, self.to_reference(code, day)))
        return result


def random_walk(seed: int, start: date, end: date) -> RateTable:
    """Mean-reverting daily walk per currency from ``start`` to ``end`` inclusive."""
    days = (end - start).days + 1
    levels: dict[str, list[int]] = {}
    for code, (level, mean) in _WALKS.items():
        rng = random.Random(f"{seed}/rates/{code}")
        series = []
        for _ in range(days):
            series.append(level)
            level += rng.randint(-_DAILY_STEP, _DAILY_STEP) + (mean - level) // _PULL
        levels[code] = series
    return RateTable(start=start, levels=levels)
