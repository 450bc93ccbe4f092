"""The consolidation marts on the demo group (docs/consolidation.md).

The session's demo company (tests/warehouse/conftest.py) is a group: HOLD (EUR) holding
NL01 (EUR), US01 (USD, 80 %) and UK01 (GBP, 60 %), with the standard group chart and
intercompany fees. A copy of it gets one intercompany entry that only one side books
(NL01's current account with HOLD, 123.45); the extract and ``dbt build`` of the
consolidation models (with their data and unit tests) run into a warehouse of this
module's own. Checked against the source tables: every column of the consolidated trial
balance sums to zero at every month end, each division's translated trial balance too;
the holding's column is its own ledger (rate 1, P&L for the year, earlier years in
retained earnings); the one-sided entry shows as an intercompany difference of exactly
its amount. Another copy gets an account nobody mapped, and the build stops naming it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlmodel import Session, select

from tests.warehouse.conftest import DemoCompany
from transactional.database import make_engine, session_scope
from transactional.finance import ledger_setup, posting
from transactional.finance.posting import EntryDraft, LineDraft
from transactional.organisation.models import User

pytestmark = pytest.mark.pipeline

D = Decimal
AS_OF = date(2026, 10, 31)  # the demo's last day (ingestion.demo.generator)
MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
MISMATCH = D("123.45")
MISMATCH_DAY = date(2026, 10, 15)
UNMAPPED_CODE, UNMAPPED_NAME = "4999", "Unmapped consolidation test account"


@dataclass
class Built:
    url: str
    warehouse: Path
    mismatch_entry_id: int


def query(path: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.execute(sql, params or []).fetchall()


def copy_demo(demo: DemoCompany, folder: Path) -> str:
    source = Path(demo.url.removeprefix("sqlite:///"))
    shutil.copy(source, folder / "erp.db")
    return f"sqlite:///{folder / 'erp.db'}"


def by_username(s: Session, username: str) -> User:
    return s.exec(select(User).where(User.username == username)).one()


def build(
    url: str, warehouse: Path, folder: Path, select_: str
) -> subprocess.CompletedProcess[str]:
    """Extract into the warehouse file and ``dbt build`` the selection with what it needs
    (own target and log folders: the session's parse state stays untouched)."""
    from ingestion.extract_load import extract_load
    from orchestration.project import dbt_environment, dbt_executable

    extract_load(url, warehouse, full=True)
    return subprocess.run(
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
            select_,
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


@pytest.fixture(scope="module")
def built(demo_company: DemoCompany, tmp_path_factory: pytest.TempPathFactory) -> Built:
    folder = tmp_path_factory.mktemp("consolidation")
    url = copy_demo(demo_company, folder)
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            # NL01 books a claim on HOLD that HOLD never books.
            entry = posting.post_entry(
                session=s,
                user=by_username(s, "accountant"),
                entry=EntryDraft(
                    division="NL01",
                    journal="MEM",
                    entry_date=MISMATCH_DAY,
                    description="Recharge HOLD never booked",
                    lines=[
                        LineDraft(account="1350", debit=MISMATCH, counterparty="HOLD"),
                        LineDraft(account="1800", credit=MISMATCH),
                    ],
                ),
            )
            entry_id = entry.id or 0
    finally:
        engine.dispose()
    warehouse = folder / "warehouse.duckdb"
    result = build(url, warehouse, folder, "+path:models/marts/consolidation")
    assert result.returncode == 0, result.stdout[-6000:]
    return Built(url, warehouse, entry_id)


def month_ends(first: date, last: date) -> list[date]:
    ends, year, month = [], first.year, first.month
    while (year, month) <= (last.year, last.month):
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        ends.append(date.fromordinal(nxt.toordinal() - 1))
        year, month = nxt.year, nxt.month
    return ends


def test_every_column_of_the_trial_balance_sums_to_zero_at_every_month_end(built: Built) -> None:
    (first,) = query(built.warehouse, "select min(entry_date) from raw.journal_entry")[0]
    levels = {
        r[0] for r in query(built.warehouse, "select parent_division_id from raw.group_member")
    }
    codes = dict(query(built.warehouse, "select id, code from raw.division"))
    assert {codes[level] for level in levels} == {"HOLD"}
    columns = query(
        built.warehouse,
        "select group_division_id, period_end, column_code, sum(balance), count(*) "
        "from mart_consolidated_trial_balance group by all order by period_end",
    )
    periods = sorted({row[1] for row in columns})
    assert periods == month_ends(first, AS_OF)
    assert {row[2] for row in columns} >= {"HOLD", "NL01", "US01", "UK01", "ELIM", "GROUP"}
    unbalanced = [row for row in columns if row[3] != 0]
    assert unbalanced == []
    group_columns = [row for row in columns if row[2] == "GROUP"]
    assert len(group_columns) == len(periods)
    # each division's translated trial balance, the CTA included, balances on its own
    translated = query(
        built.warehouse,
        "select division_id, period_end, sum(amount_group) from fct_consolidation_translation "
        "group by all having sum(amount_group) <> 0",
    )
    assert translated == []
    # the foreign subsidiaries have a CTA, the EUR ones none
    with_cta = query(
        built.warehouse,
        "select distinct t.division_id from fct_consolidation_translation t "
        "join dim_group_accounts a using (group_account_id) "
        "where a.role = 'cta' and t.amount_local = 0 and t.amount_group <> 0",
    )
    assert {codes[r[0]] for r in with_cta} == {"US01", "UK01"}


def test_the_holding_column_is_its_own_ledger(built: Built) -> None:
    """HOLD consolidates in its own currency: its column is its ledger mapped to the group
    chart, balance-sheet accounts since the start, P&L for the calendar year, earlier
    years' P&L on the retained-earnings account (worked out here from the raw copy of the
    source tables, exact decimals)."""
    rows = query(
        built.warehouse,
        """
        select coalesce(own.group_account_id, shared.group_account_id), e.entry_date,
               l.amount_base
        from raw.journal_line l
        join raw.journal_entry e on e.id = l.entry_id
        join raw.division d on d.id = l.division_id
        left join raw.group_account_map own
            on own.account_id = l.account_id and own.division_id = l.division_id
        left join raw.group_account_map shared
            on shared.account_id = l.account_id and shared.division_id is null
        where d.code = 'HOLD'
        """,
    )
    kinds = dict(query(built.warehouse, "select id, account_type from raw.group_account"))
    (retained,) = query(
        built.warehouse, "select id from raw.group_account where role = 'retained_earnings'"
    )[0]
    assert all(group_account is not None for group_account, _, _ in rows)
    for period_end in (date(2024, 12, 31), date(2025, 6, 30), AS_OF):
        expected: dict[int, Decimal] = defaultdict(Decimal)
        for group_account, day, amount in rows:
            if day > period_end:
                continue
            if kinds[group_account] == "profit_loss" and day.year < period_end.year:
                expected[retained] += amount
            else:
                expected[group_account] += amount
        shown = dict(
            query(
                built.warehouse,
                "select group_account_id, balance from mart_consolidated_trial_balance "
                "where column_code = 'HOLD' and period_end = ?",
                [period_end],
            )
        )
        assert {k: v for k, v in shown.items() if v != 0} == {
            k: v for k, v in expected.items() if v != 0
        }, period_end


def test_a_one_sided_intercompany_entry_shows_as_a_difference(built: Built) -> None:
    """HOLD and NL01 keep their books in EUR: each side's intercompany balances are
    eliminated in full, and the difference they leave (on ic_difference, in HOLD's column:
    the lower id) is what their lines toward each other sum to in the source; NL01's
    one-sided entry is exactly MISMATCH of it."""
    ids = dict(query(built.warehouse, "select code, id from raw.division"))
    hold, nl01 = ids["HOLD"], ids["NL01"]
    # a + b from the raw layer: both companies' lines toward the other on balance-sheet
    # group accounts marked for elimination, cumulative to the month end
    sides = query(
        built.warehouse,
        """
        select l.division_id, l.entry_id = ? as is_mismatch, sum(l.amount_base)
        from raw.journal_line l
        join raw.journal_entry e on e.id = l.entry_id
        join raw.group_account_map m on m.account_id = l.account_id and m.division_id is null
        join raw.group_account ga on ga.id = m.group_account_id
        left join raw.relation r on r.id = l.relation_id
        where ga.eliminate_intercompany and ga.account_type = 'balance_sheet'
          and e.entry_date <= ?
          and coalesce(l.counterparty_division_id, r.intercompany_division_id)
              = case when l.division_id = ? then ? when l.division_id = ? then ? end
        group by all
        """,
        [built.mismatch_entry_id, AS_OF, hold, nl01, nl01, hold],
    )
    assert {(division, flag): total for division, flag, total in sides}[(nl01, True)] == MISMATCH
    per_side: dict[int, Decimal] = defaultdict(Decimal)
    for division, _, total in sides:
        per_side[division] += total
    eliminated = dict(
        query(
            built.warehouse,
            "select division_id, sum(amount_group) from fct_consolidation_eliminations "
            "where period_end = ? and elimination_type = 'intercompany_balance' "
            "and ((division_id = ? and counterparty_division_id = ?) "
            "  or (division_id = ? and counterparty_division_id = ?)) group by all",
            [AS_OF, hold, nl01, nl01, hold],
        )
    )
    assert eliminated == {d: -total for d, total in per_side.items()}
    left = query(
        built.warehouse,
        "select e.amount_group from fct_consolidation_eliminations e "
        "join dim_group_accounts a using (group_account_id) "
        "where e.period_end = ? and e.elimination_type = 'intercompany_difference' "
        "and a.role = 'ic_difference' and e.division_id = ? and e.counterparty_division_id = ? "
        "and e.description like '%balance%'",
        [AS_OF, hold, nl01],
    )
    assert left == [(per_side[hold] + per_side[nl01],)]
    assert per_side[hold] + per_side[nl01] != 0


def test_an_unmapped_account_stops_the_consolidation_naming_it(
    demo_company: DemoCompany, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("unmapped")
    url = copy_demo(demo_company, folder)
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            admin = by_username(s, "admin")
            ledger_setup.create_account(
                session=s,
                user=admin,
                code=UNMAPPED_CODE,
                name=UNMAPPED_NAME,
                account_class="expense",
                reporting_category="other_expenses",
                division="NL01",
            )
            posting.post_entry(
                session=s,
                user=admin,
                entry=EntryDraft(
                    division="NL01",
                    journal="MEM",
                    entry_date=MISMATCH_DAY,
                    lines=[
                        LineDraft(account=UNMAPPED_CODE, debit="10.00"),
                        LineDraft(account="1800", credit="10.00"),
                    ],
                ),
            )
    finally:
        engine.dispose()
    result = build(url, folder / "warehouse.duckdb", folder, "+int_consolidation_ledger_days")
    assert result.returncode != 0
    assert f"NL01 {UNMAPPED_CODE} {UNMAPPED_NAME}" in result.stdout
    # nothing is consolidated with the account left out
    skipped = [
        line
        for line in result.stdout.splitlines()
        if "SKIP" in line and "int_consolidation_ledger_days" in line
    ]
    assert skipped, result.stdout[-4000:]


def test_the_demo_acquisitions_cost_their_share_of_net_assets_at_a_price(built: Built) -> None:
    """The demo group's structure (ingestion/demo/group.py): every subsidiary is acquired
    on the books' first day, which the consolidation counts as pre-acquisition. NL01 is
    founded (100 %, no goodwill), and so is MF01; HOLD pays 1.25 × its 80 % share of US01's
    net assets (goodwill of a quarter of the share) and 0.80 × its 60 % of UK01's (a
    bargain purchase gain of a fifth). The net assets at acquisition are worked out here
    from the raw ledger lines, the mapping and the rates: minus the lines dated on or before the
    acquisition date on equity and P&L group accounts, each group account's sum at that
    day's rate rounded to cents (docs/consolidation.md section 2)."""
    divisions = {
        code: (division_id, currency)
        for division_id, code, currency in query(
            built.warehouse, "select id, code, currency_code from raw.division"
        )
    }
    codes = {division_id: code for code, (division_id, _) in divisions.items()}
    members = {
        codes[division]: (day, pct / 100, cost)
        for division, day, pct, cost in query(
            built.warehouse,
            "select division_id, acquisition_date, ownership_pct, investment_cost "
            "from raw.group_member",
        )
    }
    assert {code: (day, share) for code, (day, share, _) in members.items()} == {
        "NL01": (date(2024, 1, 1), D(1)),
        "US01": (date(2024, 1, 1), D("0.8")),
        "UK01": (date(2024, 1, 1), D("0.6")),
        "MF01": (date(2024, 1, 1), D(1)),
    }

    def to_euro(currency: str, day: date) -> Decimal:
        found = query(
            built.warehouse,
            "select rate from raw.exchange_rate where currency_code = ? and rate_date <= ? "
            "order by rate_date desc limit 1",
            [currency, day],
        )
        return D(found[0][0]) if found else D(1)

    lines = query(
        built.warehouse,
        """
        select l.division_id, e.entry_date, ga.id, ga.account_type, ga.account_class,
               sum(l.amount_base)
        from raw.journal_line l
        join raw.journal_entry e on e.id = l.entry_id
        left join raw.group_account_map own
            on own.account_id = l.account_id and own.division_id = l.division_id
        left join raw.group_account_map shared
            on shared.account_id = l.account_id and shared.division_id is null
        join raw.group_account ga on ga.id = coalesce(own.group_account_id, shared.group_account_id)
        group by all
        """,
    )
    net_assets: dict[str, Decimal] = {}
    for code, (day, _, _) in members.items():
        # units of HOLD's euros per unit of the subsidiary's currency that day
        rate = (to_euro(divisions[code][1], day) / to_euro("EUR", day)).quantize(D("1e-8"))
        equity_and_result: dict[int, Decimal] = defaultdict(Decimal)
        assets_and_liabilities = D(0)
        for division, entry_date, group_account, kind, klass, amount in lines:
            if codes[division] != code or entry_date > day:
                continue
            if klass == "equity" or kind == "profit_loss":
                equity_and_result[group_account] += amount
            else:
                assets_and_liabilities += amount
        net_assets[code] = -sum((cents(total * rate) for total in equity_and_result.values()), D(0))
        # the same, to the rounding of each account, as assets less liabilities
        assert abs(net_assets[code] - cents(assets_and_liabilities * rate)) <= D("0.05")
        assert net_assets[code] > 0

    def eliminated(period_end: date, code: str, kind: str) -> Decimal | None:
        (total,) = query(
            built.warehouse,
            "select sum(amount_group) from fct_consolidation_eliminations "
            "where period_end = ? and division_id = ? and elimination_type = ?",
            [period_end, divisions[code][0], kind],
        )[0]
        return total

    premium = {"NL01": D(0), "US01": D("0.25"), "UK01": D("-0.20"), "MF01": D(0)}
    for period_end in (date(2024, 1, 31), date(2025, 12, 31), AS_OF):
        for code, (_, share, cost) in members.items():
            # the consolidation eliminates the same net assets and the cost HOLD booked
            assert eliminated(period_end, code, "equity_at_acquisition") == net_assets[code]
            assert eliminated(period_end, code, "investment") == -cost
            # goodwill at acquisition: the amount at the period end less its translation
            # difference (on the CTA); a negative one is a bargain purchase gain
            goodwill = (eliminated(period_end, code, "goodwill") or D(0)) + (
                eliminated(period_end, code, "goodwill_translation") or D(0)
            )
            gain = eliminated(period_end, code, "bargain_purchase_gain")
            expected = premium[code] * share * net_assets[code]
            if code in ("NL01", "MF01"):  # founded: no goodwill
                assert goodwill == 0 and gain is None, period_end
                assert eliminated(period_end, code, "goodwill") in (None, 0)
            elif code == "US01":
                assert gain is None and goodwill > 0
                assert abs(goodwill - expected) <= D("0.01"), (period_end, goodwill, expected)
            else:
                assert goodwill == 0 and gain is not None and gain < 0
                assert abs(gain - expected) <= D("0.01"), (period_end, gain, expected)
    # what the structure says HOLD paid is what HOLD booked on its investments account
    (booked,) = query(
        built.warehouse,
        "select sum(l.amount_base) from raw.journal_line l "
        "join raw.account a on a.id = l.account_id "
        "join raw.division d on d.id = l.division_id "
        "where d.code = 'HOLD' and a.code = '0800'",
    )[0]
    assert booked == sum((cost for _, _, cost in members.values()), D(0))


def cents(amount: Decimal) -> Decimal:
    """Rounded as the models' money() does: half away from zero."""
    return amount.quantize(D("0.01"), rounding=ROUND_HALF_UP)
