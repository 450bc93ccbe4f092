"""The group chart, the account mapping and the group structure, on SQLite and PostgreSQL
(``db_url`` runs both): what a group accountant sets up before consolidating."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import select

from tests.transactional.company import user
from transactional.audit import AuditLog
from transactional.consolidation import group_chart, structure
from transactional.consolidation.group_chart import (
    GROUP_ROLES,
    STANDARD_GROUP_CHART,
    STANDARD_MAPPING,
    UnmappedAccount,
    create_group_account,
    install_standard_group_chart,
    map_account,
    unmapped_accounts,
)
from transactional.consolidation.models import GroupAccount, GroupAccountMap, GroupMember
from transactional.consolidation.structure import set_membership
from transactional.database import make_engine, session_scope
from transactional.errors import PermissionDenied, ValidationError
from transactional.finance import ledger_setup
from transactional.finance.ledger_setup import STANDARD_CHART
from transactional.finance.models import Account
from transactional.finance.posting import EntryDraft, LineDraft, post_entry
from transactional.organisation import services as org
from transactional.organisation.models import Division


@pytest.fixture
def engine(db_url: str):
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


def _count(s, model) -> int:
    return int(s.exec(select(func.count()).select_from(model)).one())


def _audit(s, table: str) -> list[AuditLog]:
    return list(s.exec(select(AuditLog).where(AuditLog.table_name == table)).all())


def _post(s, username: str, division: str, account: str, amount: str = "100") -> None:
    post_entry(
        session=s,
        user=user(s, username),
        entry=EntryDraft(
            division=division,
            journal="MEM",
            entry_date="2025-03-15",
            lines=[
                LineDraft(account=account, debit=amount),
                LineDraft(account="1100", credit=amount),
            ],
        ),
    )


def _uk(s) -> None:
    """A third company (GBP) for sub-holdings and cycles."""
    admin = user(s, "admin")
    org.create_currency(session=s, user=admin, code="GBP", name="Pound")
    org.create_division(
        session=s, user=admin, code="UK01", name="UK Ltd", currency="GBP", country="GB"
    )
    accountant = user(s, "accountant")
    org.grant_division(session=s, user=admin, target=accountant, division="UK01")


# --- the group chart ----------------------------------------------------------------------


def test_standard_group_chart_has_every_role_and_maps_the_standard_chart(engine) -> None:
    with session_scope(engine) as s:
        created = install_standard_group_chart(session=s, user=user(s, "accountant"))
        assert created == len(STANDARD_GROUP_CHART) + len(STANDARD_CHART)
    with session_scope(engine) as s:
        accounts = {a.code: a for a in s.exec(select(GroupAccount)).all()}
        assert {a.role for a in accounts.values() if a.role} == set(GROUP_ROLES)
        by_role = {a.role: a for a in accounts.values() if a.role}
        # Rate types by the spec: investments and equity historical, BS closing, P&L average.
        assert by_role["investments"].rate_type == "historical"
        assert by_role["retained_earnings"].rate_type == "historical"
        assert by_role["goodwill"].rate_type == "closing"
        assert all(
            a.rate_type == "average" for a in accounts.values() if a.account_type == "profit_loss"
        )
        assert all(
            a.rate_type == "closing"
            for a in accounts.values()
            if a.account_class in ("liability",) or (a.account_class == "asset" and not a.role)
        )
        shared = {
            a.id: a.code
            for a in s.exec(select(Account).where(Account.division_id.is_(None))).all()  # type: ignore[union-attr]
        }
        maps = s.exec(select(GroupAccountMap)).all()
        mapped = {shared[m.account_id]: m.group_account_id for m in maps if m.division_id is None}
        assert mapped.keys() == {code for code, *_ in STANDARD_CHART}
        for code, group_code in STANDARD_MAPPING.items():
            assert mapped[code] == accounts[group_code].id
        receivables = accounts[STANDARD_MAPPING["1300"]]
        assert receivables.eliminate_intercompany
        assert accounts[STANDARD_MAPPING["8900"]].eliminate_intercompany
        assert not accounts[STANDARD_MAPPING["1100"]].eliminate_intercompany
        # The new standard accounts are there, mapped to the accounts found by role.
        assert mapped["0800"] == by_role["investments"].id
        assert mapped["0650"] == by_role["dividends"].id
        assert mapped["8950"] == by_role["dividend_income"].id
        audited = len(_audit(s, "group_account")) + len(_audit(s, "group_account_map"))
        assert audited == created
    with session_scope(engine) as s:
        assert install_standard_group_chart(session=s, user=user(s, "accountant")) == 0
    with session_scope(engine) as s:
        assert _count(s, GroupAccount) == len(STANDARD_GROUP_CHART)
        assert _count(s, GroupAccountMap) == len(STANDARD_CHART)


def test_group_account_rules(engine) -> None:
    with session_scope(engine) as s:
        install_standard_group_chart(session=s, user=user(s, "accountant"))
    base: dict[str, Any] = dict(
        code="G999",
        name="Fair-value adjustments",
        account_type="balance_sheet",
        account_class="asset",
        rate_type="closing",
    )
    for overrides, words in [
        ({"code": "G100"}, "already exists"),
        ({"account_type": "profit_loss"}, "is not a profit_loss account"),
        ({"rate_type": "spot"}, "Rate type must be one of"),
        ({"account_class": "stuff"}, "Account class must be one of"),
        ({"role": "goodwill"}, "already has the role 'goodwill'"),
        ({"role": "magic"}, "role must be one of"),
    ]:
        with pytest.raises(ValidationError) as err, session_scope(engine) as s:
            create_group_account(session=s, user=user(s, "accountant"), **{**base, **overrides})
        assert words in str(err.value)
    with session_scope(engine) as s:
        made = create_group_account(session=s, user=user(s, "accountant"), **base)
        assert made.is_active and made.role is None
    with pytest.raises(PermissionDenied), session_scope(engine) as s:
        create_group_account(session=s, user=user(s, "clerk"), **{**base, "code": "G998"})


def test_unmapped_accounts_are_listed_until_mapped(engine) -> None:
    with session_scope(engine) as s:
        install_standard_group_chart(session=s, user=user(s, "accountant"))
        ledger_setup.create_account(
            session=s,
            user=user(s, "admin"),
            code="4450",
            name="Local levies",
            account_class="expense",
            reporting_category="other_expenses",
            division="US01",
        )
        ledger_setup.create_account(
            session=s,
            user=user(s, "admin"),
            code="4460",
            name="Shared consultancy",
            account_class="expense",
            reporting_category="other_expenses",
        )
    with session_scope(engine) as s:
        _post(s, "clerk_us", "US01", "4450")
        _post(s, "clerk_us", "US01", "4450", "5")
        _post(s, "clerk", "HOLD", "4460")
    with session_scope(engine) as s:
        assert unmapped_accounts(s) == [
            UnmappedAccount("HOLD", "4460", "Shared consultancy", 1),
            UnmappedAccount("US01", "4450", "Local levies", 2),
        ]
        us = s.exec(select(Division).where(Division.code == "US01")).one()
        assert unmapped_accounts(s, {us.id or 0}) == [
            UnmappedAccount("US01", "4450", "Local levies", 2)
        ]
        assert unmapped_accounts(s, set()) == []
    # A balance-sheet group account for an expense account is refused.
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        map_account(session=s, user=user(s, "accountant"), account="4450", group_account="G250")
    assert "4450" in str(err.value) or "shared chart" in str(err.value)
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        map_account(
            session=s,
            user=user(s, "accountant"),
            account="4450",
            group_account="G250",
            division="US01",
        )
    assert "profit-and-loss account" in str(err.value)
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        map_account(
            session=s,
            user=user(s, "accountant"),
            account="4450",
            group_account="G777",
            division="US01",
        )
    assert "G777 does not exist" in str(err.value)
    with session_scope(engine) as s:
        map_account(
            session=s,
            user=user(s, "accountant"),
            account="4450",
            group_account="G720",
            division="US01",
        )
        map_account(session=s, user=user(s, "accountant"), account="4460", group_account="G720")
    with session_scope(engine) as s:
        assert unmapped_accounts(s) == []


def test_a_division_mapping_overrides_the_shared_one_and_is_upserted(engine) -> None:
    with session_scope(engine) as s:
        install_standard_group_chart(session=s, user=user(s, "accountant"))
    with session_scope(engine) as s:
        row = map_account(
            session=s,
            user=user(s, "accountant"),
            account="4400",
            group_account="G730",
            division="US01",
        )
        first_id = row.id
    audited = 0
    with session_scope(engine) as s:
        audited = len(_audit(s, "group_account_map"))
        # The same mapping again changes nothing.
        map_account(
            session=s,
            user=user(s, "accountant"),
            account="4400",
            group_account="G730",
            division="US01",
        )
    with session_scope(engine) as s:
        assert len(_audit(s, "group_account_map")) == audited
        row = map_account(
            session=s,
            user=user(s, "accountant"),
            account="4400",
            group_account="G740",
            division="US01",
        )
        assert row.id == first_id
    with session_scope(engine) as s:
        rows = s.exec(select(GroupAccountMap).where(GroupAccountMap.id == first_id)).all()
        g740 = s.exec(select(GroupAccount).where(GroupAccount.code == "G740")).one()
        assert rows[0].group_account_id == g740.id
        changes = [a for a in _audit(s, "group_account_map") if a.action == "update"]
        assert len(changes) == 1 and changes[0].user_id == user(s, "accountant").id
        shared = s.exec(
            select(GroupAccountMap).where(GroupAccountMap.division_id.is_(None))  # type: ignore[union-attr]
        ).all()
        assert len(shared) == len(STANDARD_CHART)  # the shared mapping stays as it was


def test_an_inactive_group_account_takes_no_new_mapping(engine) -> None:
    with session_scope(engine) as s:
        install_standard_group_chart(session=s, user=user(s, "accountant"))
        group_chart.set_group_account_active(
            session=s, user=user(s, "accountant"), code="G730", active=False
        )
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        map_account(session=s, user=user(s, "accountant"), account="4400", group_account="G730")
    assert "no longer active" in str(err.value)


def test_clerks_and_analysts_may_not_touch_the_group_chart_or_structure(engine) -> None:
    for username in ("clerk", "analyst", "manager"):
        with pytest.raises(PermissionDenied) as err, session_scope(engine) as s:
            install_standard_group_chart(session=s, user=user(s, username))
        assert "group structure" in str(err.value)
        with pytest.raises(PermissionDenied), session_scope(engine) as s:
            set_membership(
                session=s,
                user=user(s, username),
                division="US01",
                parent="HOLD",
                ownership_pct="80",
                valid_from="2024-01-01",
            )
    with session_scope(engine) as s:
        assert _count(s, GroupAccount) == 0 and _count(s, GroupMember) == 0


# --- the group structure ------------------------------------------------------------------


def _member(s, **kw):
    fields = dict(division="US01", parent="HOLD", ownership_pct="80", valid_from="2024-01-01")
    fields.update(kw)
    return set_membership(session=s, user=user(s, "accountant"), **fields)


def test_membership_is_stored_upserted_and_audited(engine) -> None:
    with session_scope(engine) as s:
        m = _member(s, investment_cost="1000000.00", investment_account="0800")
        assert m.acquisition_date.isoformat() == "2024-01-01"
        assert m.ownership_pct == Decimal(80) and m.method == "full"
    with session_scope(engine) as s:
        before = len(_audit(s, "group_member"))
        _member(s, investment_cost="1000000", investment_account="0800")  # unchanged
    with session_scope(engine) as s:
        assert len(_audit(s, "group_member")) == before
        _member(s, ownership_pct="75.5", investment_cost="1000000", investment_account="0800")
    with session_scope(engine) as s:
        rows = s.exec(select(GroupMember)).all()
        assert len(rows) == 1 and rows[0].ownership_pct == Decimal("75.5")
        update = [a for a in _audit(s, "group_member") if a.action == "update"]
        assert len(update) == 1 and '"ownership_pct": "75.5' in (update[0].new_value or "")
        us = s.exec(select(Division).where(Division.code == "US01")).one()
        # Today (2026-11-23, tests/conftest.py) the membership from 2024 holds.
        assert us.ownership_pct == Decimal("75.5") and us.parent_id is not None


def test_division_parent_follows_the_membership_valid_today(engine) -> None:
    with session_scope(engine) as s:
        _uk(s)
        set_membership(
            session=s,
            user=user(s, "accountant"),
            division="UK01",
            parent="US01",
            ownership_pct="60",
            valid_from="2024-01-01",
            valid_to="2025-12-31",
        )
    with session_scope(engine) as s:
        uk = s.exec(select(Division).where(Division.code == "UK01")).one()
        assert uk.parent_id is None and uk.ownership_pct == Decimal(100)
        set_membership(
            session=s,
            user=user(s, "accountant"),
            division="UK01",
            parent="HOLD",
            ownership_pct="60",
            valid_from="2026-01-01",
        )
    with session_scope(engine) as s:
        uk = s.exec(select(Division).where(Division.code == "UK01")).one()
        hold = s.exec(select(Division).where(Division.code == "HOLD")).one()
        assert uk.parent_id == hold.id and uk.ownership_pct == Decimal(60)


def test_overlapping_memberships_of_one_division_are_refused(engine) -> None:
    with session_scope(engine) as s:
        _uk(s)
        _member(s, valid_to="2025-06-30")
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        _member(s, parent="UK01", valid_from="2025-06-30")
    assert str(err.value) == (
        "US01 is already held by HOLD from 2024-01-01 to 2025-06-30; end that membership first."
    )
    with session_scope(engine) as s:
        _member(s, parent="UK01", valid_from="2025-07-01")
        assert _count(s, GroupMember) == 2


def test_a_cycle_is_refused_naming_its_path(engine) -> None:
    with session_scope(engine) as s:
        _uk(s)
        _member(s)
        _member(s, division="UK01", parent="US01", ownership_pct="60")
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        _member(s, division="HOLD", parent="UK01", ownership_pct="10", valid_from="2026-01-01")
    assert str(err.value) == (
        "UK01 cannot hold HOLD: HOLD → UK01 → US01 → HOLD would go round in a circle."
    )
    with session_scope(engine) as s:
        assert _count(s, GroupMember) == 2


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"division": "XX99"}, "Division 'XX99' does not exist."),
        ({"parent": "XX99"}, "Division 'XX99' does not exist."),
        ({"parent": "US01"}, "Division US01 cannot hold itself."),
        ({"ownership_pct": "0"}, "more than 0 and at most 100, not 0"),
        ({"ownership_pct": "100.01"}, "not 100.01"),
        ({"ownership_pct": "abc"}, "must be a number"),
        ({"method": "proportional"}, "method must be one of full, equity"),
        ({"valid_to": "2023-12-31"}, "is before valid from"),
        (
            {"investment_cost": "1000.001", "investment_account": "0800"},
            "1000.001 has more decimals than EUR allows (2)",
        ),
        ({"investment_cost": "-5", "investment_account": "0800"}, "cannot be negative"),
        ({"investment_cost": "1000"}, "needs the account of HOLD"),
        (
            {"investment_cost": "1000", "investment_account": "4000"},
            "investment account 4000 (Wages and salaries) is not an asset account",
        ),
        ({"investment_cost": "1000", "investment_account": "0899"}, "0899 does not exist"),
    ],
)
def test_bad_memberships_are_refused_and_nothing_is_written(engine, overrides, words) -> None:
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        _member(s, **overrides)
    assert words in str(err.value)
    with session_scope(engine) as s:
        assert _count(s, GroupMember) == 0


def test_the_cost_is_checked_in_the_parents_currency(engine) -> None:
    """A JPY parent's cost has no decimals; a USD parent's has two."""
    with session_scope(engine) as s:
        admin = user(s, "admin")
        org.create_division(
            session=s, user=admin, code="JP01", name="Japan KK", currency="JPY", country="JP"
        )
        org.grant_division(session=s, user=admin, target=user(s, "accountant"), division="JP01")
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        _member(s, division="JP01", parent="US01", investment_cost="10.5")
    # The USD parent allows 10.5: the refusal is the missing account, not the decimals.
    assert "needs the account of US01" in str(err.value)
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        _member(s, parent="JP01", investment_cost="10.5", investment_account="0800")
    assert "more decimals than JPY allows (0)" in str(err.value)


def test_group_levels_are_the_divisions_holding_others(engine) -> None:
    with session_scope(engine) as s:
        _uk(s)
        _member(s)
        _member(s, division="UK01", parent="US01", ownership_pct="60", method="equity")
    with session_scope(engine) as s:
        levels = structure.group_levels(s)
        assert [(lv.code, lv.depth, lv.is_top, lv.currency_code) for lv in levels] == [
            ("HOLD", 0, True, "EUR"),
            ("US01", 1, False, "USD"),
        ]
        hold, us = levels[0].division_id, levels[1].division_id
        uk = s.exec(select(Division).where(Division.code == "UK01")).one().id
        # An associate (equity method) is not in the level's columns.
        assert structure.level_division_ids(s, hold, date(2025, 1, 1)) == {hold, us}
        assert structure.level_division_ids(s, us, date(2025, 1, 1)) == {us}
        assert structure.level_division_ids(s, hold, date(2023, 12, 31)) == {hold}
        assert uk not in structure.level_division_ids(s, hold, date(2026, 1, 1))
