"""Stock transfers between two warehouses of a division, at the average cost.

Each unit goes out of one warehouse and in at the other at exactly the value that went
out; the entry shows 'Stock <from>' credited and 'Stock <to>' debited on the stock account.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlmodel import Session

from transactional.dates import parse_date
from transactional.errors import N_, ValidationError
from transactional.finance.lookups import Lookups
from transactional.money import to_decimal
from transactional.numbering import next_number
from transactional.organisation.models import User
from transactional.stock.models import StockTransfer, StockTransferLine
from transactional.stock.movements import Movement, post_stock
from transactional.stock.tracking import units
from transactional.wholesale.items import find_item, find_warehouse


@dataclass
class TransferLineDraft:
    item: str | int
    quantity: Decimal | str
    lot: str | None = None
    serials: list[str] | None = field(default=None)


def transfer_stock(
    *,
    session: Session,
    user: User,
    division: str | int,
    from_warehouse: str | int,
    to_warehouse: str | int,
    transfer_date: date | str,
    lines: list[TransferLineDraft],
    description: str = "",
) -> StockTransfer:
    lookups = Lookups(session)
    div = lookups.division(division)
    assert div.id is not None
    lookups.require(user, "manage_stock", div.id)
    source = find_warehouse(session, div, from_warehouse, field="from_warehouse")
    target = find_warehouse(session, div, to_warehouse, field="to_warehouse")
    if source.id == target.id:
        raise ValidationError(
            N_("Pick two different warehouses to transfer between."), field="to_warehouse"
        )
    on = parse_date(transfer_date, field="transfer_date", label="Transfer date")
    lookups.period(div, on, field="transfer_date")
    if not lines:
        raise ValidationError(N_("A transfer needs at least one line."), field="lines")
    parts = []
    for n, d in enumerate(lines, start=1):
        where, f = f"Line {n}", f"lines.{n}"
        item = find_item(lookups, div, d.item, field=f"{f}.item")
        qty = to_decimal(d.quantity, field=f"{f}.quantity", label=f"{where}: quantity")
        if qty <= 0:
            raise ValidationError(
                N_("{where}: the quantity must be above zero."), field=f"{f}.quantity", where=where
            )
        for q, lot in units(item, qty, d.lot, d.serials, where=where, field=f):
            parts.append((n, f, item, q, lot))

    transfer = StockTransfer(
        division_id=div.id,
        number=next_number(session, div.id, "stock_transfer", on.year),
        transfer_date=on,
        from_warehouse_id=source.id or 0,
        to_warehouse_id=target.id or 0,
        description=description,
        created_by=user.id or 0,
    )
    session.add(transfer)
    session.flush()
    rows = [
        StockTransferLine(
            transfer_id=transfer.id or 0,
            line_number=i,
            item_id=item.id or 0,
            quantity=q,
            value=Decimal(0),
        )
        for i, (_, _, item, q, _) in enumerate(parts, start=1)
    ]
    session.add_all(rows)
    session.flush()
    stock = lookups.account_for_role(div, "inventory").id or 0
    movements = []
    for (n, f, item, q, lot), row in zip(parts, rows, strict=True):
        for kind, wh in (("transfer_out", source), ("transfer_in", target)):
            movements.append(
                Movement(
                    item=item,
                    warehouse=wh,
                    movement_type=kind,
                    quantity=q,
                    counter_account_id=stock,
                    lot_number=lot,
                    source_type="stock_transfer_line",
                    source_id=row.id,
                    where=f"Line {n}",
                    field=f,
                )
            )
    entry, moved = post_stock(
        session=session,
        user=user,
        lookups=lookups,
        division=div,
        on=on,
        action="manage_stock",
        document_number=transfer.number,
        description=description or f"Transfer {source.code} to {target.code}",
        movements=movements,
        entry_source_type="stock_transfer",
        entry_source_id=transfer.id,
    )
    for i, row in enumerate(rows):
        out = moved[2 * i]
        row.lot_id = out.lot_id
        row.value = -out.value
    transfer.entry_id = entry.id if entry is not None else None
    session.add_all([*rows, transfer])
    session.flush()
    return transfer
