"""How far an order line is fulfilled: what is left to bill, and when an order is done.

Below the order, delivery, invoicing and return services, which all close orders.
"""

from __future__ import annotations

from decimal import Decimal

from transactional.sales.models import SalesOrder, SalesOrderLine


def billable(line: SalesOrderLine) -> Decimal:
    """Units delivered and kept but not yet (net) invoiced."""
    return (line.quantity_delivered - line.quantity_returned) - (
        line.quantity_invoiced - line.quantity_credited
    )


def close_if_done(order: SalesOrder, lines: list[SalesOrderLine]) -> None:
    """Close an open order when everything ordered is delivered and what was kept is
    invoiced (net of returns and credit notes)."""
    if order.status != "order":
        return
    if all(ln.quantity_delivered >= ln.quantity and billable(ln) == 0 for ln in lines):
        order.status = "closed"
