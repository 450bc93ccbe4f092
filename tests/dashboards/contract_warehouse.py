"""A small warehouse shaped exactly like docs/marts.md, with known numbers.

The marts here are derived from ``fct_gl_lines`` by plain SQL (a stand-in for dbt), so
the query unit tests can check exact figures and that drill-downs reconcile without
running the pipeline. The AppTests use the real pipeline (see conftest.py).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd

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
                sale_lines = [(2, sale + service, customer), (6, -sale, customer)]
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
create table finance__profit_and_loss as
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
create table finance__balance_sheet as
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
create table finance__cash_position as
    select division_id, fiscal_year, period_number, period_end, account_id,
           line_code as account_code, line_name as account_name, amount as balance_base,
           amount_group as balance_group
    from finance__balance_sheet where line_code = '1100';
create table finance__open_items_by_period as
    select b.division_id, b.fiscal_year, b.period_number, b.period_end,
           case when b.line_code = '1300' then 'receivable' else 'payable' end as item_type,
           b.amount as open_amount_base, b.amount / 2 as overdue_amount_base,
           b.amount_group as open_amount_group, b.amount_group / 2 as overdue_amount_group
    from finance__balance_sheet b where b.line_code in ('1300', '1600');
create table finance__trial_balance as
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
            ("finance__receivables_ageing", RECEIVABLES),
            ("finance__payables_ageing", PAYABLES),
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
        con.execute("drop table period_grid")
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
