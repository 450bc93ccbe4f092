"""The manufacturing marts of a contract warehouse (docs/manufacturing.md section 8), with
hand-worked rows, so the Manufacturing page's tests know every figure.

Division UK (id 2, GBP) of the contract warehouse manufactures; HOLD (id 1) does not.

Product P1 (standard per unit: material 45, labour 18, machine 10, overhead 5 = 78):
- MO-2025-00001 (order 1): 10 made, due 1 March 2025, completed 5 March (4 days late),
  closed 6 March. Actual: material 500 (C1: 50 issued against 45 standard at 10), labour
  200 (10 h), machine 100 (5 h), overhead 50; completion -780; variances material 50,
  labour 20 (posted -70 at close), WIP 0 after it.
- MO-2025-00002 (order 2): 10 made in June, on time, exactly at standard (780).
- MO-2024-00001 (order 3): last year, 10 made in February 2024, on time; material 440 (C1
  44 against 45: a saving of 1 unit, -10), the rest at standard: variance -10.
- MO-2025-00003 (order 4): released, 300 of C1 issued on 10 November 2025: WIP 300 at the
  end of November and December. Its operation 10 on WC1 has 20 hours left, spread over
  its two weeks (29 Dec 2025 - 9 Jan 2026): 10 and 10.
- MO-2026-00001 (order 5): planned, 1 setup + 14 run hours a week on WC1 in the weeks of
  5 and 12 January 2026 (30 hours left).

So, through December 2025 against 2024: output 1,560 against 780, cost variance 70
against -10, material loss 50 / 900 = 5.56 % against -10 / 450 = -2.22 %, on time 50 %
against 100 %, WIP 300 against 0. Capacity of WC1 (40 hours a week): 10, 25, 15 hours in
the weeks of 29 December, 5 and 12 January. MRP's latest run advises buying 40 C1 by 2
January 2026 (late) for the sales order SO-2025-0007 of Customer One (through the make
advice for 20 P1), and making those 20 P1.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pandas as pd

UK = 2
D = Decimal

# (name, duckdb type) per mart, the contract's columns in order.
MONEY, QTY, UNIT, ID = "decimal(18,2)", "decimal(19,8)", "decimal(19,4)", "bigint"
_DIV = [("division_id", ID), ("division_code", "varchar")]

COLUMNS: dict[str, list[tuple[str, str]]] = {
    "dim_work_centres": [
        *_DIV,
        ("work_centre_id", ID),
        ("work_centre_code", "varchar"),
        ("work_centre_name", "varchar"),
        ("labour_rate", MONEY),
        ("machine_rate", MONEY),
        ("efficiency_pct", UNIT),
        ("hours_per_week", QTY),
        ("is_active", "boolean"),
    ],
    "fct_production_transactions": [
        *_DIV,
        ("production_transaction_id", ID),
        ("order_id", ID),
        ("order_number", "varchar"),
        ("order_status", "varchar"),
        ("product_item_id", ID),
        ("product_item_code", "varchar"),
        ("transaction_date", "date"),
        ("month_start", "date"),
        ("year", "integer"),
        ("month", "integer"),
        ("kind", "varchar"),
        ("cost_type", "varchar"),
        ("item_id", ID),
        ("item_code", "varchar"),
        ("operation_id", ID),
        ("work_centre_id", ID),
        ("work_centre_code", "varchar"),
        ("quantity", QTY),
        ("hours", QTY),
        ("value_base", MONEY),
        ("stock_movement_id", ID),
        ("entry_id", ID),
    ],
    "mart_production_costs": [
        *_DIV,
        ("month_start", "date"),
        ("year", "integer"),
        ("month", "integer"),
        ("item_id", ID),
        ("item_code", "varchar"),
        ("item_name", "varchar"),
        ("cost_type", "varchar"),
        ("cost_type_order", "integer"),
        ("orders", ID),
        ("quantity_completed", QTY),
        ("standard_cost", MONEY),
        ("actual_cost", MONEY),
        ("variance", MONEY),
        ("standard_unit_cost", UNIT),
        ("actual_unit_cost", UNIT),
        ("hours", QTY),
    ],
    "mart_production_variances": [
        *_DIV,
        ("order_id", ID),
        ("order_number", "varchar"),
        ("item_id", ID),
        ("item_code", "varchar"),
        ("item_name", "varchar"),
        ("closed_on", "date"),
        ("month_start", "date"),
        ("year", "integer"),
        ("month", "integer"),
        ("quantity", QTY),
        ("quantity_completed", QTY),
        ("cost_type", "varchar"),
        ("cost_type_order", "integer"),
        ("standard_unit_cost", UNIT),
        ("standard_cost", MONEY),
        ("actual_cost", MONEY),
        ("variance", MONEY),
        ("variance_pct", UNIT),
        ("variance_posted", MONEY),
        ("hours", QTY),
    ],
    "mart_material_loss": [
        *_DIV,
        ("order_id", ID),
        ("order_number", "varchar"),
        ("order_status", "varchar"),
        ("item_id", ID),
        ("item_code", "varchar"),
        ("completed_on", "date"),
        ("month_start", "date"),
        ("year", "integer"),
        ("month", "integer"),
        ("material_id", ID),
        ("line_number", "integer"),
        ("component_id", ID),
        ("component_code", "varchar"),
        ("component_name", "varchar"),
        ("scrap_pct", UNIT),
        ("planned_quantity", QTY),
        ("standard_quantity", QTY),
        ("planned_scrap_quantity", QTY),
        ("issued_quantity", QTY),
        ("loss_quantity", QTY),
        ("unit_cost", UNIT),
        ("planned_value", MONEY),
        ("issued_value", MONEY),
        ("loss_value", MONEY),
        ("loss_pct", UNIT),
    ],
    "mart_production_lead_times": [
        *_DIV,
        ("order_id", ID),
        ("order_number", "varchar"),
        ("status", "varchar"),
        ("item_id", ID),
        ("item_code", "varchar"),
        ("item_name", "varchar"),
        ("quantity", QTY),
        ("quantity_completed", QTY),
        ("start_date", "date"),
        ("due_date", "date"),
        ("released_on", "date"),
        ("completed_on", "date"),
        ("closed_on", "date"),
        ("month_start", "date"),
        ("year", "integer"),
        ("month", "integer"),
        ("planned_days", ID),
        ("actual_days", ID),
        ("days_late", ID),
        ("is_completed", "boolean"),
        ("is_on_time", "boolean"),
    ],
    "mart_wip_position": [
        *_DIV,
        ("year", "integer"),
        ("period", "integer"),
        ("period_end", "date"),
        ("valuation_date", "date"),
        ("open_orders", ID),
        ("wip_transactions_base", MONEY),
        ("wip_ledger_base", MONEY),
        ("difference_base", MONEY),
    ],
    "mart_mrp_advice": [
        *_DIV,
        ("advice_id", ID),
        ("run_id", ID),
        ("run_start_date", "date"),
        ("bucket", "varchar"),
        ("item_id", ID),
        ("item_code", "varchar"),
        ("item_name", "varchar"),
        ("action", "varchar"),
        ("quantity", QTY),
        ("order_date", "date"),
        ("due_date", "date"),
        ("status", "varchar"),
        ("is_late", "boolean"),
        ("days_late", ID),
        ("supplier_id", ID),
        ("supplier_name", "varchar"),
        ("purchase_order_id", ID),
        ("production_order_id", ID),
        ("root_count", ID),
        ("root_demands", "varchar"),
    ],
    "mart_mrp_pegging": [
        *_DIV,
        ("peg_id", ID),
        ("advice_id", ID),
        ("run_id", ID),
        ("item_id", ID),
        ("item_code", "varchar"),
        ("action", "varchar"),
        ("advice_quantity", QTY),
        ("order_date", "date"),
        ("due_date", "date"),
        ("is_late", "boolean"),
        ("demand_type", "varchar"),
        ("demand_id", ID),
        ("demand_date", "date"),
        ("quantity", QTY),
        ("parent_advice_id", ID),
        ("demand_item_id", ID),
        ("demand_item_code", "varchar"),
        ("demand_document_number", "varchar"),
        ("root_type", "varchar"),
        ("root_id", ID),
        ("root_item_code", "varchar"),
        ("root_document_number", "varchar"),
        ("sales_order_id", ID),
        ("sales_order_number", "varchar"),
        ("sales_order_line_id", ID),
        ("customer_id", ID),
        ("customer_name", "varchar"),
    ],
    "fct_capacity_order_weeks": [
        *_DIV,
        ("order_id", ID),
        ("order_number", "varchar"),
        ("order_status", "varchar"),
        ("item_id", ID),
        ("item_code", "varchar"),
        ("order_quantity", QTY),
        ("start_date", "date"),
        ("due_date", "date"),
        ("operation_id", ID),
        ("sequence", "integer"),
        ("work_centre_id", ID),
        ("work_centre_code", "varchar"),
        ("week_start", "date"),
        ("working_days", "integer"),
        ("order_working_days", "integer"),
        ("planned_hours", QTY),
        ("booked_hours", QTY),
        ("remaining_hours", QTY),
        ("setup_hours", QTY),
        ("run_hours", QTY),
        ("hours", QTY),
    ],
    "mart_capacity_load": [
        *_DIV,
        ("work_centre_id", ID),
        ("work_centre_code", "varchar"),
        ("work_centre_name", "varchar"),
        ("week_start", "date"),
        ("orders", ID),
        ("setup_hours", QTY),
        ("run_hours", QTY),
        ("load_hours", QTY),
        ("available_hours", QTY),
        ("utilisation_pct", UNIT),
    ],
}

P1, C1 = 11, 12  # item ids
WC1, WC2 = 1, 2
# Order ids: as a fresh ledger numbers the orders a test creates in this order.
ORDER_2025_1, ORDER_2025_2, ORDER_2024, ORDER_OPEN, ORDER_PLANNED = 1, 2, 3, 4, 5
NUMBERS = {
    ORDER_2025_1: "MO-2025-00001",
    ORDER_2025_2: "MO-2025-00002",
    ORDER_2024: "MO-2024-00001",
    ORDER_OPEN: "MO-2025-00003",
    ORDER_PLANNED: "MO-2026-00001",
}
STANDARD = {
    "material": D(45),
    "labour": D(18),
    "machine": D(10),
    "outsourced": D(0),
    "overhead": D(5),
}
COST_ORDER = {"material": 1, "labour": 2, "machine": 3, "outsourced": 4, "overhead": 5}


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _transactions() -> list[tuple]:
    rows: list[tuple] = []

    def add(
        order: int,
        status: str,
        on: date,
        kind: str,
        cost_type: str | None,
        value: str,
        **kw: object,
    ) -> None:
        rows.append(
            (
                UK,
                "UK",
                len(rows) + 1,
                order,
                NUMBERS[order],
                status,
                P1,
                "P1",
                on,
                _month_start(on),
                on.year,
                on.month,
                kind,
                cost_type,
                kw.get("item_id"),
                kw.get("item_code"),
                kw.get("operation_id"),
                kw.get("work_centre_id"),
                kw.get("work_centre_code"),
                D(str(kw.get("quantity", 0))),
                D(str(kw.get("hours", 0))),
                D(value),
                None,
                None,
            )
        )

    c1 = {"item_id": C1, "item_code": "C1"}
    op = {"operation_id": 1, "work_centre_id": WC1, "work_centre_code": "WC1"}
    # MO-2025-00001: over on material and labour.
    add(
        ORDER_2025_1,
        "closed",
        date(2025, 2, 10),
        "material_issue",
        "material",
        "500",
        quantity=50,
        **c1,
    )
    add(ORDER_2025_1, "closed", date(2025, 2, 20), "labour", "labour", "200", hours=10, **op)
    add(ORDER_2025_1, "closed", date(2025, 2, 20), "machine", "machine", "100", hours=5, **op)
    add(ORDER_2025_1, "closed", date(2025, 3, 5), "overhead", "overhead", "50")
    add(
        ORDER_2025_1,
        "closed",
        date(2025, 3, 5),
        "completion",
        None,
        "-780",
        quantity=10,
        item_id=P1,
        item_code="P1",
    )
    add(ORDER_2025_1, "closed", date(2025, 3, 6), "variance", "material", "-50")
    add(ORDER_2025_1, "closed", date(2025, 3, 6), "variance", "labour", "-20")
    # MO-2025-00002: exactly at standard.
    add(
        ORDER_2025_2,
        "closed",
        date(2025, 6, 2),
        "material_issue",
        "material",
        "450",
        quantity=45,
        **c1,
    )
    add(ORDER_2025_2, "closed", date(2025, 6, 3), "labour", "labour", "180", hours=9, **op)
    add(ORDER_2025_2, "closed", date(2025, 6, 3), "machine", "machine", "100", hours=5, **op)
    add(ORDER_2025_2, "closed", date(2025, 6, 10), "overhead", "overhead", "50")
    add(
        ORDER_2025_2,
        "closed",
        date(2025, 6, 10),
        "completion",
        None,
        "-780",
        quantity=10,
        item_id=P1,
        item_code="P1",
    )
    # MO-2024-00001: a unit of C1 saved.
    add(
        ORDER_2024,
        "closed",
        date(2024, 2, 5),
        "material_issue",
        "material",
        "440",
        quantity=44,
        **c1,
    )
    add(ORDER_2024, "closed", date(2024, 2, 6), "labour", "labour", "180", hours=9, **op)
    add(ORDER_2024, "closed", date(2024, 2, 6), "machine", "machine", "100", hours=5, **op)
    add(ORDER_2024, "closed", date(2024, 2, 20), "overhead", "overhead", "50")
    add(
        ORDER_2024,
        "closed",
        date(2024, 2, 20),
        "completion",
        None,
        "-780",
        quantity=10,
        item_id=P1,
        item_code="P1",
    )
    add(ORDER_2024, "closed", date(2024, 2, 21), "variance", "material", "10")
    # MO-2025-00003: open, holding 300.
    add(
        ORDER_OPEN,
        "released",
        date(2025, 11, 10),
        "material_issue",
        "material",
        "300",
        quantity=30,
        **c1,
    )
    return rows


HOURS = {
    ORDER_2025_1: {"labour": D(10), "machine": D(5)},
    ORDER_2025_2: {"labour": D(9), "machine": D(5)},
    ORDER_2024: {"labour": D(9), "machine": D(5)},
}


def _variances() -> list[tuple]:
    actual = {
        ORDER_2025_1: {"material": D(500), "labour": D(200), "machine": D(100), "overhead": D(50)},
        ORDER_2025_2: {"material": D(450), "labour": D(180), "machine": D(100), "overhead": D(50)},
        ORDER_2024: {"material": D(440), "labour": D(180), "machine": D(100), "overhead": D(50)},
    }
    closed = {
        ORDER_2025_1: date(2025, 3, 6),
        ORDER_2025_2: date(2025, 6, 10),
        ORDER_2024: date(2024, 2, 21),
    }
    rows = []
    for order, costs in actual.items():
        on = closed[order]
        for cost_type, unit in STANDARD.items():
            standard = unit * 10
            spent = costs.get(cost_type, D(0))
            variance = spent - standard
            rows.append(
                (
                    UK,
                    "UK",
                    order,
                    NUMBERS[order],
                    P1,
                    "P1",
                    "Product one",
                    on,
                    _month_start(on),
                    on.year,
                    on.month,
                    D(10),
                    D(10),
                    cost_type,
                    COST_ORDER[cost_type],
                    unit,
                    standard,
                    spent,
                    variance,
                    (100 * variance / standard) if standard else None,
                    variance,
                    HOURS[order].get(cost_type, D(0)),
                )
            )
    return rows


def _material_loss() -> list[tuple]:
    rows = []
    for order, completed, issued in (
        (ORDER_2025_1, date(2025, 3, 5), 50),
        (ORDER_2025_2, date(2025, 6, 10), 45),
        (ORDER_2024, date(2024, 2, 20), 44),
    ):
        loss = D(issued - 45)
        rows.append(
            (
                UK,
                "UK",
                order,
                NUMBERS[order],
                "closed",
                P1,
                "P1",
                completed,
                _month_start(completed),
                completed.year,
                completed.month,
                order,
                1,
                C1,
                "C1",
                "Component one",
                D(0),
                D(45),
                D(45),
                D(0),
                D(issued),
                loss,
                D(10),
                D(450),
                D(issued * 10),
                loss * 10,
                100 * loss / 45,
            )
        )
    return rows


def _lead_times() -> list[tuple]:
    def row(
        order: int,
        status: str,
        start: date,
        due: date,
        released: date | None,
        completed: date | None,
        closed: date | None,
        done: int,
    ) -> tuple:
        late = (completed - due).days if completed else None
        return (
            UK,
            "UK",
            order,
            NUMBERS[order],
            status,
            P1,
            "P1",
            "Product one",
            D(10),
            D(done),
            start,
            due,
            released,
            completed,
            closed,
            _month_start(completed) if completed else None,
            completed.year if completed else None,
            completed.month if completed else None,
            (due - start).days,
            (completed - released).days if completed and released else None,
            late,
            completed is not None,
            completed is not None and completed <= due,
        )

    return [
        row(
            ORDER_2025_1,
            "closed",
            date(2025, 2, 3),
            date(2025, 3, 1),
            date(2025, 2, 3),
            date(2025, 3, 5),
            date(2025, 3, 6),
            10,
        ),
        row(
            ORDER_2025_2,
            "closed",
            date(2025, 6, 1),
            date(2025, 6, 15),
            date(2025, 6, 1),
            date(2025, 6, 10),
            date(2025, 6, 10),
            10,
        ),
        row(
            ORDER_2024,
            "closed",
            date(2024, 2, 1),
            date(2024, 2, 25),
            date(2024, 2, 1),
            date(2024, 2, 20),
            date(2024, 2, 21),
            10,
        ),
        row(
            ORDER_OPEN,
            "released",
            date(2025, 12, 29),
            date(2026, 1, 9),
            date(2025, 11, 10),
            None,
            None,
            0,
        ),
        row(ORDER_PLANNED, "planned", date(2026, 1, 5), date(2026, 1, 16), None, None, None, 0),
    ]


def _wip() -> list[tuple]:
    import calendar

    moves = _transactions()
    rows = []
    for year in (2024, 2025):
        for period in range(1, 13):
            end = date(year, period, calendar.monthrange(year, period)[1])
            wip = sum((r[21] for r in moves if r[8] <= end), D(0))
            open_orders = 1 if wip else 0  # MO-2025-00001 in February 2025, then MO-2025-00003
            rows.append(
                (
                    UK,
                    "UK",
                    year,
                    period,
                    end,
                    min(end, date(2025, 12, 25)),
                    open_orders,
                    wip,
                    wip,
                    D(0),
                )
            )
    return rows


def _order_weeks() -> list[tuple]:
    def week(
        order: int,
        status: str,
        start: date,
        due: date,
        monday: date,
        setup: str,
        run: str,
        remaining: str,
    ) -> tuple:
        hours = D(setup) + D(run)
        return (
            UK,
            "UK",
            order,
            NUMBERS[order],
            status,
            P1,
            "P1",
            D(10),
            start,
            due,
            order,
            10,
            WC1,
            "WC1",
            monday,
            5,
            10,
            D(remaining),
            D(0),
            D(remaining),
            D(setup),
            D(run),
            hours,
        )

    return [
        week(
            ORDER_OPEN,
            "released",
            date(2025, 12, 29),
            date(2026, 1, 9),
            date(2025, 12, 29),
            "0",
            "10",
            "20",
        ),
        week(
            ORDER_OPEN,
            "released",
            date(2025, 12, 29),
            date(2026, 1, 9),
            date(2026, 1, 5),
            "0",
            "10",
            "20",
        ),
        week(
            ORDER_PLANNED,
            "planned",
            date(2026, 1, 5),
            date(2026, 1, 16),
            date(2026, 1, 5),
            "1",
            "14",
            "30",
        ),
        week(
            ORDER_PLANNED,
            "planned",
            date(2026, 1, 5),
            date(2026, 1, 16),
            date(2026, 1, 12),
            "1",
            "14",
            "30",
        ),
    ]


def _load() -> list[tuple]:
    weeks = pd.DataFrame(
        _order_weeks(), columns=[c for c, _ in COLUMNS["fct_capacity_order_weeks"]]
    )
    rows = []
    for monday, part in weeks.groupby("week_start"):
        setup = sum(part["setup_hours"], D(0))
        run = sum(part["run_hours"], D(0))
        load = setup + run
        rows.append(
            (
                UK,
                "UK",
                WC1,
                "WC1",
                "Assembly",
                monday,
                len(part),
                setup,
                run,
                load,
                D(40),
                100 * load / 40,
            )
        )
    return rows


ADVICE_BUY, ADVICE_MAKE = 1, 2


def _advice() -> list[tuple]:
    common = (1, date(2025, 12, 22), "week")
    return [
        (
            UK,
            "UK",
            ADVICE_BUY,
            *common,
            C1,
            "C1",
            "Component one",
            "buy",
            D(40),
            date(2025, 12, 19),
            date(2026, 1, 2),
            "open",
            True,
            3,
            31,
            "Supplier One",
            None,
            None,
            1,
            "SO-2025-0007",
        ),
        (
            UK,
            "UK",
            ADVICE_MAKE,
            *common,
            P1,
            "P1",
            "Product one",
            "make",
            D(20),
            date(2026, 1, 2),
            date(2026, 1, 12),
            "open",
            False,
            0,
            None,
            None,
            None,
            None,
            1,
            "SO-2025-0007",
        ),
    ]


def _pegging() -> list[tuple]:
    return [
        (
            UK,
            "UK",
            1,
            ADVICE_MAKE,
            1,
            P1,
            "P1",
            "make",
            D(20),
            date(2026, 1, 2),
            date(2026, 1, 12),
            False,
            "sales_order",
            77,
            date(2026, 1, 12),
            D(20),
            None,
            P1,
            "P1",
            "SO-2025-0007",
            "sales_order",
            77,
            "P1",
            "SO-2025-0007",
            70,
            "SO-2025-0007",
            77,
            41,
            "Customer One",
        ),
        (
            UK,
            "UK",
            2,
            ADVICE_BUY,
            1,
            C1,
            "C1",
            "buy",
            D(40),
            date(2025, 12, 19),
            date(2026, 1, 2),
            True,
            "planned_order",
            ADVICE_MAKE,
            date(2026, 1, 2),
            D(40),
            ADVICE_MAKE,
            P1,
            "P1",
            None,
            "sales_order",
            77,
            "P1",
            "SO-2025-0007",
            70,
            "SO-2025-0007",
            77,
            41,
            "Customer One",
        ),
    ]


def rows() -> dict[str, list[tuple]]:
    return {
        "dim_work_centres": [
            (UK, "UK", WC1, "WC1", "Assembly", D(20), D(10), D(100), D(40), True),
            (UK, "UK", WC2, "WC2", "Paint", D(25), D(5), D(100), D(20), True),
        ],
        "fct_production_transactions": _transactions(),
        "mart_production_costs": [],
        "mart_production_variances": _variances(),
        "mart_material_loss": _material_loss(),
        "mart_production_lead_times": _lead_times(),
        "mart_wip_position": _wip(),
        "mart_mrp_advice": _advice(),
        "mart_mrp_pegging": _pegging(),
        "fct_capacity_order_weeks": _order_weeks(),
        "mart_capacity_load": _load(),
    }


def build(con: duckdb.DuckDBPyConnection) -> None:
    """Create the manufacturing marts with the rows above in the open warehouse file."""
    for mart, data in rows().items():
        columns = COLUMNS[mart]
        ddl = ", ".join(f"{name} {kind}" for name, kind in columns)
        con.execute(f"create table {mart} ({ddl})")
        if data:
            frame = pd.DataFrame(data, columns=[name for name, _ in columns], dtype=object)
            con.register("mart_rows", frame)
            casts = ", ".join(f"cast({name} as {kind})" for name, kind in columns)
            con.execute(f"insert into {mart} select {casts} from mart_rows")
            con.unregister("mart_rows")


def publish(warehouse_dir):  # type: ignore[no-untyped-def]
    """The contract warehouse with these marts, published under ``warehouse_dir``."""
    from tests.dashboards import contract_warehouse

    target = contract_warehouse.publish(warehouse_dir)
    con = duckdb.connect(str(target))
    try:
        build(con)
    finally:
        con.close()
    return target
