"""Quantities as messages show them, and a document line split into its lots or serials.

Shared by the stock documents (transfers, counts) and the purchasing and sales documents
above them, so it lives in stock, below purchasing and sales.
"""

from __future__ import annotations

from decimal import Decimal

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
