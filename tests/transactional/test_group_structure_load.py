"""Loading the group structure and the account mapping from rows of a file, on SQLite and
PostgreSQL (``db_url`` runs both): idempotent, all or nothing, refusals naming the row."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from tests.transactional.company import user
from transactional.audit import AuditLog
from transactional.consolidation.account_mapping_load import (
    AccountMappingRow,
    load_account_mapping,
)
from transactional.consolidation.group_chart import install_standard_group_chart
from transactional.consolidation.group_structure_load import (
    GroupStructureRow,
    load_group_structure,
)
from transactional.consolidation.models import GroupAccount, GroupAccountMap, GroupMember
from transactional.consolidation.trial_balance_load import TrialBalanceRow, load_trial_balance
from transactional.database import make_engine, session_scope
from transactional.errors import PermissionDenied, ValidationError
from transactional.finance import ledger_setup
from transactional.finance.models import Account, FiscalYear, Journal
from transactional.organisation.models import Division, User, UserDivision

# ERP_TODAY is 2026-11-23 (tests/conftest.py): a new division gets its years up to 2026.
GROUP = [
    GroupStructureRow(2, "HOLD"),
    GroupStructureRow(
        3,
        "US01",
        parent="HOLD",
        ownership_pct=Decimal(80),
        valid_from=date(2024, 1, 1),
        investment_cost=Decimal("900000.00"),
        investment_account="0800",
    ),
    GroupStructureRow(
        4,
        "JP01",
        name="Holding Japan KK",
        currency="JPY",
        country="JP",
        parent="HOLD",
        ownership_pct=Decimal(60),
        valid_from=date(2024, 7, 1),
        acquisition_date=date(2024, 6, 30),
    ),
]


@pytest.fixture
def engine(db_url: str):
    eng = make_engine(db_url)
    with session_scope(eng) as s:
        install_standard_group_chart(session=s, user=user(s, "admin"))
    yield eng
    eng.dispose()


def structure(engine, rows, *, who="admin", dry_run=False):
    with session_scope(engine) as s:
        return load_group_structure(session=s, user=user(s, who), rows=rows, dry_run=dry_run)


def mapping(engine, rows, *, who="accountant", dry_run=False):
    with session_scope(engine) as s:
        return load_account_mapping(session=s, user=user(s, who), rows=rows, dry_run=dry_run)


def audit_rows(engine) -> int:
    with session_scope(engine) as s:
        return int(s.exec(select(func.count()).select_from(AuditLog)).one())


def members(engine) -> dict[str, tuple]:
    with session_scope(engine) as s:
        codes = {d.id: d.code for d in s.exec(select(Division)).all()}
        accounts = {a.id: a.code for a in s.exec(select(Account)).all()}
        return {
            codes[m.division_id]: (
                codes[m.parent_division_id],
                m.ownership_pct,
                m.method,
                m.valid_from,
                m.valid_to,
                m.acquisition_date,
                m.investment_cost,
                accounts.get(m.investment_account_id),
            )
            for m in s.exec(select(GroupMember)).all()
        }


def test_the_structure_is_loaded_with_new_divisions_ready_for_trial_balances(engine) -> None:
    changes = structure(engine, GROUP)
    assert [(c.row, c.division, c.action) for c in changes] == [
        (3, "US01", "add_membership"),
        (4, "JP01", "create_division"),
        (4, "JP01", "add_membership"),
        (4, "JP01", "grant_division"),
        (4, "JP01", "grant_division"),
        (4, "JP01", "grant_division"),
    ]
    assert members(engine) == {
        "US01": (
            "HOLD",
            Decimal(80),
            "full",
            date(2024, 1, 1),
            None,
            date(2024, 1, 1),
            Decimal("900000.00"),
            "0800",
        ),
        "JP01": (
            "HOLD",
            Decimal(60),
            "full",
            date(2024, 7, 1),
            None,
            date(2024, 6, 30),
            Decimal(0),
            None,
        ),
    }
    with session_scope(engine) as s:
        jp01 = s.exec(select(Division).where(Division.code == "JP01")).one()
        assert (jp01.name, jp01.currency_code, jp01.country) == ("Holding Japan KK", "JPY", "JP")
        years = s.exec(select(FiscalYear.year).where(FiscalYear.division_id == jp01.id)).all()
        assert sorted(years) == [2024, 2025, 2026]
        journals = s.exec(select(Journal).where(Journal.division_id == jp01.id)).all()
        assert [(j.code, j.journal_type) for j in journals] == [("MEM", "general")]
    # The new division takes a trial balance at once (yen: no decimals).
    with session_scope(engine) as s:
        result = load_trial_balance(
            session=s,
            user=user(s, "admin"),
            division="JP01",
            period="2024-07",
            rows=[
                TrialBalanceRow(2, "1100", Decimal(5_000_000)),
                TrialBalanceRow(3, "0500", Decimal(-5_000_000)),
            ],
            file_name="jp01.csv",
            file_sha256="jp01",
        )
    assert result.document_number == "MEM2024-000001"


def test_loading_the_same_structure_again_changes_nothing(engine) -> None:
    structure(engine, GROUP)
    before = audit_rows(engine)
    changes = structure(engine, GROUP)
    assert [(c.division, c.action) for c in changes] == [
        ("US01", "unchanged"),
        ("JP01", "unchanged"),
    ]
    assert audit_rows(engine) == before


def test_a_changed_row_updates_its_membership_audited(engine) -> None:
    structure(engine, GROUP)
    before = audit_rows(engine)
    changed = [
        GROUP[0],
        GROUP[1],
        GroupStructureRow(
            4,
            "JP01",
            parent="HOLD",
            ownership_pct=Decimal(75),
            valid_from=date(2024, 7, 1),
            acquisition_date=date(2024, 6, 30),
        ),
    ]
    changes = structure(engine, changed)
    assert [(c.division, c.action) for c in changes] == [
        ("US01", "unchanged"),
        ("JP01", "update_membership"),
    ]
    assert members(engine)["JP01"][1] == Decimal(75)
    with session_scope(engine) as s:
        updates = s.exec(
            select(AuditLog).where(
                AuditLog.table_name == "group_member",
                AuditLog.action == "update",
                col(AuditLog.id) > 0,
            )
        ).all()
        assert len(updates) == 1 and '"ownership_pct": "75' in (updates[0].new_value or "")
    assert audit_rows(engine) > before


def test_a_dry_run_lists_the_changes_and_writes_nothing(engine) -> None:
    before = audit_rows(engine)
    changes = structure(engine, GROUP, dry_run=True)
    assert [(c.division, c.action) for c in changes] == [
        ("US01", "add_membership"),
        ("JP01", "create_division"),
        ("JP01", "add_membership"),
        ("JP01", "grant_division"),
        ("JP01", "grant_division"),
        ("JP01", "grant_division"),
    ]
    assert members(engine) == {}
    assert scopes(engine)["manager"] == {"HOLD", "US01"}
    with session_scope(engine) as s:
        assert s.exec(select(Division).where(Division.code == "JP01")).first() is None
    assert audit_rows(engine) == before


def scopes(engine) -> dict[str, set[str]]:
    with session_scope(engine) as s:
        rows = s.exec(
            select(User.username, Division.code)
            .join(UserDivision, col(UserDivision.user_id) == User.id)
            .join(Division, col(Division.id) == UserDivision.division_id)
        ).all()
    found: dict[str, set[str]] = {}
    for username, code in rows:
        found.setdefault(username, set()).add(code)
    return found


def test_a_new_division_is_given_to_the_users_who_read_its_group_level(engine) -> None:
    # accountant, manager and analyst hold HOLD and US01, the whole level HOLD once US01
    # is a member: JP01, created into it, is theirs too (audited), so the level stays on
    # their Consolidation page and the accountant loads JP01's trial balances at once.
    # clerk (HOLD) and clerk_us (US01) never held the whole level: unchanged.
    before = scopes(engine)
    changes = structure(engine, GROUP)
    assert [(c.division, c.detail) for c in changes if c.action == "grant_division"] == [
        ("JP01", f"to {name}, who held every division of level HOLD")
        for name in ("accountant", "analyst", "manager")
    ]
    after = scopes(engine)
    for name in ("accountant", "analyst", "manager"):
        assert after[name] == before[name] | {"JP01"}
    assert after["clerk"] == before["clerk"] == {"HOLD"}
    assert after["clerk_us"] == before["clerk_us"] == {"US01"}
    with session_scope(engine) as s:
        admin_id = user(s, "admin").id
        jp01 = s.exec(select(Division).where(Division.code == "JP01")).one()
        grants = s.exec(
            select(AuditLog).where(
                AuditLog.table_name == "user_division", AuditLog.action == "insert"
            )
        ).all()
        to_jp01 = [g for g in grants if f'"division_id": {jp01.id}' in (g.new_value or "")]
        assert len(to_jp01) == 3 and {g.user_id for g in to_jp01} == {admin_id}
        result = load_trial_balance(
            session=s,
            user=user(s, "accountant"),
            division="JP01",
            period="2024-07",
            rows=[
                TrialBalanceRow(2, "1100", Decimal(5_000_000)),
                TrialBalanceRow(3, "0500", Decimal(-5_000_000)),
            ],
            file_name="jp01.csv",
            file_sha256="jp01",
        )
    assert result.document_number == "MEM2024-000001"
    # Loaded again: nothing to give.
    assert [c.action for c in structure(engine, GROUP)] == ["unchanged", "unchanged"]
    assert scopes(engine) == after


def test_a_new_sub_holding_and_its_new_subsidiary_follow_the_level_above(engine) -> None:
    # JP02 comes first in the file, under JP01 that the file creates under HOLD: both
    # go to whoever held the whole level HOLD (HOLD and US01, a member in the same file).
    rows = [
        GroupStructureRow(
            2,
            "JP02",
            name="Sub of sub",
            currency="JPY",
            country="JP",
            parent="JP01",
            ownership_pct=Decimal(100),
            valid_from=date(2025, 1, 1),
        ),
        GroupStructureRow(
            3,
            "JP01",
            name="Holding Japan KK",
            currency="JPY",
            country="JP",
            parent="HOLD",
            ownership_pct=Decimal(60),
            valid_from=date(2024, 7, 1),
        ),
        GROUP[1],
    ]
    preview = structure(engine, rows, dry_run=True)
    assert scopes(engine)["analyst"] == {"HOLD", "US01"}
    changes = structure(engine, rows)
    assert changes == preview
    granted = sorted((c.division, c.detail) for c in changes if c.action == "grant_division")
    assert granted == [
        (code, f"to {name}, who held every division of level HOLD")
        for code in ("JP01", "JP02")
        for name in ("accountant", "analyst", "manager")
    ]
    assert scopes(engine)["analyst"] == {"HOLD", "US01", "JP01", "JP02"}
    assert scopes(engine)["clerk"] == {"HOLD"}


def test_a_new_group_top_is_given_to_nobody(engine) -> None:
    rows = [
        GroupStructureRow(2, "TOP2", name="Other group", currency="EUR", country="NL"),
        GroupStructureRow(
            3,
            "SUB2",
            name="Its subsidiary",
            currency="EUR",
            country="NL",
            parent="TOP2",
            ownership_pct=Decimal(100),
            valid_from=date(2025, 1, 1),
        ),
    ]
    changes = structure(engine, rows)
    assert "grant_division" not in [c.action for c in changes]


def test_parents_may_come_after_their_subsidiaries_in_the_file(engine) -> None:
    rows = [
        GroupStructureRow(
            2,
            "JP02",
            name="Sub of sub",
            currency="JPY",
            country="JP",
            parent="JP01",
            ownership_pct=Decimal(100),
            valid_from=date(2025, 1, 1),
        ),
        GROUP[2],
    ]
    structure(engine, rows)
    assert members(engine)["JP02"][0] == "JP01"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            GroupStructureRow(
                5,
                "JP09",
                name="No currency",
                country="JP",
                parent="HOLD",
                ownership_pct=Decimal(50),
                valid_from=date(2025, 1, 1),
            ),
            "Row 5: currency is required for the new division JP09.",
        ),
        (
            GroupStructureRow(
                5, "US01", parent="XX01", ownership_pct=Decimal(50), valid_from=date(2025, 1, 1)
            ),
            "Row 5: parent XX01 is neither a division nor in the file.",
        ),
        (
            GroupStructureRow(5, "US01", parent="HOLD", ownership_pct=Decimal(50)),
            "Row 5: valid_from is required for a company with a parent.",
        ),
        (
            GroupStructureRow(
                5, "US01", parent="HOLD", ownership_pct=Decimal(0), valid_from=date(2025, 1, 1)
            ),
            "Row 5: ownership_pct must be above 0 and at most 100, not 0.",
        ),
        (
            GroupStructureRow(
                5,
                "US01",
                parent="HOLD",
                ownership_pct=Decimal(50),
                valid_from=date(2025, 1, 1),
                method="proportional",
            ),
            "Row 5: method must be one of full, equity, not 'proportional'.",
        ),
        (
            GroupStructureRow(
                5,
                "US01",
                parent="HOLD",
                ownership_pct=Decimal(50),
                valid_from=date(2025, 1, 1),
                investment_cost=Decimal(10),
            ),
            "Row 5: investment_account is required with an investment_cost.",
        ),
        (
            GroupStructureRow(
                5, "US01", parent="US01", ownership_pct=Decimal(50), valid_from=date(2025, 1, 1)
            ),
            "Row 5: division US01 cannot be its own parent.",
        ),
    ],
)
def test_a_bad_row_is_refused_naming_it_and_nothing_is_written(engine, row, message) -> None:
    before = audit_rows(engine)
    with pytest.raises(ValidationError) as err:
        structure(engine, [*GROUP, row])
    assert str(err.value) == message
    assert audit_rows(engine) == before and members(engine) == {}


def test_only_an_administrator_creates_divisions(engine) -> None:
    before = audit_rows(engine)
    for dry_run in (True, False):
        with pytest.raises(PermissionDenied):
            structure(engine, GROUP, who="accountant", dry_run=dry_run)
    with pytest.raises(PermissionDenied):
        structure(engine, GROUP[:2], who="clerk", dry_run=True)
    with pytest.raises(PermissionDenied):
        mapping(engine, [AccountMappingRow(2, "4300", "G720")], who="clerk", dry_run=True)
    assert audit_rows(engine) == before
    # Memberships of existing divisions are the accountant's to set.
    changes = structure(engine, GROUP[:2], who="accountant")
    assert [(c.division, c.action) for c in changes] == [("US01", "add_membership")]


def effective(engine, division: str | None, account: str) -> str:
    with session_scope(engine) as s:
        div = (
            s.exec(select(Division).where(Division.code == division)).first() if division else None
        )
        acc = s.exec(select(Account).where(Account.code == account)).first()
        assert acc is not None
        rows = s.exec(select(GroupAccountMap).where(GroupAccountMap.account_id == acc.id)).all()
        row = next((m for m in rows if div is not None and m.division_id == div.id), None) or next(
            m for m in rows if m.division_id is None
        )
        group = s.get(GroupAccount, row.group_account_id)
        assert group is not None
        return group.code


def test_the_account_mapping_is_loaded_and_a_second_load_changes_nothing(engine) -> None:
    with session_scope(engine) as s:
        ledger_setup.create_account(
            session=s,
            user=user(s, "admin"),
            code="4410",
            name="Local licences",
            account_class="expense",
            reporting_category="other_expenses",
            division="US01",
        )
    rows = [
        AccountMappingRow(2, "4410", "G720", division="US01"),
        AccountMappingRow(3, "4300", "G710"),  # as the standard chart maps it
        AccountMappingRow(4, "4500", "G710"),  # was G720
        AccountMappingRow(5, "4400", "G710", division="US01"),  # US01 only
    ]
    dry = mapping(engine, rows, dry_run=True)
    assert [(c.account, c.action, c.previous) for c in dry] == [
        ("4410", "map", None),
        ("4300", "unchanged", "G710"),
        ("4500", "remap", "G720"),
        ("4400", "map", None),
    ]
    assert effective(engine, None, "4500") == "G720"  # the dry run wrote nothing
    assert [c.action for c in mapping(engine, rows)] == [c.action for c in dry]
    assert effective(engine, "US01", "4410") == "G720"
    assert effective(engine, None, "4500") == "G710"
    assert effective(engine, "US01", "4400") == "G710"
    assert effective(engine, "HOLD", "4400") == "G720"
    before = audit_rows(engine)
    assert {c.action for c in mapping(engine, rows)} == {"unchanged"}
    assert audit_rows(engine) == before


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (AccountMappingRow(7, "4300", "G999"), "Row 7: group account G999 does not exist."),
        (
            AccountMappingRow(7, "4399", "G710", division="US01"),
            "Row 7: account 4399 does not exist in division US01.",
        ),
        (
            AccountMappingRow(7, "4300", "G710", division="XX01"),
            "Row 7: division XX01 does not exist.",
        ),
        (AccountMappingRow(7, "4300", "G720"), "Row 7: account 4300 is already mapped on row 2."),
    ],
)
def test_a_bad_mapping_row_is_refused_naming_it(engine, row, message) -> None:
    before = audit_rows(engine)
    with pytest.raises(ValidationError) as err:
        mapping(engine, [AccountMappingRow(2, "4300", "G720"), row])
    assert str(err.value) == message
    assert audit_rows(engine) == before
