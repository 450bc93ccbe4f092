"""A small warehouse shaped exactly like docs/marts.md, with known numbers.

The marts here are derived from ``fct_gl_lines`` by plain SQL (a stand-in for dbt), so
the query unit tests can check exact figures and that drill-downs reconcile without
running the pipeline. The AppTests use the real pipeline (see conftest.py).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from tests.dashboards import contract_consolidation

GBP_RATE = Decimal("1.15")  # EUR per GBP, one rate for the whole fixture

DIVISIONS = [
    # id, code, name, currency, country, parent, ownership, top
    (1, "HOLD", "Holding", "EUR", "NL", None, 100, True),
    (2, "UK", "UK Ltd", "GBP", "GB", 1, 80, False),
]
ACCOUNTS = [
    # id, code, name, type, class, category, control, pl_section, bs_section, sort
    (1, "1100", "Bank", "balance_sheet", "asset", "cash", False, None, "Cash", 10),
    (
        2,
        "1300",
        "Trade receivables",
        "balance_sheet",
        "asset",
        "receivables",
        True,
        None,
        "Receivables",
        20,
    ),
    (
        3,
        "1600",
        "Trade payables",
        "balance_sheet",
        "liability",
        "payables",
        True,
        None,
        "Current liabilities",
        30,
    ),
    (
        4,
        "0500",
        "Share capital",
        "balance_sheet",
        "equity",
        "share_capital",
        False,
        None,
        "Equity",
        40,
    ),
    (
        5,
        "0600",
        "Retained earnings",
        "balance_sheet",
        "equity",
        "retained_earnings",
        False,
        None,
        "Equity",
        41,
    ),
    (6, "8000", "Revenue goods", "profit_loss", "revenue", "revenue", False, "Revenue", None, 50),
    (
        7,
        "8100",
        "Revenue services",
        "profit_loss",
        "revenue",
        "revenue",
        False,
        "Revenue",
        None,
        51,
    ),
    (
        8,
        "7000",
        "Cost of sales",
        "profit_loss",
        "cost_of_sales",
        "cost_of_sales",
        False,
        "Cost of sales",
        None,
        60,
    ),
    (
        9,
        "4300",
        "Rent and housing",
        "profit_loss",
        "expense",
        "housing",
        False,
        "Operating expenses",
        None,
        70,
    ),
]
RELATIONS = [
    (1, 1, "C1", "Acme BV", "customer", "NL", "EUR", 30, 10000, False),
    (2, 1, "S1", "Landlord BV", "supplier", "NL", "EUR", 14, 0, False),
    (3, 2, "C9", "Bristol Ltd", "customer", "GB", "GBP", 30, 5000, False),
]
YEARS = (2024, 2025)
AS_OF = date(2025, 12, 31)


def _rate(division_id: int) -> Decimal:
    return Decimal(1) if division_id == 1 else GBP_RATE


def _gl_lines() -> pd.DataFrame:
    """Per division and month: a sale, its cost, rent, a purchase on account, a receipt."""
    rows: list[dict[str, object]] = []
    entry = 0
    codes = {a[0]: a[1] for a in ACCOUNTS}

    def post(
        div: int,
        journal: str,
        on: date,
        year: int,
        period: int,
        lines: list[tuple[int, Decimal, int | None]],
        text: str,
    ) -> None:
        nonlocal entry
        entry += 1
        assert sum(a for _, a, _ in lines) == 0
        for account_id, amount, relation_id in lines:
            rate = _rate(div)
            rows.append(
                {
                    "gl_line_id": len(rows) + 1,
                    "entry_id": entry,
                    "division_id": div,
                    "journal_code": journal,
                    "journal_type": "general",
                    "document_number": f"{journal}{year}-{entry:06d}",
                    "entry_date": on,
                    "period_id": div * 100000 + year * 100 + period,
                    "fiscal_year": year,
                    "period_number": period,
                    "account_id": account_id,
                    "account_code": codes[account_id],
                    "relation_id": relation_id,
                    "cost_centre_code": None,
                    "cost_unit_code": None,
                    "currency_code": "EUR" if div == 1 else "GBP",
                    "amount_foreign": amount,
                    "rate": Decimal(1),
                    "amount_base": amount,
                    "debit_base": amount if amount > 0 else Decimal(0),
                    "credit_base": -amount if amount < 0 else Decimal(0),
                    "amount_group": (amount * rate).quantize(Decimal("0.01")),
                    "description": text,
                    "source_type": "manual",
                    "source_id": None,
                    "invoice_id": None,
                }
            )

    for div in (1, 2):
        customer = 1 if div == 1 else 3
        post(
            div,
            "MEM",
            date(2024, 1, 1),
            2024,
            1,
            [(1, Decimal(5000), None), (4, Decimal(-5000), None)],
            "Capital paid in",
        )
        for year in YEARS:
            for month in range(1, 13):
                on = date(year, month, 10)
                sale = Decimal(1000 + 10 * month + (100 if year == 2025 else 0)) / div
                service = Decimal("250.50") if month % 3 == 0 else Decimal(0)
                cost = (sale * Decimal("0.4")).quantize(Decimal("0.01"))
                sale_lines: list[tuple[int, Decimal, int | None]] = [
                    (2, sale + service, customer),
                    (6, -sale, customer),
                ]
                if service:
                    sale_lines.append((7, -service, customer))
                post(div, "VK", on, year, month, sale_lines, f"Sale {month}/{year}")
                post(
                    div,
                    "MEM",
                    on,
                    year,
                    month,
                    [(8, cost, None), (1, -cost, None)],
                    "Cost of goods",
                )
                post(
                    div,
                    "IK",
                    on,
                    year,
                    month,
                    [
                        (9, Decimal(300), 2 if div == 1 else None),
                        (3, Decimal(-300), 2 if div == 1 else None),
                    ],
                    "Rent",
                )
                post(
                    div,
                    "BNK",
                    on + timedelta(days=15),
                    year,
                    month,
                    [(1, sale, customer), (2, -sale, customer)],
                    "Receipt",
                )
    return pd.DataFrame(rows)


def _periods() -> pd.DataFrame:
    rows = []
    for div in (1, 2):
        for year in YEARS:
            for month in range(1, 13):
                start = date(year, month, 1)
                end = (date(year + (month == 12), month % 12 + 1, 1)) - timedelta(days=1)
                rows.append(
                    {
                        "period_id": div * 100000 + year * 100 + month,
                        "division_id": div,
                        "fiscal_year": year,
                        "period_number": month,
                        "period_key": f"{year}-{month:02d}",
                        "period_start": start,
                        "period_end": end,
                        "period_status": "open",
                        "fiscal_year_status": "open",
                    }
                )
    return pd.DataFrame(rows)


_MARTS = """
create table dim_divisions as select * from divisions_df;
create table dim_accounts as select * from accounts_df;
create table dim_relations as select * from relations_df;
create table dim_periods as select * from periods_df;
create table fct_gl_lines as
    select gl_line_id, entry_id, division_id, journal_code, journal_type, document_number,
           entry_date, period_id, fiscal_year, period_number, account_id, account_code,
           relation_id, cost_centre_code, cost_unit_code, currency_code,
           amount_foreign::decimal(19,4) as amount_foreign, rate::decimal(19,8) as rate,
           amount_base::decimal(19,4) as amount_base, debit_base::decimal(19,4) as debit_base,
           credit_base::decimal(19,4) as credit_base,
           amount_group::decimal(19,4) as amount_group, description, source_type, source_id,
           invoice_id
    from gl_df;
create table mart_profit_and_loss as
    select g.division_id, g.fiscal_year, g.period_number, p.period_start as month_start,
           a.account_id, a.account_code, a.account_name, a.pl_section, a.reporting_category,
           -sum(g.amount_base) as amount, -sum(g.amount_group) as amount_group
    from fct_gl_lines g join dim_accounts a using (account_id)
    join dim_periods p on p.period_id = g.period_id
    where a.account_type = 'profit_loss'
    group by all;
create table period_grid as
    select p.*, d.currency_code, case when d.currency_code = 'GBP' then 1.15 else 1 end as rate
    from dim_periods p join dim_divisions d using (division_id);
create table mart_balance_sheet as
    with account_lines as (
        select pg.division_id, pg.fiscal_year, pg.period_number, pg.period_end, pg.rate,
               a.bs_section, case when a.account_class = 'asset' then 'assets'
                                  else 'equity_and_liabilities' end as side,
               a.account_code as line_code, a.account_name as line_name, a.account_id,
               sum(case when a.account_class = 'asset' then g.amount_base
                        else -g.amount_base end) as amount
        from period_grid pg
        join fct_gl_lines g on g.division_id = pg.division_id and g.entry_date <= pg.period_end
        join dim_accounts a on a.account_id = g.account_id
        where a.account_type = 'balance_sheet' and a.reporting_category <> 'retained_earnings'
        group by all
    ),
    results as (
        select pg.division_id, pg.fiscal_year, pg.period_number, pg.period_end, pg.rate,
               -sum(case when g.fiscal_year = pg.fiscal_year and a.account_type = 'profit_loss'
                         then g.amount_base else 0 end) as cyr,
               -sum(case when (g.fiscal_year < pg.fiscal_year and a.account_type = 'profit_loss')
                           or a.reporting_category = 'retained_earnings'
                         then g.amount_base else 0 end) as re
        from period_grid pg
        join fct_gl_lines g on g.division_id = pg.division_id and g.entry_date <= pg.period_end
        join dim_accounts a on a.account_id = g.account_id
        group by all
    )
    select division_id, fiscal_year, period_number, period_end, bs_section, side, line_code,
           line_name, account_id, amount, round(amount * rate, 2) as amount_group
    from account_lines
    union all
    select division_id, fiscal_year, period_number, period_end, 'Equity',
           'equity_and_liabilities', 'CYR', 'Current year result', null, cyr,
           round(cyr * rate, 2) from results
    union all
    select division_id, fiscal_year, period_number, period_end, 'Equity',
           'equity_and_liabilities', 'RE', 'Retained earnings', null, re,
           round(re * rate, 2) from results;
create table mart_cash_position as
    select division_id, fiscal_year, period_number, period_end, account_id,
           line_code as account_code, line_name as account_name, amount as balance_base,
           amount_group as balance_group
    from mart_balance_sheet where line_code = '1100';
create table mart_open_items_by_period as
    select b.division_id, b.fiscal_year, b.period_number, b.period_end,
           case when b.line_code = '1300' then 'receivable' else 'payable' end as item_type,
           b.amount as open_amount_base, b.amount / 2 as overdue_amount_base,
           b.amount_group as open_amount_group, b.amount_group / 2 as overdue_amount_group
    from mart_balance_sheet b where b.line_code in ('1300', '1600');
create table mart_trial_balance as
    select g.division_id, g.fiscal_year, g.period_number, g.account_id, a.account_code,
           a.account_name, a.account_type, 0 as opening_balance,
           sum(g.debit_base) as debit, sum(g.credit_base) as credit,
           sum(g.amount_base) as closing_balance
    from fct_gl_lines g join dim_accounts a using (account_id) group by all;
"""

AGEING_COLUMNS = (
    "division_id, relation_id, relation_name, invoice_id, document_number, invoice_date, "
    "due_date, currency_code, open_amount, open_amount_base, open_amount_group, days_overdue, "
    "ageing_bucket, "
    "bucket_order, as_of_date"
)
RECEIVABLES = [
    (
        1,
        1,
        "Acme BV",
        11,
        "VK2025-000101",
        date(2025, 12, 10),
        date(2026, 1, 9),
        "EUR",
        1210.0,
        1210.0,
        -9,
        "Not due",
        0,
    ),
    (
        1,
        1,
        "Acme BV",
        12,
        "VK2025-000090",
        date(2025, 10, 10),
        date(2025, 11, 9),
        "EUR",
        500.0,
        500.0,
        52,
        "31-60",
        2,
    ),
    (
        2,
        3,
        "Bristol Ltd",
        13,
        "VK2025-000050",
        date(2025, 6, 1),
        date(2025, 7, 1),
        "GBP",
        300.0,
        300.0,
        183,
        "90+",
        4,
    ),
]
PAYABLES = [
    (
        1,
        2,
        "Landlord BV",
        21,
        "IK2025-000012",
        date(2025, 12, 10),
        date(2025, 12, 24),
        "EUR",
        300.0,
        300.0,
        7,
        "1-30",
        1,
    ),
]


def _group_amount(division_id: int, amount_base: float) -> float:
    return round(amount_base * float(_rate(division_id)), 2)


def build(path: Path) -> Path:
    """Write the warehouse file at ``path`` and return it."""
    con = duckdb.connect(str(path))
    try:
        con.register(
            "divisions_df",
            pd.DataFrame(
                DIVISIONS,
                columns=[
                    "division_id",
                    "division_code",
                    "division_name",
                    "currency_code",
                    "country",
                    "parent_division_id",
                    "ownership_pct",
                    "is_group_top",
                ],
            ),
        )
        con.register(
            "accounts_df",
            pd.DataFrame(
                ACCOUNTS,
                columns=[
                    "account_id",
                    "account_code",
                    "account_name",
                    "account_type",
                    "account_class",
                    "reporting_category",
                    "is_control",
                    "pl_section",
                    "bs_section",
                    "sort_order",
                ],
            ),
        )
        con.register(
            "relations_df",
            pd.DataFrame(
                RELATIONS,
                columns=[
                    "relation_id",
                    "division_id",
                    "relation_code",
                    "relation_name",
                    "relation_type",
                    "country",
                    "currency_code",
                    "payment_terms_days",
                    "credit_limit",
                    "is_intercompany",
                ],
            ),
        )
        con.register("periods_df", _periods())
        con.register("gl_df", _gl_lines())
        con.execute(_MARTS)
        for mart, rows in (
            ("mart_receivables_ageing", RECEIVABLES),
            ("mart_payables_ageing", PAYABLES),
        ):
            con.register(
                "ageing_df",
                pd.DataFrame(
                    [(*r[:10], _group_amount(r[0], r[9]), *r[10:], AS_OF) for r in rows],
                    columns=[c.strip() for c in AGEING_COLUMNS.split(",")],
                ),
            )
            con.execute(f"create table {mart} as select * from ageing_df")
            con.unregister("ageing_df")
        # The Finance page's ageing: the same invoices at the end of 2025 (period 12).
        con.execute(
            """
            create table mart_ageing_by_period as
            select division_id, 2025 as fiscal_year, 12 as period_number,
                   as_of_date as period_end, as_of_date, item_type, relation_id,
                   relation_name, invoice_id, document_number, invoice_date, due_date,
                   currency_code, open_amount, open_amount_base, open_amount_group,
                   days_overdue, ageing_bucket, bucket_order
            from (select 'receivable' as item_type, * from mart_receivables_ageing
                  union all
                  select 'payable' as item_type, * from mart_payables_ageing)
            """
        )
        con.execute("drop table period_grid")
        _wholesale(con)
        _budgets(con)
        contract_consolidation.build(con)
    finally:
        con.close()
    return path


def publish(warehouse_dir: Path) -> Path:
    """Build the fixture as a published version under ``warehouse_dir``, like the refresh."""
    published = warehouse_dir / "published"
    published.mkdir(parents=True, exist_ok=True)
    target = build(published / "warehouse-20260101T000000Z.duckdb")
    (published / "CURRENT").write_text(target.name + "\n", encoding="utf-8")
    return target


# --- Wholesale marts (docs/wholesale.md, "Marts") -------------------------------------------
# HOLD's 2025 sales are the hand-worked ABC example of tests/dashboards/test_abc.py: by
# revenue I01 400, I02 250, I03 180, I04 60 and I05 60 (a tie), I06 50, I07 0, I08 -30 (a
# credit note for a 2024 sale); positive total 1,000. Quantities I06 68, I03 60, I01 40,
# I04 12, I02 10, I05 6, I07 4, I08 -2; positive total 200.


def _names(text: str) -> list[str]:
    return text.split()


def _d(text: str) -> date:
    return date.fromisoformat(text)


WH_DIVISION_CODES = {1: "HOLD", 2: "UK"}
WH_ITEMS = [
    # id, division, code, name, group code, group name, sales price, purchase price
    (1, 1, "I01", "Bolts M8", "FAST", "Fasteners", 10.0, 6.0),
    (2, 1, "I02", "Drill set", "TOOL", "Tools", 25.0, 15.0),
    (3, 1, "I03", "Nuts M8", "FAST", "Fasteners", 3.0, 1.7),
    (4, 1, "I04", "Washers", "FAST", "Fasteners", 5.0, 3.3),
    (5, 1, "I05", "Hammer", "TOOL", "Tools", 10.0, 5.0),
    (6, 1, "I06", "Rivets", "FAST", "Fasteners", 0.75, 0.3),
    (7, 1, "I07", "Sample case", "TOOL", "Tools", 0.0, 2.0),
    (8, 1, "I08", "Saw", "TOOL", "Tools", 15.0, 9.0),
    (21, 2, "U01", "Bolts M8 (UK)", "FAST", "Fasteners", 10.0, 6.0),
    (22, 2, "U02", "Spanner", "TOOL", "Tools", 10.0, 7.0),
]
WH_CUSTOMERS = {
    # relation_id: (division, code, name, country)
    1: (1, "C1", "Acme BV", "NL"),
    4: (1, "C2", "Beta NV", "BE"),
    5: (1, "C3", "Gamma GmbH", "DE"),
    3: (2, "C9", "Bristol Ltd", "GB"),
}
WH_SALES_LINES = [
    # document, date, relation, item, quantity, revenue, cost, salesperson, order number
    ("VF2025-0001", date(2025, 1, 15), 1, 1, 20, 200, 120, "SP1", "SO2025-0001"),
    ("VF2025-0002", date(2025, 4, 10), 4, 1, 20, 200, 120, "SP2", None),
    ("VF2025-0003", date(2025, 2, 12), 1, 2, 10, 250, 150, "SP1", None),
    ("VF2025-0004", date(2025, 5, 20), 5, 3, 60, 180, 100, "SP2", "SO2025-0003"),
    ("VF2025-0005", date(2025, 6, 3), 4, 4, 12, 60, 40, "SP2", None),
    ("VF2025-0006", date(2025, 7, 8), 5, 5, 6, 60, 30, "SP1", None),
    ("VF2025-0007", date(2025, 8, 19), 1, 6, 68, 50, 20, "SP1", None),
    ("VF2025-0008", date(2025, 9, 9), 4, 7, 4, 0, 8, "SP2", None),
    ("CN2025-0001", date(2025, 3, 5), 5, 8, -2, -30, -18, "SP2", None),
    ("VF2024-0001", date(2024, 3, 14), 1, 1, 30, 300, 180, "SP1", None),
    ("VF2024-0002", date(2024, 6, 11), 4, 2, 4, 100, 60, "SP2", None),
    ("VF2024-0003", date(2024, 12, 2), 5, 8, 2, 30, 18, "SP2", None),
    ("UK2025-0001", date(2025, 2, 1), 3, 21, 50, 500, 300, "SP9", None),
    ("UK2025-0002", date(2025, 10, 1), 3, 22, 10, 100, 70, "SP9", None),
    ("UK2024-0001", date(2024, 5, 5), 3, 21, 40, 400, 250, "SP9", None),
]
WH_SALESPEOPLE = [(1, 1, "SP1", "Jan Jansen"), (2, 1, "SP2", "Els Peeters"), (3, 2, "SP9", "Bob")]
WH_WAREHOUSES = [(1, 1, "WH1", "Main"), (2, 1, "WH2", "Overflow"), (9, 2, "WH9", "Bristol")]
WH_SALES_ORDER_LINES = [
    # id, number, status, order date, requested, relation, item, qty, delivered, returned,
    # invoiced, open, open value, back order
    (1, "SO2025-0001", "order", "2025-11-20", "2025-12-01", 1, 1, 10, 4, 0, 4, 6, 60, True),
    (2, "SO2025-0002", "order", "2025-12-15", "2026-01-10", 4, 2, 5, 0, 0, 0, 5, 125, False),
    (3, "SO2025-0003", "order", "2025-06-01", "2025-06-15", 5, 3, 20, 20, 0, 20, 0, 0, False),
    (4, "SO2024-0001", "order", "2024-10-01", "2024-10-15", 1, 4, 8, 0, 0, 0, 8, 40, True),
    (5, "QU2025-0001", "quote", "2025-12-20", None, 4, 5, 3, 0, 0, 0, 3, 30, False),
    (6, "UK-SO2025-1", "order", "2025-09-01", "2025-09-10", 3, 21, 10, 0, 0, 0, 10, 100, True),
]
# Deliveries of the order lines above: (order line id, date, quantity). Line 1 had its 4 on
# 28 November 2025; line 3 its 20 in two parts, 12 on 10 June and 8 on 2 July 2025.
WH_DELIVERIES = [(1, "2025-11-28", 4), (3, "2025-06-10", 12), (3, "2025-07-02", 8)]
WH_UNIT_PRICES = {1: 10.0, 2: 25.0, 3: 3.0, 4: 5.0, 5: 10.0, 6: 10.0}
WH_STOCK_POSITION = [
    # item, warehouse, quantity, value, last issue, dead, issued cost 12m, turnover
    (1, 1, 50, 300, date(2025, 12, 1), False, 240, 0.8),
    (2, 1, 20, 300, date(2025, 2, 12), True, 150, 0.5),
    (6, 1, 100, 500, date(2025, 8, 19), False, 400, 0.8),
    (7, 2, 10, 20, None, True, 0, 0.0),
    (21, 9, 30, 500, date(2025, 10, 1), False, 370, 0.74),
]
# Never-issued positions count their days without an issue from their first movement.
WH_FIRST_MOVEMENTS = {(7, 2): date(2025, 3, 1)}  # I07 in WH2: 305 days before AS_OF
WH_SUPPLIERS = {2: (1, "S1", "Landlord BV"), 6: (1, "S2", "Parts GmbH"), 7: (2, "S7", "Leeds Ltd")}
WH_SUPPLIER_PERFORMANCE = [
    # supplier, year, lines, on time, promised days, actual days, received, returned
    (2, 2025, 10, 8, 14.0, 15.5, 100, 5),
    (6, 2025, 4, 1, 7.0, 12.0, 40, 0),
    (2, 2024, 6, 6, 14.0, 13.0, 50, 0),
    (7, 2025, 3, 2, 10.0, 11.0, 30, 3),
]


def wholesale_stock_value(division_id: int, year: int, period: int) -> float:
    """``stock_valuation_base`` of mart_stock_reconciliation at a period end."""
    if division_id == 2:
        return 500.0
    return (800.0 if year == 2024 else 1000.0) + 10 * period


ABC_COLUMNS = (
    "division_id division_code window_type fiscal_year period window_start window_end "
    "measure {key} code name {extra} value rank share share_before cumulative_share "
    "running_share value_before positive_total abc_class"
)


def _abc_mart(subject: str) -> pd.DataFrame:
    """mart_abc_items / mart_abc_customers from the sales lines above (a stand-in for dbt's
    abc_classify: docs/wholesale.md, "ABC rule", default thresholds): per division, window
    (the 12 months ending with each period of YEARS, and the year to date through it) and
    measure, every member with sales in the window, sorted by value descending, ties by
    code; value_before sums the positive values of all higher tie blocks."""
    items = {i[0]: i for i in WH_ITEMS}
    key, extra = ("item_id", "item_group_code")
    if subject == "customers":
        key, extra = ("relation_id", "country")
    rows = []
    for year in YEARS:
        for period in range(1, 13):
            end = _periods_end(year, period)
            starts = {
                "rolling_12m": date(year - (period < 12), period % 12 + 1, 1),
                "fiscal_ytd": date(year, 1, 1),
            }
            for window, start in starts.items():
                for measure in ("revenue", "margin", "quantity"):
                    totals: dict[tuple[int, int], Decimal] = {}
                    for _doc, on, rel, item, qty, revenue, cost, *_ in WH_SALES_LINES:
                        if not start <= on <= end:
                            continue
                        value = {"revenue": revenue, "margin": revenue - cost, "quantity": qty}
                        place = (items[item][1], item if subject == "items" else rel)
                        totals[place] = totals.get(place, Decimal(0)) + Decimal(value[measure])
                    for division in (1, 2):
                        members = {m: v for (d, m), v in totals.items() if d == division}
                        head = (division, WH_DIVISION_CODES[division], window, year, period)
                        rows += [
                            (*head, start, end, measure, *row)
                            for row in _abc_rows(subject, members)
                        ]
    return pd.DataFrame(rows, columns=_names(ABC_COLUMNS.format(key=key, extra=extra)))


def _abc_rows(subject: str, members: dict[int, Decimal]) -> list[tuple[Any, ...]]:
    """One window's members: key, code, name, extra, value, rank and the shares."""
    items = {i[0]: i for i in WH_ITEMS}

    def describe(member: int) -> tuple[str, str, str]:
        if subject == "items":
            return items[member][2], items[member][3], items[member][4]
        _, code, name, country = WH_CUSTOMERS[member]
        return code, name, country

    ordered = sorted(members, key=lambda m: (-members[m], describe(m)[0]))
    total = sum((v for v in members.values() if v > 0), Decimal(0))
    rows: list[tuple[Any, ...]] = []
    running = Decimal(0)
    for rank, member in enumerate(ordered, 1):
        value = members[member]
        positive = max(value, Decimal(0))
        before = sum((max(v, Decimal(0)) for v in members.values() if v > value), Decimal(0))
        through = before + sum(
            (max(v, Decimal(0)) for v in members.values() if v == value), Decimal(0)
        )
        running += positive
        a, b = Decimal("0.80"), Decimal("0.15")
        cls = "A" if before < a * total else "B" if before < (a + b) * total else "C"
        shares = [float(x / total) if total else 0.0 for x in (positive, before, through, running)]
        rows.append(
            (member, *describe(member), float(value), rank, *shares)
            + (float(before), float(total), cls)
        )
    return rows


def _open_orders_monthly() -> pd.DataFrame:
    """mart_open_orders_monthly from the order lines and deliveries above (a stand-in for
    dbt): per division and month-end from the first order month through AS_OF's month,
    the lines of orders (status order or closed) open at the month-end, and those partly
    delivered or past their requested date by then."""
    items = {i[0]: i for i in WH_ITEMS}
    lines = [ln for ln in WH_SALES_ORDER_LINES if ln[2] in ("order", "closed")]
    first = min(_d(ln[3]) for ln in lines)
    rows = []
    year, month = first.year, first.month
    while (year, month) <= (AS_OF.year, AS_OF.month):
        end = _periods_end(year, month)
        for division in (1, 2):
            totals = [0, 0.0, 0, 0.0]
            for n, _, _, ordered, requested, _, item, quantity, *_ in lines:
                if items[item][1] != division or _d(ordered) > end:
                    continue
                delivered = sum(q for line, on, q in WH_DELIVERIES if line == n and _d(on) <= end)
                open_quantity = quantity - delivered
                if open_quantity <= 0:
                    continue
                value = open_quantity * WH_UNIT_PRICES[n]
                totals[0] += 1
                totals[1] += value
                if delivered > 0 or (requested is not None and _d(requested) < end):
                    totals[2] += 1
                    totals[3] += value
            rate = float(_rate(division))
            rows.append(
                (division, WH_DIVISION_CODES[division], year, month, end, end)
                + (totals[0], totals[1], totals[1] * rate, totals[2], totals[3], totals[3] * rate)
            )
        year, month = year + (month == 12), month % 12 + 1
    return pd.DataFrame(
        rows,
        columns=_names(
            "division_id division_code year month month_end snapshot_date open_lines "
            "open_value_base open_value_group back_order_lines back_order_value_base "
            "back_order_value_group"
        ),
    )


_WHOLESALE_MARTS = """
create table fct_sales_lines as
    select invoice_line_id, invoice_id, document_number, invoice_date,
           year(invoice_date) as year, month(invoice_date) as month, division_id,
           division_code, relation_id, customer_code, customer_name, country,
           salesperson_code, item_id, item_code, item_name, item_group_code,
           sales_order_id::bigint as sales_order_id, order_number,
           quantity::decimal(19, 8) as quantity,
           revenue::decimal(19, 4) as revenue_base, cost::decimal(19, 4) as cost_base,
           (revenue - cost)::decimal(19, 4) as margin_base,
           (revenue * rate)::decimal(19, 4) as revenue_group,
           (cost * rate)::decimal(19, 4) as cost_group,
           ((revenue - cost) * rate)::decimal(19, 4) as margin_group
    from sales_lines_df;
create table mart_sales_monthly as
    select division_id, division_code, year, month, relation_id, customer_code, customer_name,
           country, salesperson_code, item_group_code, sum(quantity) as quantity,
           sum(revenue_base) as revenue_base, sum(cost_base) as cost_base,
           sum(margin_base) as margin_base, sum(revenue_group) as revenue_group,
           sum(cost_group) as cost_group, sum(margin_group) as margin_group
    from fct_sales_lines group by all;
create table mart_item_sales_monthly as
    select division_id, division_code, year, month, item_id, item_code, item_name,
           item_group_code, sum(quantity) as quantity, sum(revenue_base) as revenue_base,
           sum(margin_base) as margin_base, sum(revenue_group) as revenue_group,
           sum(cost_group) as cost_group, sum(margin_group) as margin_group
    from fct_sales_lines group by all;
create table fct_purchase_lines (
    purchase_order_line_id integer, purchase_order_id integer, order_number varchar,
    order_date date, promised_date date, division_id integer, division_code varchar,
    relation_id integer, supplier_code varchar, supplier_name varchar, item_id integer,
    item_code varchar, quantity decimal(19, 8), quantity_received decimal(19, 8),
    quantity_returned decimal(19, 8), quantity_invoiced decimal(19, 8),
    unit_price decimal(19, 4), amount_base decimal(19, 4), first_receipt_date date,
    last_receipt_date date, promised_lead_days integer, actual_lead_days integer,
    is_fully_received boolean, is_on_time boolean);
create table fct_stock_movements (
    stock_movement_id integer, division_id integer, division_code varchar, item_id integer,
    item_code varchar, warehouse_id integer, warehouse_code varchar, movement_date date,
    year integer, month integer, movement_type varchar, quantity decimal(19, 8),
    value_base decimal(19, 4), document_number varchar, source_type varchar,
    source_id integer, entry_id integer);
"""


def _wholesale(con: duckdb.DuckDBPyConnection) -> None:
    """Add the wholesale dims and marts with the numbers above."""
    items = {i[0]: i for i in WH_ITEMS}
    frames: dict[str, pd.DataFrame] = {
        "dim_items": pd.DataFrame(
            [
                (i, d, WH_DIVISION_CODES[d], code, name, g, gn, "pcs", "none", "average")
                + (sp, pp, True)
                for i, d, code, name, g, gn, sp, pp in WH_ITEMS
            ],
            columns=_names(
                "item_id division_id division_code item_code item_name item_group_code "
                "item_group_name unit tracking cost_method sales_price purchase_price "
                "is_active"
            ),
        ),
        "dim_warehouses": pd.DataFrame(
            [(i, d, WH_DIVISION_CODES[d], c, n) for i, d, c, n in WH_WAREHOUSES],
            columns=_names("warehouse_id division_id division_code warehouse_code warehouse_name"),
        ),
        "dim_salespeople": pd.DataFrame(
            WH_SALESPEOPLE,
            columns=_names("salesperson_id division_id salesperson_code salesperson_name"),
        ),
    }
    sales = []
    for n, (doc, on, rel, item, qty, rev, cost, sp, order) in enumerate(WH_SALES_LINES, 1):
        _, division, code, name, group, *_ = items[item]
        _, customer_code, customer_name, country = WH_CUSTOMERS[rel]
        sales.append(
            (n, n, doc, on, division, WH_DIVISION_CODES[division], rel, customer_code)
            + (customer_name, country, sp, item, code, name, group)
            + (None if order is None else n, order, qty, rev, cost, float(_rate(division)))
        )
    sales_df = pd.DataFrame(
        sales,
        columns=_names(
            "invoice_line_id invoice_id document_number invoice_date division_id "
            "division_code relation_id customer_code customer_name country salesperson_code "
            "item_id item_code item_name item_group_code sales_order_id order_number quantity "
            "revenue cost rate"
        ),
    )
    orders = []
    for line in WH_SALES_ORDER_LINES:
        n, number, status, ordered, requested, rel, item, *quantities, back = line
        division = items[item][1]
        orders.append(
            (n, n, number, status, _d(ordered), None if requested is None else _d(requested))
            + (division, WH_DIVISION_CODES[division], rel, WH_CUSTOMERS[rel][1], item)
            + (items[item][2], *(float(q) for q in quantities), back)
        )
    frames["fct_sales_order_lines"] = pd.DataFrame(
        orders,
        columns=_names(
            "sales_order_line_id sales_order_id order_number status order_date "
            "requested_date division_id division_code relation_id customer_code item_id item_code "
            "quantity quantity_delivered quantity_returned quantity_invoiced quantity_open "
            "open_value_base is_back_order"
        ),
    )
    warehouses = {w[0]: w for w in WH_WAREHOUSES}
    position = []
    for item, wh_id, qty, value, last_issue, dead, issued, turnover in WH_STOCK_POSITION:
        _, division, code, name, group, *_ = items[item]
        days = (AS_OF - last_issue).days if last_issue else None
        idle_since = last_issue or WH_FIRST_MOVEMENTS[(item, wh_id)]
        idle = (AS_OF - idle_since).days if qty > 0 else None
        position.append(
            (item, code, name, group, wh_id, warehouses[wh_id][2], division)
            + (WH_DIVISION_CODES[division], float(qty), float(value))
            + (value * float(_rate(division)), value / qty, last_issue, days, idle, dead)
            + (float(issued), turnover)
            + (365 / turnover if turnover else None,)
        )
    frames["mart_stock_position"] = pd.DataFrame(
        position,
        columns=_names(
            "item_id item_code item_name item_group_code warehouse_id warehouse_code "
            "division_id division_code quantity value_base value_group average_cost "
            "last_issue_date days_since_last_issue days_without_issue is_dead_stock "
            "issued_cost_12m turnover "
            "days_in_stock"
        ),
    )
    frames["mart_stock_reconciliation"] = pd.DataFrame(
        [
            (d, WH_DIVISION_CODES[d], y, p, _periods_end(y, p))
            + (wholesale_stock_value(d, y, p), wholesale_stock_value(d, y, p), 0.0)
            + (wholesale_stock_value(d, y, p) * float(_rate(d)),)
            for d in (1, 2)
            for y in YEARS
            for p in range(1, 13)
        ],
        columns=_names(
            "division_id division_code year period period_end stock_valuation_base "
            "ledger_stock_base difference_base stock_valuation_group"
        ),
    )
    frames["mart_open_orders_monthly"] = _open_orders_monthly()
    frames["mart_abc_items"] = _abc_mart("items")
    frames["mart_abc_customers"] = _abc_mart("customers")
    frames["mart_supplier_performance"] = pd.DataFrame(
        [
            (WH_SUPPLIERS[s][0], WH_DIVISION_CODES[WH_SUPPLIERS[s][0]], s, *WH_SUPPLIERS[s][1:])
            + (year, lines, on_time, 100.0 * on_time / lines, promised, actual, rec, ret)
            + (100.0 * ret / rec,)
            for s, year, lines, on_time, promised, actual, rec, ret in WH_SUPPLIER_PERFORMANCE
        ],
        columns=_names(
            "division_id division_code relation_id supplier_code supplier_name year "
            "order_lines on_time_lines on_time_pct avg_promised_lead_days avg_actual_lead_days "
            "quantity_received quantity_returned returns_pct"
        ),
    )
    con.register("sales_lines_df", sales_df)
    con.execute(_WHOLESALE_MARTS)
    con.unregister("sales_lines_df")
    for table, frame in frames.items():
        con.register("frame_df", frame)
        con.execute(f"create table {table} as select * from frame_df")
        con.unregister("frame_df")


def _periods_end(year: int, period: int) -> date:
    return date(year + (period == 12), period % 12 + 1, 1) - timedelta(days=1)


# --- Budget marts (docs/marts.md, "Budgets, cash-flow forecast and alerts") ----------------
# Budget lines are debit positive (revenue negative), one per version x month x account, no
# cost centres. HOLD's approved 'Budget 2025' budgets revenue goods 1,100 a month, cost of
# sales 450 and rent 250 (the books show 1,100 + 10 x month, 40 % of it and 300); its draft
# 'Budget 2025 high' 1,200 revenue. UK's approved 'Budget 2025' (GBP): revenue 600, cost of
# sales 200, rent 300. Revenue services (8100) has actuals but no budget: budget 0.

BUDGET_VERSIONS = [
    # id, division, fiscal year, name, scenario, status
    (101, 1, 2025, "Budget 2025", "normal", "approved"),
    (102, 1, 2025, "Budget 2025 high", "positive", "draft"),
    (201, 2, 2025, "Budget 2025", "normal", "approved"),
]
BUDGET_MONTHLY = {
    # version: {account id: monthly amount, debit positive}
    101: {6: -1100, 8: 450, 9: 250},
    102: {6: -1200, 8: 450, 9: 250},
    201: {6: -600, 8: 200, 9: 300},
}
OVERRUN_PCT = 10
FORECAST_WEEK_1 = date(2025, 12, 29)  # the Monday of AS_OF's week
# Weekly wages and rent: 300 a month x 12 / 52, per division (both pay 300 rent).
RECURRING_WEEKLY = -(Decimal(300) * 12 / 52).quantize(Decimal("0.0001"))
# Open items by the week they are expected in (no payment history: on the due date;
# overdue ones in week 1): (division, week, receipts, payments).
FORECAST_ITEMS = [(1, 1, 500, -300), (1, 2, 1210, 0), (2, 1, 300, 0)]


def _budget_lines() -> pd.DataFrame:
    rows = [
        (version, account, month, Decimal(amount))
        for version, accounts in BUDGET_MONTHLY.items()
        for account, amount in accounts.items()
        for month in range(1, 13)
    ]
    return pd.DataFrame(rows, columns=_names("version_id account_id period_number amount"))


_BUDGET_MARTS = """
create table mart_budget_vs_actual as
    with unioned as (
        select b.version_id, b.period_number, b.account_id,
               -b.amount as budget, 0 as actual
        from budget_lines_df b
        union all
        select v.version_id, g.period_number, g.account_id, 0, -g.amount_base
        from budget_versions_df v
        join fct_gl_lines g on g.division_id = v.division_id and g.fiscal_year = v.fiscal_year
        join dim_accounts a on a.account_id = g.account_id
        where a.account_type = 'profit_loss'
    ),
    compared as (
        select version_id, period_number, account_id, sum(budget) as budget,
               sum(actual) as actual
        from unioned group by all
    )
    select v.division_id, d.division_code, v.version_id, v.version_name, v.scenario,
           v.status, v.fiscal_year, c.period_number, c.account_id, a.account_code,
           a.account_name, a.pl_section, cast(null as varchar) as cost_centre_code,
           c.budget::decimal(19, 4) as budget, c.actual::decimal(19, 4) as actual,
           (c.actual - c.budget)::decimal(19, 4) as variance,
           case when c.budget <> 0
                then round(100 * (c.actual - c.budget) / abs(c.budget), 2)::decimal(19, 2)
           end as variance_pct
    from compared c
    join budget_versions_df v using (version_id)
    join dim_divisions d on d.division_id = v.division_id
    join dim_accounts a on a.account_id = c.account_id;
"""


def _cash_forecast(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Week 1 opens with the cash accounts' balance on AS_OF; the flows as listed above."""
    opening = dict(
        con.execute(
            "select g.division_id, sum(g.amount_base) from fct_gl_lines g "
            "join dim_accounts a using (account_id) "
            "where a.reporting_category = 'cash' and g.entry_date <= ? group by 1",
            [AS_OF],
        ).fetchall()
    )
    rows = []
    for division in (1, 2):
        cash = Decimal(opening[division])
        for week in range(1, 14):
            receipts = sum(
                (Decimal(r) for d, w, r, _ in FORECAST_ITEMS if (d, w) == (division, week)),
                Decimal(0),
            )
            payments = sum(
                (Decimal(p) for d, w, _, p in FORECAST_ITEMS if (d, w) == (division, week)),
                Decimal(0),
            )
            net = receipts + payments + RECURRING_WEEKLY
            rows.append(
                (division, WH_DIVISION_CODES[division])
                + (FORECAST_WEEK_1 + timedelta(days=7 * (week - 1)), week, cash)
                + (receipts, payments, RECURRING_WEEKLY, Decimal(0), net, cash + net)
            )
            cash += net
    return pd.DataFrame(
        rows,
        columns=_names(
            "division_id division_code week_start week_number opening_cash "
            "receipts_open_items payments_open_items recurring_costs budget_flows net_flow "
            "closing_cash"
        ),
    )


# Hand-worked from the numbers above, as of 31 December 2025 (year to date = all 2025):
# HOLD rent budget 3,000 against 3,600 (overrun 600 > 10 % = 300); UK cost of sales budget
# 2,400 against 0.4 x (550 + 5 x month) summed = 2,796 (overrun 396 > 240). Acme (C1) has
# 500 overdue (VK2025-000090, 52 days) against its limit of 400.
ALERTS = [
    # division, kind, relation, invoice, document, version, account, amount, threshold, days
    (1, "customer_over_limit", 1, None, None, None, None, 500, 400, 52),
    (1, "invoice_past_due", 1, 12, "VK2025-000090", None, None, 500, None, 52),
    (2, "invoice_past_due", 3, 13, "VK2025-000050", None, None, 300, None, 183),
    (1, "budget_overrun", None, None, None, 101, "4300", 600, 300, None),
    (2, "budget_overrun", None, None, None, 201, "7000", 396, 240, None),
]


def _alerts() -> pd.DataFrame:
    codes: dict[int | None, str] = {r[0]: r[2] for r in RELATIONS}
    rows = [
        (d, WH_DIVISION_CODES[d], kind, rel, codes.get(rel), inv, doc, ver, acc)
        + (float(amount), None if threshold is None else float(threshold), days)
        + (f"{kind} {doc or acc or codes.get(rel)}",)
        for d, kind, rel, inv, doc, ver, acc, amount, threshold, days in ALERTS
    ]
    return pd.DataFrame(
        rows,
        columns=_names(
            "division_id division_code alert_kind relation_id relation_code invoice_id "
            "document_number version_id account_code amount threshold days_overdue message"
        ),
    )


def _budgets(con: duckdb.DuckDBPyConnection) -> None:
    """Add the three budget marts with the numbers above."""
    con.register(
        "budget_versions_df",
        pd.DataFrame(
            BUDGET_VERSIONS,
            columns=_names("version_id division_id fiscal_year version_name scenario status"),
        ),
    )
    con.register("budget_lines_df", _budget_lines())
    con.execute(_BUDGET_MARTS)
    con.unregister("budget_lines_df")
    con.unregister("budget_versions_df")
    money = "::decimal(19, 4)"
    for table, frame, columns in (
        (
            "mart_cash_flow_forecast",
            _cash_forecast(con),
            "division_id, division_code, week_start, week_number, "
            + ", ".join(
                f"{c}{money} as {c}"
                for c in _names(
                    "opening_cash receipts_open_items payments_open_items recurring_costs "
                    "budget_flows net_flow closing_cash"
                )
            ),
        ),
        (
            "mart_alerts",
            _alerts(),
            "division_id, division_code, alert_kind, relation_id::bigint as relation_id, "
            "relation_code, invoice_id::bigint as invoice_id, document_number, "
            f"version_id::bigint as version_id, account_code, amount{money} as amount, "
            f"threshold{money} as threshold, days_overdue::integer as days_overdue, "
            "message",
        ),
    ):
        con.register("frame_df", frame)
        con.execute(f"create table {table} as select {columns} from frame_df")
        con.unregister("frame_df")
