"""The consolidated statements on the demo group (issue 16): HOLD (EUR) with NL01 (EUR,
100 %), US01 (USD, 80 %) and UK01 (GBP, 60 %), trading with each other.

The session's generated demo company (tests/warehouse/conftest.py) is copied, and NL01
books a claim on UK01 on its intercompany current account that UK01 never books: an
intercompany mismatch. Then the extract and ``dbt build`` of the consolidation marts
(everything they read, their data tests and unit tests) run into a warehouse of this
module's own. The checks here are worked out from the marts' own rows and from the
source ledger, not by the models: each statement balances in every period and column,
the group column is the sum of the others, the statements agree with each other, the
months add up to the year, and the mismatch is listed with the amount NL01's ledger
holds.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlmodel import Session, col, select

from tests.warehouse.conftest import DemoCompany
from transactional.consolidation.models import GroupAccount, GroupAccountMap
from transactional.database import make_engine, session_scope
from transactional.finance.models import JournalEntry, JournalLine
from transactional.finance.posting import EntryDraft, LineDraft, post_entry
from transactional.organisation.models import Division, User

pytestmark = pytest.mark.pipeline

D = Decimal
MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
AS_OF = date(2026, 11, 23)  # tests/conftest.py's ERP_TODAY
MISMATCH = D("1234.56")
MISMATCH_DAY = date(2026, 10, 15)
MISMATCH_MONTH_END = date(2026, 10, 31)


@dataclass
class Statements:
    url: str
    warehouse: Path
    divisions: dict[str, int]  # code -> id

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.warehouse), read_only=True) as connection:
            return connection.execute(sql, list(params)).fetchall()

    @property
    def whole_group(self) -> int:
        return self.divisions["HOLD"]


@pytest.fixture(scope="module")
def statements(demo_company: DemoCompany, tmp_path_factory: pytest.TempPathFactory) -> Statements:
    folder = tmp_path_factory.mktemp("consolidation_statements")
    shutil.copy(demo_company.url.removeprefix("sqlite:///"), folder / "erp.db")
    url = f"sqlite:///{folder / 'erp.db'}"
    divisions = post_one_sided_claim(url)
    warehouse = folder / "warehouse.duckdb"
    build_warehouse(url, warehouse, folder)
    return Statements(url, warehouse, divisions)


def post_one_sided_claim(url: str) -> dict[str, int]:
    """NL01's claim on UK01 (current account against the bank), without UK01's side."""
    engine = make_engine(url)
    try:
        with session_scope(engine) as session:
            admin = session.exec(select(User).where(User.username == "admin")).one()
            post_entry(
                session=session,
                user=admin,
                entry=EntryDraft(
                    division="NL01",
                    journal="MEM",
                    entry_date=MISMATCH_DAY,
                    description="Recharge to UK01, not booked by UK01",
                    lines=[
                        LineDraft(account="1350", debit=MISMATCH, counterparty="UK01"),
                        LineDraft(account="1100", credit=MISMATCH),
                    ],
                ),
            )
            return {d.code: d.id or 0 for d in session.exec(select(Division)).all()}
    finally:
        engine.dispose()


def build_warehouse(url: str, warehouse: Path, folder: Path) -> None:
    """Extract into this module's DuckDB file and ``dbt build`` the consolidation marts
    with everything they read and their tests (own target and log folders)."""
    from ingestion.extract_load import extract_load
    from orchestration.project import dbt_environment, dbt_executable

    extract_load(url, warehouse, full=True)
    result = subprocess.run(
        [
            dbt_executable(),
            "build",
            "--project-dir",
            str(MODELS_DIR),
            "--profiles-dir",
            str(MODELS_DIR),
            "--target-path",
            str(folder / "target"),
            "--log-path",
            str(folder / "logs"),
            "--select",
            "+path:models/marts/consolidation",
            # tests only when everything they read is built (not the ledger fact's)
            "--indirect-selection",
            "buildable",
            "--vars",
            f'{{"as_of_date": "{AS_OF.isoformat()}"}}',
        ],
        cwd=MODELS_DIR,
        env={**os.environ, **dbt_environment(warehouse)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:]


def test_the_demo_group_is_consolidated_every_month(statements: Statements) -> None:
    """The whole group has a column per company, eliminations and the group, in every
    month from the first booking to the as-of month: what the other checks run over."""
    columns = statements.query(
        "select period_end, list(distinct column_code order by column_code)"
        " from mart_consolidated_balance_sheet where group_division_id = ?"
        " group by period_end order by period_end",
        statements.whole_group,
    )
    assert len(columns) >= 12
    assert columns[-1][0] == date(2026, 11, 30)
    assert {"HOLD", "NL01", "US01", "UK01", "ELIM", "GROUP"} <= set(columns[-1][1])


def test_balance_sheet_balances_in_every_period_and_column(statements: Statements) -> None:
    rows = statements.query(
        "select group_division_id, period_end, column_code,"
        " sum(case when side = 'assets' then amount else 0 end),"
        " sum(case when side = 'equity_and_liabilities' then amount else 0 end)"
        " from mart_consolidated_balance_sheet group by all"
    )
    assert len(rows) > 50
    unbalanced = [r for r in rows if r[3] != r[4]]
    assert unbalanced == []
    # Not a balance of nothing: the group has assets every month.
    group_assets = [r[3] for r in rows if r[2] == "GROUP" and r[0] == statements.whole_group]
    assert all(amount > 0 for amount in group_assets)


@pytest.mark.parametrize(
    ("mart", "line", "amounts"),
    [
        ("mart_consolidated_balance_sheet", "side || line_code", ["amount"]),
        ("mart_consolidated_income_statement", "line_code", ["month_amount", "ytd_amount"]),
    ],
)
def test_the_group_column_is_the_sum_of_the_others(
    statements: Statements, mart: str, line: str, amounts: list[str]
) -> None:
    for amount in amounts:
        rows = statements.query(
            f"select group_division_id, period_end, {line}, column_kind = 'group', {amount}"
            f" from {mart}"
        )
        totals: dict[tuple[Any, ...], list[Decimal]] = defaultdict(lambda: [D(0), D(0)])
        for level, end, key, is_group, value in rows:
            totals[(level, end, key)][0 if is_group else 1] += value
        assert any(group != 0 for group, _ in totals.values())
        differing = {k: v for k, v in totals.items() if v[0] != v[1]}
        assert differing == {}, (mart, amount)


def test_the_statements_agree(statements: Statements) -> None:
    """Per level, month and column: the income statement's PROFIT splits into the NCI's
    and the owners' shares, the owners' is the balance sheet's CYR; the NCI and CTA
    movements close on the balance sheet's nci and cta lines (GROUP column)."""
    profit = {
        (level, end, column, line): (month, ytd)
        for level, end, column, line, month, ytd in statements.query(
            "select group_division_id, period_end, column_code, line_code, month_amount,"
            " ytd_amount from mart_consolidated_income_statement"
            " where line_code like 'PROFIT%'"
        )
    }
    keys = {k[:3] for k in profit}
    for key in keys:
        for at in (0, 1):
            assert profit[(*key, "PROFIT")][at] == (
                profit[(*key, "PROFIT_NCI")][at] + profit[(*key, "PROFIT_OWNERS")][at]
            ), key
    cyr = {
        (level, end, column): amount
        for level, end, column, amount in statements.query(
            "select group_division_id, period_end, column_code, amount"
            " from mart_consolidated_balance_sheet where line_code = 'CYR'"
        )
    }
    assert {k: profit[(*k, "PROFIT_OWNERS")][1] for k in keys} == cyr
    # Share of the NCI in the group's result: the demo group has minorities.
    group = statements.whole_group
    assert any(v[1] != 0 for k, v in profit.items() if k[0] == group and k[3] == "PROFIT_NCI")

    # Balance sheet equity lines are credit positive; the movements debit positive.
    def by_period(sql: str) -> dict[tuple[int, date], Decimal]:
        return {(level, end): value for level, end, value in statements.query(sql)}

    for role, closing in (("nci", "closing"), ("cta", "group_share")):
        line = by_period(
            "select b.group_division_id, b.period_end, -b.amount"
            " from mart_consolidated_balance_sheet b"
            " join dim_group_accounts a on a.code = b.line_code"
            f" where b.column_code = 'GROUP' and a.role = '{role}'"
        )
        movement = by_period(
            f"select group_division_id, period_end, sum({closing})"
            f" from mart_{role}_movement group by all"
        )
        assert {k: v for k, v in movement.items() if v != 0} == {
            k: v for k, v in line.items() if v != 0
        }, role
    nci = by_period(
        "select group_division_id, period_end, sum(closing) from mart_nci_movement group by all"
    )
    assert any(v < 0 for (level, _), v in nci.items() if level == group)


def test_movements_open_at_last_december_and_add_up(statements: Statements) -> None:
    for mart, parts in (
        ("mart_nci_movement", ["at_acquisition", "share_of_result", "share_of_cta",
                               "share_of_equity_movements"]),
        ("mart_cta_movement", ["movement"]),
    ):  # fmt: skip
        rows = statements.query(
            f"select group_division_id, division_id, period_end, opening, closing,"
            f" {' + '.join(parts)} from {mart}"
        )
        closing = {(level, div, end): close for level, div, end, _, close, _ in rows}
        for level, div, end, opening, close, moved in rows:
            assert close == opening + moved, (mart, level, div, end)
            december = date(end.year - 1, 12, 31)
            assert opening == closing.get((level, div, december), D(0)), (mart, div, end)


def test_the_months_add_up_to_the_year(statements: Statements) -> None:
    """ytd_amount is the sum of the year's month_amount up to the month, per line."""
    rows = statements.query(
        "select group_division_id, column_code, line_code, period_end, month_amount,"
        " ytd_amount from mart_consolidated_income_statement order by period_end"
    )
    running: dict[tuple[Any, ...], Decimal] = defaultdict(Decimal)
    for level, column, line, end, month, ytd in rows:
        key = (level, column, line, end.year)
        running[key] += month
        assert running[key] == ytd, (level, column, line, end)


def nl01_claims_on_uk01(url: str, until: date) -> Decimal:
    """NL01's ledger toward UK01 on balance-sheet accounts the group chart eliminates, up
    to ``until``: EUR, the whole group's currency, so no rate is involved."""
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            ids = {d.code: d.id for d in s.exec(select(Division)).all()}
            maps = s.exec(select(GroupAccountMap)).all()
            eliminated = {
                g.id
                for g in s.exec(select(GroupAccount)).all()
                if g.eliminate_intercompany and g.account_type == "balance_sheet"
            }

            def group_account(account_id: int) -> int | None:
                # A division's own mapping overrides the shared one.
                found = {
                    m.division_id: m.group_account_id for m in maps if m.account_id == account_id
                }
                return found.get(ids["NL01"], found.get(None))

            lines = s.exec(
                select(JournalLine)
                .join(JournalEntry, col(JournalEntry.id) == JournalLine.entry_id)
                .where(
                    JournalEntry.division_id == ids["NL01"],
                    JournalLine.counterparty_division_id == ids["UK01"],
                    JournalEntry.entry_date <= until,
                )
            ).all()
            return sum(
                (ln.amount_base for ln in lines if group_account(ln.account_id) in eliminated),
                D(0),
            )
    finally:
        engine.dispose()


def test_an_intercompany_mismatch_is_listed(statements: Statements) -> None:
    """NL01's claim that UK01 never booked shows as a difference of the pair's balances
    from its month on, with NL01's side as its ledger holds it."""
    nl01, uk01 = statements.divisions["NL01"], statements.divisions["UK01"]
    low, high = sorted((nl01, uk01))
    rows = statements.query(
        "select period_end, amount_division, amount_counterparty, difference, is_matched"
        " from mart_intercompany_reconciliation where group_division_id = ?"
        " and division_id = ? and counterparty_division_id = ? and kind = 'balance'"
        " and period_end >= ? order by period_end",
        statements.whole_group,
        low,
        high,
        MISMATCH_MONTH_END,
    )
    assert [r[0] for r in rows] == [MISMATCH_MONTH_END, date(2026, 11, 30)]
    claims = nl01_claims_on_uk01(statements.url, MISMATCH_MONTH_END)
    assert claims >= MISMATCH
    for end, amount_division, amount_counterparty, difference, is_matched in rows:
        nl01_side = amount_division if low == nl01 else amount_counterparty
        assert nl01_side == nl01_claims_on_uk01(statements.url, end), end
        assert difference == amount_division + amount_counterparty != 0
        assert is_matched is False
    # Listed, not hidden: every difference of the demo group is a row not matched.
    listed = statements.query(
        "select count(*) from mart_intercompany_reconciliation where (difference <> 0) = is_matched"
    )
    assert listed == [(0,)]
