"""Quantities as messages show them, a document line split into its lots or serials, and
a line's lot expiry date as typed.

Shared by the stock documents (transfers, counts) and the purchasing and sales documents
above them, so it lives in stock, below purchasing and sales.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from transactional.dates import parse_date
from transactional.errors import N_, ValidationError
from transactional.wholesale.models import Item


def qty_text(q: Decimal) -> str:
    """A quantity as a clerk writes it: 10, 2.5."""
    return f"{q.normalize():f}"


def units(
    item: Item, qty: Decimal, lot: str | None, serials: list[str] | None, *, where: str, field: str
) -> list[tuple[Decimal, str | None]]:
    """Split a line into (quantity, lot or serial) parts: one per serial, else one."""
    if item.tracking != "serial":
        if serials:
            raise ValidationError(
                N_("{where}: item {item} has no serial numbers; leave them empty."),
                field=f"{field}.serials",
                where=where,
                item=item.code,
            )
        return [(qty, lot)]
    numbers = [str(s).strip() for s in serials or [] if str(s).strip()]
    if Decimal(len(numbers)) != qty:
        raise ValidationError(
            N_(
                "{where}: item {item} is tracked by serial number; enter one serial number per "
                "unit ({qty} units, {count} serial numbers)."
            ),
            field=f"{field}.serials",
            where=where,
            item=item.code,
            qty=qty_text(qty),
            count=len(numbers),
        )
    dupes = sorted({s for s in numbers if numbers.count(s) > 1})
    if dupes:
        raise ValidationError(
            N_("{where}: serial number {serial} is entered twice."),
            field=f"{field}.serials",
            where=where,
            serial=dupes[0],
        )
    return [(Decimal(1), s) for s in numbers]


def typed_expiry(value: date | str | None, *, field: str, label: str) -> date | None:
    """A lot's expiry date: a date, or text as typed (``2026-12-31``, ``31-12-2026``);
    None when left empty. Refused, quoting ``label``, when it is no date."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_date(value, field=field, label=label)
