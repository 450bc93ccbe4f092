"""ABC classification of items or customers: select from the ABC marts with the user's
choices.

The rule (docs/wholesale.md, "ABC rule") lives in one place, the dbt macro
``abc_classify`` behind ``mart_abc_items`` and ``mart_abc_customers``. Those marts hold,
per division, window (the 12 months ending with a period, or the fiscal year to date
through it) and measure, every member's value, rank and the exact sum of the positive
values of all higher tie blocks (``value_before``) with the total they share
(``positive_total``). Here a query only picks one window and compares those stored sums
with the user's thresholds: ``before < a x total`` -> A, ``< (a + b) x total`` -> B, else C,
on exact DECIMALs, so a block whose share-before is exactly 0.95 is a C and not a B by a
float rounding error. Zero and negative values have every positive value before them, so
they come out C at any thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from dashboards.language import N_
from dashboards.warehouse import PublishedWarehouse

Measure = Literal["revenue", "margin", "quantity"]
Subject = Literal["items", "customers"]
Window = Literal["rolling_12m", "fiscal_ytd"]

# Labels are message ids, shown through ``_()``.
MEASURES: dict[str, str] = {
    "revenue": N_("Revenue"),
    "margin": N_("Margin"),
    "quantity": N_("Quantity"),
}
SUBJECTS: dict[str, str] = {"items": N_("Items"), "customers": N_("Customers")}
WINDOWS: dict[str, str] = {"rolling_12m": N_("12 months"), "fiscal_ytd": N_("Year to date")}
CLASSES = ("A", "B", "C")
DEFAULT_A = 0.80
DEFAULT_B = 0.15


@dataclass(frozen=True)
class _Source:
    """Where one subject's classes come from: the mart, its key and descriptive column."""

    mart: str
    key: str
    extra: str  # one descriptive column kept for the class table


_SOURCES = {
    "items": _Source("mart_abc_items", "item_id", "item_group_code"),
    "customers": _Source("mart_abc_customers", "relation_id", "country"),
}


@dataclass(frozen=True)
class AbcChoice:
    """What the user picked for one classification; hashable, so it keys the cache.

    The window ends with the sidebar's fiscal year and period: ``rolling_12m`` is the 12
    months ending with that period, ``fiscal_ytd`` the fiscal year through it.
    """

    division_ids: tuple[int, ...]
    fiscal_year: int
    period: int
    window: str = "rolling_12m"
    measure: str = "revenue"
    subject: str = "items"
    a: float = DEFAULT_A
    b: float = DEFAULT_B

    def __post_init__(self) -> None:
        if self.measure not in MEASURES:
            raise ValueError(f"measure must be one of {sorted(MEASURES)}, not {self.measure!r}")
        if self.subject not in SUBJECTS:
            raise ValueError(f"subject must be one of {sorted(SUBJECTS)}, not {self.subject!r}")
        if self.window not in WINDOWS:
            raise ValueError(f"window must be one of {sorted(WINDOWS)}, not {self.window!r}")
        if not (0 < self.a <= 1 and self.b >= 0 and self.a + self.b <= 1 + 1e-9):
            raise ValueError("thresholds need 0 < A <= 1, B >= 0 and A + B <= 1")
        if not 1 <= self.period <= 12:
            raise ValueError(f"period must be 1 to 12, not {self.period}")


def classify(wh: PublishedWarehouse, choice: AbcChoice) -> pd.DataFrame:
    """One row per item (customer) and division with its value, rank, shares and class.

    Columns: division_id, division_code, key (item_id / relation_id), code, name, the
    subject's extra column (item_group_code / country), value, rank, share,
    cumulative_share (running, in rank order), share_before (of the item's tie block),
    abc_class, window_start, window_end (the invoice dates the value covers). The shares
    are empty for zero or negative values. Ordered by division and rank.
    """
    src = _SOURCES[choice.subject]
    return wh.query(
        f"""
        select division_id, division_code, {src.key} as key, code, name, {src.extra},
               value::double as value, rank,
               case when value > 0 then share end::double as share,
               case when value > 0 then running_share end::double as cumulative_share,
               case when value > 0 then share_before end::double as share_before,
               case
                   when value_before < $a::decimal(9, 6) * positive_total then 'A'
                   when value_before < ($a::decimal(9, 6) + $b::decimal(9, 6)) * positive_total
                       then 'B'
                   else 'C'
               end as abc_class,
               window_start, window_end
        from {src.mart}
        where list_contains($divisions, division_id) and window_type = $window
          and fiscal_year = $year and period = $period and measure = $measure
        order by division_code, rank
        """,
        _params(choice),
    )


def _params(choice: AbcChoice) -> dict[str, Any]:
    return {
        "divisions": list(choice.division_ids),
        "window": choice.window,
        "year": choice.fiscal_year,
        "period": choice.period,
        "measure": choice.measure,
        # Rounded so 0.8 is 0.800000 as a DECIMAL, not 0.79999999999999993.
        "a": round(choice.a, 6),
        "b": round(choice.b, 6),
    }


def class_summary(classified: pd.DataFrame) -> pd.DataFrame:
    """Per class: how many, their value and their share of the count and of the value.

    Every class appears, with zeros when it is empty. The value share is of the positive
    total (zero and negative values share nothing, as in the rule).
    """
    positive = classified["value"].clip(lower=0)
    total_value = float(positive.sum())
    total_count = len(classified)
    rows = []
    for cls in CLASSES:
        members = classified["abc_class"] == cls
        count = int(members.sum())
        value = float(classified.loc[members, "value"].sum())
        rows.append(
            {
                "abc_class": cls,
                "count": count,
                "count_share": count / total_count if total_count else 0.0,
                "value": value,
                "value_share": float(positive[members].sum()) / total_value if total_value else 0.0,
            }
        )
    return pd.DataFrame(rows)


def documents(
    wh: PublishedWarehouse,
    choice: AbcChoice,
    division_id: int,
    key: int,
) -> pd.DataFrame:
    """The sales invoice lines behind one item's (customer's) value: the drill-down.

    The invoice dates of the classified window (the mart's window_start .. window_end);
    credit notes are negative. The sum of the measure column equals the classified value.
    """
    src = _SOURCES[choice.subject]
    return wh.query(
        f"""
        select l.document_number, l.invoice_date, l.customer_code, l.customer_name,
               l.item_code, l.item_name, l.quantity, l.revenue_base as revenue,
               l.margin_base as margin, l.order_number, l.salesperson_code
        from fct_sales_lines l
        join (
            select distinct window_start, window_end from {src.mart}
            where division_id = $division and {src.key} = $key and window_type = $window
              and fiscal_year = $year and period = $period
        ) w on l.invoice_date between w.window_start and w.window_end
        where l.division_id = $division and l.{src.key} = $key
        order by l.invoice_date, l.document_number, l.invoice_line_id
        """,
        {**_params(choice), "division": int(division_id), "key": int(key)},
    )
