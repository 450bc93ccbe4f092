"""Building blocks for the small manufacturing set-ups that the manufacturing tests add to
the test company (company.py), all in HOLD through the services: the SAW work centre, a
default BOM, and stock bought from S1 into warehouse MAIN."""

from __future__ import annotations

from sqlmodel import Session

from transactional.manufacturing import boms, work_centres
from transactional.manufacturing.boms import BomLineDraft, OperationDraft
from transactional.organisation.models import User
from transactional.purchasing import orders as purchase_orders
from transactional.purchasing import receipts
from transactional.purchasing.orders import PurchaseLineDraft, PurchaseOrderDraft
from transactional.purchasing.receipts import ReceiptLineDraft


def add_saw(s: Session, admin: User, *, machine_rate: str, efficiency_pct: str = "100") -> None:
    """Work centre SAW ("Saw"), labour 40.00 an hour."""
    work_centres.create_work_centre(
        session=s,
        user=admin,
        division="HOLD",
        code="SAW",
        name="Saw",
        labour_rate="40.00",
        machine_rate=machine_rate,
        efficiency_pct=efficiency_pct,
    )


def add_bom(
    s: Session,
    admin: User,
    item: str,
    lines: list[BomLineDraft],
    operations: list[OperationDraft] | None = None,
    batch_quantity: str = "1",
) -> None:
    """Version 1 of the item's BOM, its default, valid from 2025-01-01."""
    boms.create_bom(
        session=s,
        user=admin,
        division="HOLD",
        item=item,
        version="1",
        valid_from="2025-01-01",
        batch_quantity=batch_quantity,
        is_default=True,
        lines=lines,
        operations=operations or [],
    )


def buy(
    s: Session,
    admin: User,
    lines: list[PurchaseLineDraft],
    lots: dict[str, str] | None = None,
    on: str = "2025-03-01",
    serials: dict[str, list[str]] | None = None,
    expiries: dict[str, str] | None = None,
) -> None:
    """Orders the lines from S1 into MAIN and receives each in full the same day, under
    the lot ``lots`` gives for its item (if any), or the serial numbers ``serials``
    gives for it (one per unit, received in that order), with the expiry date
    ``expiries`` gives for it (if any)."""
    order = purchase_orders.create_purchase_order(
        session=s,
        user=admin,
        draft=PurchaseOrderDraft(
            division="HOLD", supplier="S1", warehouse="MAIN", order_date=on, lines=lines
        ),
    )
    received = [
        ReceiptLineDraft(
            line.id or 0,
            draft.quantity,
            lot=(lots or {}).get(str(draft.item)),
            serials=(serials or {}).get(str(draft.item)),
            expiry_date=(expiries or {}).get(str(draft.item)),
        )
        for line, draft in zip(purchase_orders.order_lines(s, order.id), lines, strict=True)
    ]
    receipts.receive(session=s, user=admin, order_id=order.id or 0, receipt_date=on, lines=received)
