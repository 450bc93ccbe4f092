"""How the clerk forms word an order or an order line in a pick list: number, who or
what, quantity, date, with quantities and dates in the user's language.

The read layer (:mod:`transactional.reads`) hands over the parts; the wording lives here
because only the dashboards know the user's locale (2026-10-29 reads "29 oct. 2026" in
a French list).
"""

from __future__ import annotations

from dashboards.amounts import format_day
from transactional.reads.manufacturing_lookups import OrderView, SalesLineChoice
from transactional.reads.wholesale_lookups import OrderChoice


def order_label(order: OrderChoice) -> str:
    """An open sales or purchase order: number · customer or supplier · order date."""
    parts = (order.number, order.relation, format_day(order.order_date))
    return " · ".join(part for part in parts if part)


def production_order_label(order: OrderView) -> str:
    """A production order: number · item · quantity · due date."""
    return (
        f"{order.number} · {order.item_code} {order.item_name} · "
        f"{order.quantity.normalize():f} · {format_day(order.due_date)}"
    )


def sales_line_label(line: SalesLineChoice) -> str:
    """A sales order line to make for: order / line · customer · item and quantity left
    to deliver · wanted date."""
    return (
        f"{line.order_number} / {line.line_number} · {line.customer} · {line.item_code} "
        f"{line.open_quantity.normalize():f} · {format_day(line.wanted)}"
    )
