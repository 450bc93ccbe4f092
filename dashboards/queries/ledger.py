"""Drill-down: the general-ledger lines (``fct_gl_lines``) behind a P&L or balance-sheet figure.

A :class:`Figure` names one number on the Finance page. :func:`ledger_lines` lists the
journal lines that make it up and :func:`reconciliation` proves they add up to the
figure the mart shows (per currency), so every figure can be traced to its transactions.

Ledger lines are debit-positive; figures are shown in their statement's natural sign
(P&L: income positive; balance sheet: each side positive), so lines are shown with the
sign of the figure they explain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from dashboards.language import _
from dashboards.selection import Selection
from dashboards.statement_terms import term
from dashboards.warehouse import PublishedWarehouse

Statement = Literal["pl_section", "pl_account", "bs_line"]
COMPUTED_BS_LINES = ("CYR", "RE")


@dataclass(frozen=True)
class Figure:
    """One drillable number: a P&L section or account, or a balance-sheet line."""

    statement: Statement
    code: str  # P&L section name, account code, or balance-sheet line code
    label: str
    account_id: int | None = None
    side: str | None = None  # balance sheet: 'assets' or 'equity_and_liabilities'

    @property
    def key(self) -> str:
        return f"{self.statement}:{self.code}:{self.account_id or ''}"

    @property
    def is_balance_sheet(self) -> bool:
        return self.statement == "bs_line"


def account_figure(row: Any) -> Figure:
    """The figure of one row of the P&L-by-account table."""
    return Figure(
        "pl_account",
        str(row.account_code),
        _("P&L · {code} {name}", code=row.account_code, name=row.account_name),
        account_id=int(row.account_id),
    )


def balance_sheet_figure(row: Any) -> Figure:
    """The figure of one row of the balance-sheet table."""
    return Figure(
        "bs_line",
        str(row.line_code),
        _("Balance sheet · {code} {name}", code=row.line_code, name=term(row.line_name)),
        account_id=None if pd.isna(row.account_id) else int(row.account_id),
        side=str(row.side),
    )


def figures(
    pnl_sections: pd.DataFrame, pnl_accounts: pd.DataFrame, bs: pd.DataFrame
) -> list[Figure]:
    """The figures of the shown P&L and balance-sheet tables that can be drilled into."""
    found: list[Figure] = [
        Figure("pl_section", str(r.pl_section), _("P&L section · {name}", name=term(r.pl_section)))
        for r in pnl_sections.itertuples()
    ]
    found += [account_figure(r) for r in pnl_accounts.itertuples()]
    for r in bs.itertuples():
        figure = balance_sheet_figure(r)
        # A computed line other than the two results has no rule to trace it.
        if figure.account_id is not None or figure.code in COMPUTED_BS_LINES:
            found.append(figure)
    return found


def _through(alias: str) -> str:
    return (
        f"({alias}.fiscal_year < $year or "
        f"({alias}.fiscal_year = $year and {alias}.period_number <= $period))"
    )


def _line_scope(figure: Figure) -> str:
    """Which ledger lines make up the figure (aliases: g = fct_gl_lines, a = dim_accounts)."""
    year_to_date = "g.fiscal_year = $year and g.period_number <= $period"
    if figure.statement == "pl_section":
        return f"a.pl_section = $code and {year_to_date}"
    if figure.statement == "pl_account":
        return f"g.account_id = $account_id and {year_to_date}"
    if figure.account_id is not None:
        return f"g.account_id = $account_id and {_through('g')}"
    if figure.code == "CYR":
        return f"a.account_type = 'profit_loss' and {year_to_date}"
    if figure.code == "RE":
        # Retained earnings: the retained-earnings account plus all prior years' results.
        return (
            f"((a.reporting_category = 'retained_earnings' and {_through('g')})"
            " or (a.account_type = 'profit_loss' and g.fiscal_year < $year))"
        )
    raise ValueError(f"no drill-down rule for balance-sheet line {figure.code}")


def _sign(figure: Figure) -> int:
    """Debit-positive ledger amounts times this give the figure's own sign."""
    return 1 if figure.side == "assets" else -1


def _in_group_currency(sel: Selection, figure: Figure) -> bool:
    # The balance sheet translates at the period-end rate, which no single ledger line
    # carries: in group currency its lines reconcile per division currency instead.
    return sel.in_group_currency and not figure.is_balance_sheet


def _params(sel: Selection, figure: Figure) -> dict[str, Any]:
    return {
        "divisions": list(sel.division_ids),
        "year": sel.fiscal_year,
        "period": sel.period_through,
        "code": figure.code,
        "account_id": figure.account_id,
        "currency": sel.currency,
    }


# A figure such as revenue can stand on millions of lines: the page shows them a page at a
# time (the database sorts and cuts), never all at once.
LINES_PER_PAGE = 1000


def ledger_lines(
    wh: PublishedWarehouse,
    sel: Selection,
    figure: Figure,
    *,
    page: int = 1,
    per_page: int | None = None,
    total: int | None = None,
) -> pd.DataFrame:
    """The journal lines behind ``figure``, oldest first, with ``amount`` in its sign.

    With ``per_page`` only that many lines, of page ``page`` (from 1); without, all lines.
    ``total``, the figure's line count (from :func:`reconciliation`), lets a page past the
    middle be read from the newest end: DuckDB then keeps the few lines up to it (a top-N)
    instead of sorting every line before it (the last page of an account with a million
    lines at 10M: see docs/performance.md).
    """
    group = _in_group_currency(sel, figure)
    line_amount = "g.amount_group" if group else "g.amount_base"
    currency = "$currency" if group else "d.currency_code"
    order = "g.entry_date, g.document_number, g.gl_line_id"
    params = _page_params(page, per_page)
    backwards = per_page is not None and total is not None and params["offset"] * 2 > total
    if backwards:
        assert per_page is not None and total is not None
        end = min(params["offset"] + per_page, total)
        params = {"limit": max(end - params["offset"], 0), "offset": total - end}
        order = "g.entry_date desc, g.document_number desc, g.gl_line_id desc"
    lines = wh.query(
        f"""
        select d.division_code, g.journal_code, g.document_number, g.entry_date,
               g.fiscal_year, g.period_number, g.account_code, a.account_name, g.description,
               r.relation_code, r.relation_name, g.cost_centre_code, g.cost_unit_code,
               g.currency_code, g.amount_foreign, g.debit_base, g.credit_base,
               {_sign(figure)} * {line_amount} as amount, {currency} as amount_currency,
               g.entry_id
        from fct_gl_lines g
        join dim_accounts a on a.account_id = g.account_id
        join dim_divisions d on d.division_id = g.division_id
        left join dim_relations r on r.relation_id = g.relation_id
        where list_contains($divisions, g.division_id) and {_line_scope(figure)}
        order by {order}
        {"limit $limit offset $offset" if per_page is not None else ""}
        """,
        {**_params(sel, figure), **params},
    )
    return lines.iloc[::-1].reset_index(drop=True) if backwards else lines


def _page_params(page: int, per_page: int | None) -> dict[str, int]:
    if per_page is None:
        return {}
    return {"limit": per_page, "offset": (max(page, 1) - 1) * per_page}


def page_count(lines: int, per_page: int = LINES_PER_PAGE) -> int:
    """How many pages ``lines`` lines fill (at least one, also when there are none)."""
    return max(1, -(-lines // per_page))


def _figure_sql(sel: Selection, figure: Figure) -> str:
    group = _in_group_currency(sel, figure)
    amount = "m.amount_group" if group else "m.amount"
    currency = "$currency" if group else "d.currency_code"
    if figure.statement == "bs_line":
        account = "m.account_id = $account_id" if figure.account_id is not None else "true"
        return f"""
            select {currency} as amount_currency, sum({amount}) as figure
            from mart_balance_sheet m
            join dim_divisions d on d.division_id = m.division_id
            where list_contains($divisions, m.division_id) and m.line_code = $code
              and {account} and m.fiscal_year = $year and m.period_number = $period
            group by 1"""
    which = (
        "m.pl_section = $code"
        if figure.statement == "pl_section"
        else ("m.account_id = $account_id")
    )
    return f"""
        select {currency} as amount_currency, sum({amount}) as figure
        from mart_profit_and_loss m
        join dim_divisions d on d.division_id = m.division_id
        where list_contains($divisions, m.division_id) and {which}
          and m.fiscal_year = $year and m.period_number <= $period
        group by 1"""


def reconciliation(wh: PublishedWarehouse, sel: Selection, figure: Figure) -> pd.DataFrame:
    """Per currency: the figure as the mart shows it, the total of its lines, the difference.

    A figure with no lines in the selection (an account used only in other periods or
    divisions) reconciles to zero: one row of zeros in the selection's currency, never
    an empty frame (whose sums and maxima are NaN).
    """
    group = _in_group_currency(sel, figure)
    line_amount = "g.amount_group" if group else "g.amount_base"
    currency = "$currency" if group else "d.currency_code"
    check = wh.query(
        f"""
        with figure as ({_figure_sql(sel, figure)}),
        lines as (
            select {currency} as amount_currency,
                   sum({_sign(figure)} * {line_amount}) as lines_total, count(*) as lines
            from fct_gl_lines g
            join dim_accounts a on a.account_id = g.account_id
            join dim_divisions d on d.division_id = g.division_id
            where list_contains($divisions, g.division_id) and {_line_scope(figure)}
            group by 1
        )
        select coalesce(f.amount_currency, l.amount_currency) as amount_currency,
               coalesce(f.figure, 0) as figure, coalesce(l.lines_total, 0) as lines_total,
               coalesce(l.lines, 0) as lines,
               coalesce(f.figure, 0) - coalesce(l.lines_total, 0) as difference
        from figure f
        full outer join lines l on l.amount_currency = f.amount_currency
        order by 1
        """,
        _params(sel, figure),
    )
    if check.empty:
        return pd.DataFrame(
            {
                "amount_currency": [sel.currency],
                "figure": [0.0],
                "lines_total": [0.0],
                "lines": [0],
                "difference": [0.0],
            }
        )
    return check
