"""The rate rules shared by every place that resolves a document's exchange rate."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from transactional.errors import N_, ValidationError
from transactional.money import to_decimal


class DocumentRates:
    """``rate`` and ``document_rate`` over a source of reference rates.

    Subclasses say where a currency's reference rate on a day comes from (the session,
    the in-memory master data); the rules a clerk sees are the same everywhere.
    """

    def _reference_rate(self, currency: str, on: date, field: str) -> Decimal:
        raise NotImplementedError

    def rate(self, currency: str, base: str, on: date, *, field: str = "rate") -> Decimal:
        """Units of ``base`` per unit of ``currency`` on a date (latest rate on or before)."""
        if currency == base:
            return Decimal(1)
        return self._reference_rate(currency, on, field) / self._reference_rate(base, on, field)

    def document_rate(
        self, given: object, currency: str, base: str, on: date, *, field: str, label: str
    ) -> Decimal:
        """The rate a clerk typed for a foreign-currency document, else the day's rate."""
        if given in (None, "") or currency == base:
            return self.rate(currency, base, on, field=field)
        rate = to_decimal(given, field=field, label=label)
        if rate <= 0:
            raise ValidationError(N_("{label} must be positive."), field=field, label=label)
        return rate
