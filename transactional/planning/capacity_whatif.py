"""The capacity what-if: the load per work centre and week after moving or resizing
orders, from the mart's order-operation-week rows, without saving anything.

``fct_capacity_order_weeks`` already spreads each operation's remaining hours over the
working days of its order (docs/manufacturing.md §6), split into setup and run hours.
Moving an order by whole weeks moves each of its rows by the same weeks (the weekdays,
and so the spread, stay the same); resizing it scales its run hours and leaves its setup.
So the what-if only shifts and scales the mart's rows and sums them as
``mart_capacity_load`` does; it never spreads hours itself, and there is no second rule
to drift from the mart's. Saving an accepted what-if is
``transactional.manufacturing.capacity.reschedule_orders`` (same split of setup and run).

Hours are floats here: a chart of the load, not money; pandas/numpy keep a year of a
division (tens of thousands of rows) well inside the page's 300 ms.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

import numpy as np
import pandas as pd

LOAD_COLUMNS = (
    "work_centre_id",
    "work_centre_code",
    "week_start",
    "orders",
    "setup_hours",
    "run_hours",
    "load_hours",
    "available_hours",
    "utilisation_pct",
)


@dataclass(frozen=True)
class Move:
    """An order moved by ``shift_weeks`` (later when positive) and its run hours times
    ``scale`` (new quantity / old quantity)."""

    shift_weeks: int = 0
    scale: float | Decimal = 1.0


class Change(Protocol):
    """A what-if change as the page keeps it (``dashboards.writeback``'s PlanChange)."""

    @property
    def order_id(self) -> int: ...
    @property
    def shift_weeks(self) -> int: ...
    @property
    def quantity(self) -> Decimal: ...
    @property
    def new_quantity(self) -> Decimal | None: ...


def moves(changes: Iterable[Change]) -> dict[int, Move]:
    """The page's changes as moves: scale = new quantity / quantity."""
    out = {}
    for c in changes:
        scale = 1.0
        if c.new_quantity is not None and c.quantity:
            scale = float(Decimal(c.new_quantity) / Decimal(c.quantity))
        out[int(c.order_id)] = Move(int(c.shift_weeks or 0), scale)
    return out


def _hours(column: pd.Series) -> np.ndarray:
    # The warehouse gives decimals as Decimal objects: pd.to_numeric turns them to float.
    return pd.to_numeric(column, errors="coerce").fillna(0.0).to_numpy(dtype=float)


def load_by_week(rows: pd.DataFrame, changes: Mapping[int, Move]) -> pd.DataFrame:
    """Per work centre and week: orders, setup, run and load hours, after ``changes``.

    ``rows`` has the columns order_id, work_centre_id, week_start, setup_hours and
    run_hours (``fct_capacity_order_weeks``)."""
    order = rows["order_id"].to_numpy()
    week = pd.to_datetime(rows["week_start"]).to_numpy(dtype="datetime64[D]")
    setup = _hours(rows["setup_hours"])
    run = _hours(rows["run_hours"])
    if changes:
        ids = pd.Index(np.fromiter(changes.keys(), dtype=np.int64, count=len(changes)))
        shifts = np.array([m.shift_weeks for m in changes.values()], dtype=np.int64)
        scales = np.array([float(m.scale) for m in changes.values()], dtype=float)
        at = ids.get_indexer(order)
        hit = at >= 0
        week = week + np.where(hit, shifts[at] * 7, 0).astype("timedelta64[D]")
        run = run * np.where(hit, scales[at], 1.0)
    frame = pd.DataFrame(
        {
            "work_centre_id": rows["work_centre_id"].to_numpy(),
            "week_start": week,
            "order_id": order,
            "setup_hours": setup,
            "run_hours": run,
        }
    )
    grouped = frame.groupby(["work_centre_id", "week_start"], sort=True)
    out = grouped.agg(
        orders=("order_id", "nunique"),
        setup_hours=("setup_hours", "sum"),
        run_hours=("run_hours", "sum"),
    ).reset_index()
    out["load_hours"] = out["setup_hours"] + out["run_hours"]
    return out


def whatif_frame(
    weeks: pd.DataFrame, load: pd.DataFrame, changes: Iterable[Change] | Mapping[int, Move]
) -> pd.DataFrame:
    """``mart_capacity_load``'s rows as they would be after ``changes``: the columns of
    :data:`LOAD_COLUMNS`, every (work centre, week) the mart has (0 where the orders
    left) and the weeks the orders moved into; available hours per work centre from
    ``load``."""
    moved = changes if isinstance(changes, Mapping) else moves(changes)
    new = load_by_week(weeks, moved)
    centres = (
        load.groupby("work_centre_id", sort=False)
        .agg(
            work_centre_code=("work_centre_code", "first"),
            available_hours=("available_hours", "max"),
        )
        .reset_index()
    )
    now = pd.DataFrame(
        {
            "work_centre_id": load["work_centre_id"].to_numpy(),
            "week_start": pd.to_datetime(load["week_start"]).to_numpy(dtype="datetime64[D]"),
        }
    )
    keys = pd.concat([now, new[["work_centre_id", "week_start"]]]).drop_duplicates()
    out = keys.merge(new, on=["work_centre_id", "week_start"], how="left")
    out = out.fillna({"orders": 0, "setup_hours": 0.0, "run_hours": 0.0, "load_hours": 0.0})
    out["orders"] = out["orders"].astype("int64")
    out = out.merge(centres, on="work_centre_id", how="left")
    available = pd.to_numeric(out["available_hours"], errors="coerce").to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = np.where(available > 0, 100.0 * out["load_hours"].to_numpy() / available, np.nan)
    out["available_hours"] = available
    out["utilisation_pct"] = np.round(pct, 4)
    out = out.sort_values(["work_centre_code", "week_start"], kind="stable").reset_index(drop=True)
    out["week_start"] = _like(out["week_start"], load["week_start"])
    return out[list(LOAD_COLUMNS)]


def _like(values: pd.Series, model: pd.Series) -> Any:
    """``values`` (datetime64) as the dates of ``model`` are kept: datetime64 or dates."""
    if pd.api.types.is_datetime64_any_dtype(model):
        return pd.to_datetime(values)
    return pd.to_datetime(values).dt.date
