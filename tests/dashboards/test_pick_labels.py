"""The clerk forms' pick lists word orders with the date in the user's language."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from dashboards.forms.pick_labels import order_label, production_order_label, sales_line_label
from dashboards.language import use_locale
from transactional.reads.manufacturing_lookups import OrderView, SalesLineChoice
from transactional.reads.wholesale_lookups import OrderChoice

ORDER = OrderChoice(7, "SO2026-00012", "C00001 Bakkerij Jansen", date(2026, 10, 29))
LINE = SalesLineChoice(3, "SO2026-00012", 2, "C00001", "TABLE", Decimal("6.000"), date(2026, 11, 5))
MADE = OrderView(
    9, "MO-2026-00004", "released", "TABLE", "Oak table", Decimal("10.000"),
    Decimal("0"), date(2026, 10, 1), date(2026, 10, 29), False, "none",
)  # fmt: skip


@pytest.mark.parametrize(
    ("locale", "order", "line", "made"),
    [
        (
            "en",
            "SO2026-00012 · C00001 Bakkerij Jansen · Oct 29, 2026",
            "SO2026-00012 / 2 · C00001 · TABLE 6 · Nov 5, 2026",
            "MO-2026-00004 · TABLE Oak table · 10 · Oct 29, 2026",
        ),
        (
            "fr",
            "SO2026-00012 · C00001 Bakkerij Jansen · 29 oct. 2026",
            "SO2026-00012 / 2 · C00001 · TABLE 6 · 5 nov. 2026",
            "MO-2026-00004 · TABLE Oak table · 10 · 29 oct. 2026",
        ),
        (
            "nl",
            "SO2026-00012 · C00001 Bakkerij Jansen · 29 okt 2026",
            "SO2026-00012 / 2 · C00001 · TABLE 6 · 5 nov 2026",
            "MO-2026-00004 · TABLE Oak table · 10 · 29 okt 2026",
        ),
    ],
)
def test_pick_lists_show_dates_in_the_users_language(
    locale: str, order: str, line: str, made: str
) -> None:
    with use_locale(locale):
        assert order_label(ORDER) == order
        assert sales_line_label(LINE) == line
        assert production_order_label(MADE) == made


def test_an_order_without_a_date_shows_no_date() -> None:
    assert order_label(OrderChoice(1, "PO-1", "S1 Supplier", None)) == "PO-1 · S1 Supplier"
