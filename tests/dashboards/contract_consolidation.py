"""The consolidation marts of the contract warehouse (docs/consolidation.md section 3),
worked out here from the fixture's ledger lines, so the Consolidation page's tests know
every figure and its drill-down reconciles.

One level: HOLD (EUR) with UK (GBP, 80 %, acquired 1 January 2024), at every month end
of 2024 and 2025. The division accounts map one to one to group accounts, but for the
two revenue accounts (8000 and 8100), which both map to G8000. UK's rates move: the
closing rate of the n-th month end (n from 0 for January 2024) is 1.10 + 0.005 n, a
month's average rate 0.0025 below its closing rate; share capital is at the acquisition
rate 1.10. Eliminations (cumulative): HOLD's services to UK of 500 a month from March
2025 (HOLD's revenue against UK's cost of sales), and the NCI's 20 % of UK's result; one
top-side entry from June 2025 (an audit fee of 100 accrued in HOLD's column).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import duckdb
import pandas as pd

CENT = Decimal("0.01")
LEVEL = 1
UK = 2
NCI_SHARE = Decimal("0.2")
ACQUISITION_RATE = Decimal("1.10")
IC_MONTHLY = Decimal(500)
IC_FROM = date(2025, 3, 31)
AUDIT_FEE = Decimal(100)
AUDIT_FEE_FROM = date(2025, 6, 30)


@dataclass(frozen=True)
class GroupAccount:
    id: int
    code: str
    name: str
    account_type: str
    account_class: str
    rate_type: str
    role: str | None
    eliminate_intercompany: bool
    sort_order: int


GROUP_ACCOUNTS = [
    GroupAccount(1, "G1100", "Cash and bank", "balance_sheet", "asset", "closing", None, False, 10),
    GroupAccount(2, "G1300", "Receivables", "balance_sheet", "asset", "closing", None, True, 20),
    GroupAccount(3, "G1600", "Payables", "balance_sheet", "liability", "closing", None, True, 30),
    GroupAccount(
        4, "G0500", "Share capital", "balance_sheet", "equity", "historical", None, False, 40
    ),
    GroupAccount(
        5,
        "G0600",
        "Retained earnings",
        "balance_sheet",
        "equity",
        "historical",
        "retained_earnings",
        False,
        41,
    ),
    GroupAccount(
        6, "G0700", "Translation reserve", "balance_sheet", "equity", "closing", "cta", False, 42
    ),
    GroupAccount(
        7,
        "G0800",
        "Non-controlling interests",
        "balance_sheet",
        "equity",
        "closing",
        "nci",
        False,
        43,
    ),
    GroupAccount(8, "G8000", "Revenue", "profit_loss", "revenue", "average", None, True, 50),
    GroupAccount(
        9, "G7000", "Cost of sales", "profit_loss", "cost_of_sales", "average", None, True, 60
    ),
    GroupAccount(10, "G4300", "Housing", "profit_loss", "expense", "average", None, False, 70),
    GroupAccount(
        11,
        "G9900",
        "Result of non-controlling interests",
        "profit_loss",
        "tax",
        "average",
        "nci_result",
        False,
        90,
    ),
]
BY_ID = {a.id: a for a in GROUP_ACCOUNTS}
# Division account id (contract_warehouse.ACCOUNTS) -> group account id.
ACCOUNT_MAP = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 8, 7: 8, 8: 9, 9: 10}
ROLE = {a.role: a.id for a in GROUP_ACCOUNTS if a.role}
CODES = {1: "HOLD", UK: "UK"}


def month_ends() -> list[date]:
    return [
        date(year, month, calendar.monthrange(year, month)[1])
        for year in (2024, 2025)
        for month in range(1, 13)
    ]


def closing_rate(division: int, end: date) -> Decimal:
    if division != UK:
        return Decimal(1)
    n = (end.year - 2024) * 12 + end.month - 1
    return Decimal("1.10") + Decimal("0.005") * n


def average_rate(division: int, end: date) -> Decimal:
    return closing_rate(division, end) - (Decimal("0.0025") if division == UK else 0)


def _round(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _prior_year_end(end: date) -> date | None:
    prior = date(end.year - 1, 12, 31)
    return prior if prior >= month_ends()[0] else None


def _movements(gl: pd.DataFrame) -> dict[tuple[int, int, date], Decimal]:
    """Per (division, group account, month end): the month's movement in the division's
    currency."""
    moves: dict[tuple[int, int, date], Decimal] = {}
    for row in gl.itertuples():
        on: date = row.entry_date  # type: ignore[assignment]
        end = date(on.year, on.month, calendar.monthrange(on.year, on.month)[1])
        key = (int(row.division_id), ACCOUNT_MAP[int(row.account_id)], end)  # type: ignore[arg-type]
        moves[key] = moves.get(key, Decimal(0)) + Decimal(row.amount_base)  # type: ignore[arg-type]
    return moves


def translation(gl: pd.DataFrame) -> pd.DataFrame:
    """fct_consolidation_translation: cumulative per division, group account, month end."""
    moves = _movements(gl)
    rows = []
    for division in (1, UK):
        for end in month_ends():
            total = Decimal(0)
            for account in GROUP_ACCOUNTS:
                if account.role in ("cta", "nci", "nci_result"):
                    continue
                months = [e for e in month_ends() if e <= end]
                local = sum(
                    (moves.get((division, account.id, e), Decimal(0)) for e in months), Decimal(0)
                )
                closing = closing_rate(division, end)
                if account.rate_type == "closing" or division != UK:
                    group = _round(local * closing)
                elif account.rate_type == "average":
                    group = sum(
                        (
                            _round(
                                moves.get((division, account.id, e), Decimal(0))
                                * average_rate(division, e)
                            )
                            for e in months
                        ),
                        Decimal(0),
                    )
                else:
                    group = _round(local * ACQUISITION_RATE)
                at_closing = _round(local * closing)
                total += group
                rows.append(
                    (
                        LEVEL,
                        end,
                        division,
                        account.id,
                        local,
                        group,
                        at_closing,
                        group - at_closing,
                        account.rate_type,
                        closing,
                    )
                )
            if division == UK:
                cta = -total
                rows.append(
                    (
                        LEVEL,
                        end,
                        division,
                        ROLE["cta"],
                        Decimal(0),
                        cta,
                        Decimal(0),
                        cta,
                        "closing",
                        closing_rate(division, end),
                    )
                )
    return pd.DataFrame(
        rows,
        columns=[
            "group_division_id",
            "period_end",
            "division_id",
            "group_account_id",
            "amount_local",
            "amount_group",
            "amount_at_closing_rate",
            "currency_effect",
            "rate_type",
            "closing_rate",
        ],
    )


def _uk_result(tr: pd.DataFrame, end: date) -> Decimal:
    """UK's translated cumulative P&L (debit positive) at ``end``."""
    pl = {a.id for a in GROUP_ACCOUNTS if a.account_type == "profit_loss"}
    rows = tr[(tr.division_id == UK) & (tr.period_end == end) & tr.group_account_id.isin(pl)]
    return sum((Decimal(v) for v in rows.amount_group), Decimal(0))


def eliminations(tr: pd.DataFrame) -> pd.DataFrame:
    """fct_consolidation_eliminations: cumulative amounts per month end."""
    rows = []
    for end in month_ends():
        if end >= IC_FROM:
            months = (end.year - IC_FROM.year) * 12 + end.month - IC_FROM.month + 1
            ic = IC_MONTHLY * months
            rows += [
                (
                    end,
                    1,
                    1,
                    UK,
                    8,
                    "intercompany_transaction",
                    "elimination",
                    ic,
                    "HOLD services to UK",
                ),
                (
                    end,
                    2,
                    UK,
                    1,
                    9,
                    "intercompany_transaction",
                    "elimination",
                    -ic,
                    "HOLD services to UK",
                ),
            ]
        share = _round(-NCI_SHARE * _uk_result(tr, end))
        rows += [
            (
                end,
                3,
                UK,
                None,
                ROLE["nci_result"],
                "nci_result",
                "elimination",
                share,
                "NCI share of UK's result",
            ),
            (
                end,
                4,
                UK,
                None,
                ROLE["nci"],
                "nci_result",
                "elimination",
                -share,
                "NCI share of UK's result",
            ),
        ]
        if end >= AUDIT_FEE_FROM:
            rows += [
                (end, 5, 1, None, 10, "topside", "adjustment", AUDIT_FEE, "Accrued audit fee"),
                (end, 6, 1, None, 3, "topside", "adjustment", -AUDIT_FEE, "Accrued audit fee"),
            ]
    frame = pd.DataFrame(
        rows,
        columns=[
            "period_end",
            "elimination_id",
            "division_id",
            "counterparty_division_id",
            "group_account_id",
            "elimination_type",
            "column_kind",
            "amount_group",
            "description",
        ],
    )
    return frame.assign(group_division_id=LEVEL)


def _trial_balance_rows(tr: pd.DataFrame, el: pd.DataFrame) -> list[tuple]:
    """(period_end, column_code, column_kind, division_id, group account id, balance):
    BS cumulative, P&L year to date, earlier years' P&L folded into retained earnings."""
    cumulative: dict[tuple[date, str], dict[int, Decimal]] = {}
    kinds: dict[str, tuple[str, int | None]] = {}
    for row in tr.itertuples():
        column = CODES[int(row.division_id)]  # type: ignore[arg-type]
        kinds[column] = ("division", int(row.division_id))  # type: ignore[arg-type]
        into = cumulative.setdefault((row.period_end, column), {})  # type: ignore[arg-type]
        into[int(row.group_account_id)] = Decimal(row.amount_group)  # type: ignore[arg-type]
    for row in el.itertuples():
        column = "ELIM" if row.column_kind == "elimination" else "ADJ"
        kinds[column] = (str(row.column_kind), None)
        into = cumulative.setdefault((row.period_end, column), {})  # type: ignore[arg-type]
        account = int(row.group_account_id)  # type: ignore[arg-type]
        into[account] = into.get(account, Decimal(0)) + Decimal(row.amount_group)  # type: ignore[arg-type]
    rows = []
    for end in month_ends():
        group: dict[int, Decimal] = {}
        for column, (kind, division) in kinds.items():
            now = cumulative.get((end, column), {})
            prior_end = _prior_year_end(end)
            before = cumulative.get((prior_end, column), {}) if prior_end else {}
            balances: dict[int, Decimal] = {}
            for account in GROUP_ACCOUNTS:
                value = now.get(account.id, Decimal(0))
                if account.account_type == "profit_loss":
                    value -= before.get(account.id, Decimal(0))
                if account.role == "retained_earnings":
                    value += sum(
                        (v for a, v in before.items() if BY_ID[a].account_type == "profit_loss"),
                        Decimal(0),
                    )
                balances[account.id] = value
            if not now:
                continue
            assert sum(balances.values()) == 0, (end, column, balances)
            for account_id, value in balances.items():
                rows.append((end, column, kind, division, account_id, value))
                group[account_id] = group.get(account_id, Decimal(0)) + value
        for account_id, value in group.items():
            rows.append((end, "GROUP", "group", None, account_id, value))
    return rows


def trial_balance(tr: pd.DataFrame, el: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for end, column, kind, division, account_id, balance in _trial_balance_rows(tr, el):
        a = BY_ID[account_id]
        rows.append(
            (
                LEVEL,
                end,
                end.year,
                a.id,
                a.code,
                a.name,
                a.account_type,
                a.account_class,
                a.sort_order,
                column,
                kind,
                division,
                balance,
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "group_division_id",
            "period_end",
            "fiscal_year",
            "group_account_id",
            "code",
            "name",
            "account_type",
            "account_class",
            "sort_order",
            "column_code",
            "column_kind",
            "division_id",
            "balance",
        ],
    )


def income_statement(tb: pd.DataFrame) -> pd.DataFrame:
    """P&L lines (income positive), then PROFIT, PROFIT_NCI and PROFIT_OWNERS, per column:
    the month (the year to date less the month before in the same year) and the year."""
    ytd: dict[tuple[date, str], dict[str, Decimal]] = {}
    meta: dict[str, tuple[str, int]] = {}
    columns: dict[str, tuple[str, int | None]] = {}
    for row in tb[tb.account_type == "profit_loss"].itertuples():
        key = (row.period_end, str(row.column_code))
        lines = ytd.setdefault(key, {})  # type: ignore[arg-type]
        division = None if pd.isna(row.division_id) else int(row.division_id)  # type: ignore[arg-type]
        columns[str(row.column_code)] = (str(row.column_kind), division)
        balance = Decimal(row.balance)  # type: ignore[arg-type]
        if BY_ID[int(row.group_account_id)].role == "nci_result":  # type: ignore[arg-type]
            lines["PROFIT_NCI"] = balance
            continue
        lines[str(row.code)] = -balance
        meta[str(row.code)] = (str(row.name), int(row.sort_order))  # type: ignore[arg-type]
    meta.update(
        {
            "PROFIT": ("Profit for the period", 900),
            "PROFIT_NCI": ("Attributable to non-controlling interests", 910),
            "PROFIT_OWNERS": ("Attributable to owners of the parent", 920),
        }
    )
    for lines in ytd.values():
        lines["PROFIT"] = sum(
            (v for k, v in lines.items() if not k.startswith("PROFIT")), Decimal(0)
        )
        lines["PROFIT_OWNERS"] = lines["PROFIT"] - lines.get("PROFIT_NCI", Decimal(0))
    rows = []
    for (end, column), lines in ytd.items():
        previous = (
            date(end.year, end.month - 1, calendar.monthrange(end.year, end.month - 1)[1])
            if end.month > 1
            else None
        )
        before = ytd.get((previous, column), {}) if previous else {}
        kind, division = columns[column]
        for code, amount in lines.items():
            name, sort = meta[code]
            month = amount - before.get(code, Decimal(0))
            rows.append(
                (LEVEL, end, end.year, code, name, sort, column, kind, division, month, amount)
            )
    return pd.DataFrame(
        rows,
        columns=[
            "group_division_id",
            "period_end",
            "fiscal_year",
            "line_code",
            "line_name",
            "sort_order",
            "column_code",
            "column_kind",
            "division_id",
            "month_amount",
            "ytd_amount",
        ],
    )


def balance_sheet(tb: pd.DataFrame) -> pd.DataFrame:
    """Balance-sheet lines (each side positive), RE and CYR, per column."""
    rows = []
    for (end, column), part in tb.groupby(["period_end", "column_code"], sort=False):
        kind = str(part.column_kind.iloc[0])
        division = part.division_id.iloc[0]
        division = None if pd.isna(division) else int(division)
        result = Decimal(0)
        for row in part.itertuples():
            account = BY_ID[int(row.group_account_id)]  # type: ignore[arg-type]
            balance = Decimal(row.balance)  # type: ignore[arg-type]
            if account.account_type == "profit_loss":
                result += balance
                continue
            if account.role == "retained_earnings":
                line = ("equity_and_liabilities", "RE", "Retained earnings", account.sort_order)
                amount = -balance
            elif account.account_class == "asset":
                line = ("assets", account.code, account.name, account.sort_order)
                amount = balance
            else:
                line = ("equity_and_liabilities", account.code, account.name, account.sort_order)
                amount = -balance
            rows.append((LEVEL, end, end.year, *line, column, kind, division, amount))
        rows.append(
            (
                LEVEL,
                end,
                end.year,
                "equity_and_liabilities",
                "CYR",
                "Current year result",
                45,
                column,
                kind,
                division,
                -result,
            )
        )
    return pd.DataFrame(
        rows,
        columns=[
            "group_division_id",
            "period_end",
            "fiscal_year",
            "side",
            "line_code",
            "line_name",
            "sort_order",
            "column_code",
            "column_kind",
            "division_id",
            "amount",
        ],
    )


def reconciliation() -> pd.DataFrame:
    """HOLD's and UK's intercompany services match; their balances differ by 50 (UK
    booked 950 of HOLD's 1,000 invoice) from June 2025."""
    rows = []
    for end in month_ends():
        if end >= IC_FROM:
            months = (end.year - IC_FROM.year) * 12 + end.month - IC_FROM.month + 1
            ic = IC_MONTHLY * months
            rows.append((end, "transaction", -ic, ic, Decimal(0), True))
        if end >= AUDIT_FEE_FROM:
            rows.append((end, "balance", Decimal(1000), Decimal(-950), Decimal(50), False))
    frame = pd.DataFrame(
        rows,
        columns=[
            "period_end",
            "kind",
            "amount_division",
            "amount_counterparty",
            "difference",
            "is_matched",
        ],
    )
    return frame.assign(
        group_division_id=LEVEL,
        fiscal_year=[e.year for e in frame.period_end],
        division_id=1,
        counterparty_division_id=UK,
    )


def cta_and_nci(tr: pd.DataFrame, el: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """UK's CTA and NCI movements over each year to the month end (credit positive)."""
    cta_rows, nci_rows = [], []

    def cta(end: date | None) -> Decimal:
        if end is None:
            return Decimal(0)
        rows = tr[
            (tr.division_id == UK) & (tr.period_end == end) & (tr.group_account_id == ROLE["cta"])
        ]
        return -Decimal(rows.amount_group.iloc[0])

    def nci(end: date | None) -> Decimal:
        if end is None:
            return Decimal(0)
        rows = el[(el.period_end == end) & (el.group_account_id == ROLE["nci"])]
        return -sum((Decimal(v) for v in rows.amount_group), Decimal(0))

    for end in month_ends():
        prior = _prior_year_end(end)
        closing = cta(end)
        nci_share = _round(NCI_SHARE * closing)
        cta_rows.append(
            (
                end,
                cta(prior),
                closing - cta(prior),
                closing,
                Decimal(0),
                nci_share,
                closing - nci_share,
            )
        )
        opening = nci(prior)
        nci_rows.append(
            (end, opening, Decimal(0), nci(end) - opening, Decimal(0), Decimal(0), nci(end))
        )
    head = {"group_division_id": LEVEL, "division_id": UK}
    cta_frame = pd.DataFrame(
        cta_rows,
        columns=[
            "period_end",
            "opening",
            "movement",
            "closing",
            "goodwill_translation",
            "nci_share",
            "group_share",
        ],
    )
    nci_frame = pd.DataFrame(
        nci_rows,
        columns=[
            "period_end",
            "opening",
            "at_acquisition",
            "share_of_result",
            "share_of_cta",
            "share_of_equity_movements",
            "closing",
        ],
    )
    for frame in (cta_frame, nci_frame):
        frame["fiscal_year"] = [e.year for e in frame.period_end]
    return cta_frame.assign(**head), nci_frame.assign(**head)


def _money(*names: str) -> str:
    return ", ".join(f"{n}::decimal(18, 2) as {n}" for n in names)


def build(con: duckdb.DuckDBPyConnection) -> None:
    """Add the consolidation marts to the contract warehouse (fct_gl_lines built)."""
    gl = con.execute(
        "select division_id, account_id, entry_date, amount_base from fct_gl_lines"
    ).df()
    tr = translation(gl)
    el = eliminations(tr)
    tb = trial_balance(tr, el)
    cta, nci = cta_and_nci(tr, el)
    frames = {
        "dim_group_accounts": (
            pd.DataFrame([vars(a) for a in GROUP_ACCOUNTS]).rename(
                columns={"id": "group_account_id"}
            ),
            "group_account_id::bigint as group_account_id, code, name, account_type, "
            "account_class, rate_type, role, eliminate_intercompany, "
            "sort_order::integer as sort_order",
        ),
        "dim_group_account_map": (
            pd.DataFrame(
                [(d, a, g) for d in (1, UK) for a, g in ACCOUNT_MAP.items()],
                columns=["division_id", "account_id", "group_account_id"],
            ),
            "m.division_id::bigint as division_id, m.account_id::bigint as account_id, "
            "a.account_code, m.group_account_id::bigint as group_account_id",
        ),
        "dim_group_levels": (
            pd.DataFrame(
                [
                    (
                        LEVEL,
                        "HOLD",
                        "EUR",
                        1,
                        "HOLD",
                        "EUR",
                        Decimal(1),
                        "full",
                        None,
                        None,
                        None,
                        True,
                    ),
                    (
                        LEVEL,
                        "HOLD",
                        "EUR",
                        UK,
                        "UK",
                        "GBP",
                        Decimal("0.8"),
                        "full",
                        date(2024, 1, 1),
                        date(2024, 1, 1),
                        None,
                        False,
                    ),
                ],
                columns=[
                    "group_division_id",
                    "group_division_code",
                    "group_currency",
                    "division_id",
                    "division_code",
                    "currency_code",
                    "ownership_pct",
                    "method",
                    "acquisition_date",
                    "valid_from",
                    "valid_to",
                    "is_level_parent",
                ],
            ),
            "group_division_id::bigint as group_division_id, group_division_code, "
            "group_currency, division_id::bigint as division_id, division_code, "
            "currency_code, ownership_pct::decimal(9, 6) as ownership_pct, method, "
            "acquisition_date::date as acquisition_date, valid_from::date as valid_from, "
            "valid_to::date as valid_to, is_level_parent",
        ),
        "fct_consolidation_translation": (
            tr,
            "group_division_id::bigint as group_division_id, period_end, "
            "division_id::bigint as division_id, group_account_id::bigint as group_account_id, "
            + _money("amount_local", "amount_group", "amount_at_closing_rate", "currency_effect")
            + ", rate_type, closing_rate::decimal(18, 8) as closing_rate",
        ),
        "fct_consolidation_eliminations": (
            el,
            "group_division_id::bigint as group_division_id, period_end, "
            "elimination_id::bigint as elimination_id, division_id::bigint as division_id, "
            "counterparty_division_id::bigint as counterparty_division_id, "
            "group_account_id::bigint as group_account_id, elimination_type, column_kind, "
            + _money("amount_group")
            + ", description",
        ),
        "mart_consolidated_trial_balance": (
            tb,
            "group_division_id::bigint as group_division_id, period_end, "
            "fiscal_year::bigint as fiscal_year, group_account_id::bigint as group_account_id, "
            "code, name, account_type, account_class, sort_order::integer as sort_order, "
            "column_code, column_kind, division_id::bigint as division_id, " + _money("balance"),
        ),
        "mart_consolidated_income_statement": (
            income_statement(tb),
            "group_division_id::bigint as group_division_id, period_end, "
            "fiscal_year::bigint as fiscal_year, line_code, line_name, "
            "sort_order::integer as sort_order, column_code, column_kind, "
            "division_id::bigint as division_id, " + _money("month_amount", "ytd_amount"),
        ),
        "mart_consolidated_balance_sheet": (
            balance_sheet(tb),
            "group_division_id::bigint as group_division_id, period_end, "
            "fiscal_year::bigint as fiscal_year, side, line_code, line_name, "
            "sort_order::integer as sort_order, column_code, column_kind, "
            "division_id::bigint as division_id, " + _money("amount"),
        ),
        "mart_intercompany_reconciliation": (
            reconciliation(),
            "group_division_id::bigint as group_division_id, period_end, "
            "fiscal_year::bigint as fiscal_year, division_id::bigint as division_id, "
            "counterparty_division_id::bigint as counterparty_division_id, kind, "
            + _money("amount_division", "amount_counterparty", "difference")
            + ", is_matched",
        ),
        "mart_cta_movement": (
            cta,
            "group_division_id::bigint as group_division_id, fiscal_year::bigint as "
            "fiscal_year, period_end, division_id::bigint as division_id, "
            + _money(
                "opening", "movement", "closing", "goodwill_translation", "nci_share", "group_share"
            ),
        ),
        "mart_nci_movement": (
            nci,
            "group_division_id::bigint as group_division_id, fiscal_year::bigint as "
            "fiscal_year, period_end, division_id::bigint as division_id, "
            + _money(
                "opening",
                "at_acquisition",
                "share_of_result",
                "share_of_cta",
                "share_of_equity_movements",
                "closing",
            ),
        ),
    }
    for table, (frame, select) in frames.items():
        con.register("frame_df", frame)
        source = "frame_df"
        if table == "dim_group_account_map":
            source = "frame_df m join dim_accounts a using (account_id)"
        con.execute(f"create table {table} as select {select} from {source}")
        con.unregister("frame_df")
