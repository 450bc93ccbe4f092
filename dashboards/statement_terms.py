"""The statements' fixed words, as the warehouse writes them, in the user's language.

dbt names the P&L and balance-sheet sections, the computed balance-sheet lines and the
ageing buckets in English, once (``dim_accounts``, ``mart_balance_sheet``, the
``ageing_bucket`` macro); the marts stay language-free. Here they are message ids, so
every table showing such a column (``report_table.prepare``) and every label built from
one reads them in the user's language. Keep in step with those models.
"""

from __future__ import annotations

from dashboards.language import N_, _

TERMS = (
    N_("Revenue"),
    N_("Cost of sales"),
    N_("Operating expenses"),
    N_("Other income and expense"),
    N_("Income tax"),
    N_("Fixed assets"),
    N_("Inventory"),
    N_("Receivables"),
    N_("Other current assets"),
    N_("Cash and bank"),
    N_("Equity"),
    N_("Long-term liabilities"),
    N_("Current liabilities"),
    N_("Current year result"),
    N_("Retained earnings"),
    N_("Not due"),
)
# The columns that hold these words (other values in them, such as account names, stay).
COLUMNS = ("pl_section", "bs_section", "line_name", "ageing_bucket")


def term(value: object) -> object:
    """``value`` in the user's language when it is one of the fixed words."""
    return _(value) if isinstance(value, str) and value in TERMS else value


def column_values() -> dict[str, dict[str, str]]:
    """``report_table``'s ``values`` for the term columns: word -> translated word."""
    words = {t: _(t) for t in TERMS}
    return {column: words for column in COLUMNS}
