"""ABC classification of items or customers, computed in DuckDB for the user's choices.

The rule is docs/wholesale.md, "ABC rule": within a division, for one measure over the
chosen months, sort by value descending (ties by code). Only positive values share the
total; zero or negative values are class C. Ties form one block and every member gets the
block's class. The share *before* a block (the cumulative share of all higher blocks)
decides: below ``a`` -> A, below ``a + b`` -> B, else C, so the item that crosses the A
threshold is still an A.

One aggregate query over ``mart_item_sales_monthly`` (items) or ``mart_sales_monthly``
(customers). The comparison with the thresholds is done on exact DECIMAL sums
(``before < a * total``), so a block whose share-before is exactly 0.95 is a C, as the rule
says, and not a B by a float rounding error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from dashboards.warehouse import PublishedWarehouse

Measure = Literal["revenue", "margin", "quantity"]
Subject = Literal["items", "customers"]

MEASURES: dict[str, str] = {"revenue": "Revenue", "margin": "Margin", "quantity": "Quantity"}
SUBJECTS: dict[str, str] = {"items": "Items", "customers": "Customers"}
CLASSES = ("A", "B", "C")
DEFAULT_A = 0.80
DEFAULT_B = 0.15


@dataclass(frozen=True)
class _Source:
    """Where one subject's values come from: the mart and its key, code, name columns."""

    mart: str
    key: str
    code: str
    name: str
    extra: str  # one descriptive column kept for the class table


_SOURCES = {
    "items": _Source(
        "mart_item_sales_monthly", "item_id", "item_code", "item_name", "item_group_code"
    ),
    "customers": _Source(
        "mart_sales_monthly", "relation_id", "customer_code", "customer_name", "country"
    ),
}


@dataclass(frozen=True)
class AbcChoice:
    """What the user picked for one classification; hashable, so it keys the cache."""

    division_ids: tuple[int, ...]
    from_month: int  # year * 100 + month, inclusive
    to_month: int  # year * 100 + month, inclusive
    measure: str = "revenue"
    subject: str = "items"
    a: float = DEFAULT_A
    b: float = DEFAULT_B
    in_group_currency: bool = False

    def __post_init__(self) -> None:
        if self.measure not in MEASURES:
            raise ValueError(f"measure must be one of {sorted(MEASURES)}, not {self.measure!r}")
        if self.subject not in SUBJECTS:
            raise ValueError(f"subject must be one of {sorted(SUBJECTS)}, not {self.subject!r}")
        if not (0 < self.a <= 1 and self.b >= 0 and self.a + self.b <= 1 + 1e-9):
            raise ValueError("thresholds need 0 < A <= 1, B >= 0 and A + B <= 1")
        if self.from_month > self.to_month:
            raise ValueError("the period starts after it ends")

    @property
    def measure_column(self) -> str:
        if self.measure == "quantity":
            return "quantity"
        return f"{self.measure}_{'group' if self.in_group_currency else 'base'}"


def month_key(year: int, month: int) -> int:
    """``(2025, 3)`` -> ``202503``: how the period bounds are passed."""
    return year * 100 + month


def classify(wh: PublishedWarehouse, choice: AbcChoice) -> pd.DataFrame:
    """One row per item (customer) and division with its value, rank, shares and class.

    Columns: division_id, division_code, key (item_id / relation_id), code, name, the
    subject's extra column (item_group_code / country), value, rank, share,
    cumulative_share (running, in rank order), share_before (of the item's tie block),
    abc_class. ``share`` and the cumulative shares are empty for zero or negative values.
    Ordered by division and rank.
    """
    src = _SOURCES[choice.subject]
    m = choice.measure_column
    return wh.query(
        f"""
        with totals as (
            select division_id, max(division_code) as division_code, {src.key} as key,
                   max({src.code}) as code, max({src.name}) as name,
                   max({src.extra}) as {src.extra}, sum({m})::decimal(38, 8) as value
            from {src.mart}
            where list_contains($divisions, division_id)
              and year * 100 + month between $from_month and $to_month
            group by division_id, {src.key}
        ),
        ranked as (
            select *,
                   case when value > 0 then value else 0 end as positive,
                   row_number() over (partition by division_id order by value desc, code)
                       as rank,
                   -- all of the item's tie block and every block above it (RANGE: peers)
                   sum(case when value > 0 then value else 0 end) over (
                       partition by division_id order by value desc
                       range between unbounded preceding and current row
                   ) as through_block,
                   sum(case when value > 0 then value else 0 end) over (
                       partition by division_id, value
                   ) as block_value,
                   sum(case when value > 0 then value else 0 end) over (
                       partition by division_id
                   ) as total,
                   sum(case when value > 0 then value else 0 end) over (
                       partition by division_id order by value desc, code
                       rows between unbounded preceding and current row
                   ) as running
            from totals
        )
        select division_id, division_code, key, code, name,
               {src.extra}, value::double as value, rank,
               case when value > 0 then value / total end::double as share,
               case when value > 0 then running / total end::double as cumulative_share,
               case when value > 0 then (through_block - block_value) / total end::double
                   as share_before,
               case
                   when value <= 0 then 'C'
                   when through_block - block_value < $a::decimal(9, 6) * total then 'A'
                   when through_block - block_value
                        < ($a::decimal(9, 6) + $b::decimal(9, 6)) * total then 'B'
                   else 'C'
               end as abc_class
        from ranked
        order by division_code, rank
        """,
        _params(choice),
    )


def _params(choice: AbcChoice) -> dict[str, Any]:
    return {
        "divisions": list(choice.division_ids),
        "from_month": choice.from_month,
        "to_month": choice.to_month,
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

    Same months and divisions as the classification; credit notes are negative. The sum of
    the measure column equals the classified value.
    """
    column = "item_id" if choice.subject == "items" else "relation_id"
    s = "group" if choice.in_group_currency else "base"
    return wh.query(
        f"""
        select document_number, invoice_date, customer_code, customer_name, item_code,
               item_name, quantity, revenue_{s} as revenue, margin_{s} as margin,
               order_number, salesperson_code
        from fct_sales_lines
        where division_id = $division and {column} = $key
          and year * 100 + month between $from_month and $to_month
        order by invoice_date, document_number, invoice_line_id
        """,
        {**_params(choice), "division": int(division_id), "key": int(key)},
    )
