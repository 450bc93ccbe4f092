"""Budget versions and alert settings, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from tests.transactional.company import user
from transactional.audit import AuditLog
from transactional.budgets import alerts
from transactional.budgets import versions as bv
from transactional.budgets.models import AlertSetting, BudgetLine, BudgetVersion
from transactional.budgets.versions import BudgetLineDraft as Line
from transactional.database import make_engine, session_scope
from transactional.errors import PermissionDenied, ValidationError
from transactional.finance.invoices import InvoiceDraft, InvoiceLineDraft, post_invoice
from transactional.finance.models import Account, CostCentre, CostUnit
from transactional.finance.posting import EntryDraft, LineDraft, post_entry
from transactional.relations.models import Relation


@pytest.fixture
def engine(db_url: str):
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


def counts(engine) -> dict[str, int]:
    with session_scope(engine) as s:
        return {
            m.__name__: s.exec(select(func.count()).select_from(m)).one()
            for m in (BudgetVersion, BudgetLine, AlertSetting, AuditLog)
        }


def _lines(s: Session, version_id: int) -> dict[tuple, Decimal]:
    """(account code, period, cost centre code, cost unit code) -> amount."""
    accounts = {a.id: a.code for a in s.exec(select(Account))}
    centres = {c.id: c.code for c in s.exec(select(CostCentre))}
    units = {u.id: u.code for u in s.exec(select(CostUnit))}
    return {
        (
            accounts[ln.account_id],
            ln.period,
            centres.get(ln.cost_centre_id),
            units.get(ln.cost_unit_id),
        ): ln.amount
        for ln in bv.lines_of(s, version_id)
    }


def _audit(s: Session, table: str, key: int) -> list[AuditLog]:
    return list(
        s.exec(
            select(AuditLog)
            .where(AuditLog.table_name == table, AuditLog.record_key == str(key))
            .order_by(col(AuditLog.id))
        )
    )


DRAFT_LINES = [
    Line(account="8000", period=1, amount="-1000", cost_centre="SALES", cost_unit="P1"),
    Line(account="8000", period="2", amount="-1100,50"),
    Line(account="4400", period=1, amount="250.5", employee_code="TEAM-A"),
]


def test_create_fill_submit_and_approve_by_a_manager(engine) -> None:
    with session_scope(engine) as s:
        accountant = user(s, "accountant")
        version = bv.create_version(
            session=s, user=accountant, division="HOLD", fiscal_year=2026, name="Budget 2026"
        )
        bv.set_lines(session=s, user=accountant, version=version, lines=DRAFT_LINES)
        vid = version.id
        assert (version.status, version.scenario, version.origin) == ("draft", "normal", "manual")
    with session_scope(engine) as s:
        # Amounts are kept in the currency's decimals, the decimal comma accepted.
        assert _lines(s, vid) == {
            ("8000", 1, "SALES", "P1"): Decimal("-1000.00"),
            ("8000", 2, None, None): Decimal("-1100.50"),
            ("4400", 1, None, None): Decimal("250.50"),
        }
        assert bv.lines_of(s, vid)[2].employee_code == "TEAM-A"
        # set_lines replaces the lines.
        bv.set_lines(session=s, user=user(s, "accountant"), version=vid, lines=DRAFT_LINES[:2])
    with session_scope(engine) as s:
        assert len(bv.lines_of(s, vid)) == 2
        submitted = bv.submit(session=s, user=user(s, "accountant"), version=vid)
        assert submitted.status == "submitted"
    # A clerk and an accountant may not approve; the message says who may.
    for username, article in (("clerk", "A clerk"), ("accountant", "An accountant")):
        with (
            pytest.raises(
                PermissionDenied,
                match=f"{article} may not approve budgets and documents; "
                "ask a manager or an administrator",
            ),
            session_scope(engine) as s,
        ):
            bv.approve(session=s, user=user(s, username), version=vid)
    with session_scope(engine) as s:
        approved = bv.approve(session=s, user=user(s, "manager"), version=vid)
        manager, accountant = user(s, "manager"), user(s, "accountant")
        assert approved.status == "approved"
        assert (approved.submitted_by, approved.approved_by) == (accountant.id, manager.id)
        assert approved.submitted_at is not None and approved.approved_at is not None
    with session_scope(engine) as s:
        rows = _audit(s, "budget_version", vid)
        assert [(r.action, r.user_id) for r in rows] == [
            ("insert", accountant.id),
            ("update", accountant.id),
            ("update", manager.id),
        ]
        submit_row, approve_row = rows[1], rows[2]
        assert json.loads(submit_row.old_value or "{}")["status"] == "draft"
        assert json.loads(submit_row.new_value or "{}")["status"] == "submitted"
        assert json.loads(approve_row.old_value or "{}")["status"] == "submitted"
        new = json.loads(approve_row.new_value or "{}")
        assert new["status"] == "approved" and new["approved_by"] == manager.id
        # Lines: inserted, replaced (delete + insert), by the accountant.
        line_rows = _audit(s, "budget_line", vid)
        assert [r.action for r in line_rows] == ["insert", "delete", "insert"]
        assert {r.user_id for r in line_rows} == {accountant.id}
        assert len(json.loads(line_rows[-1].new_value or "[]")) == 2


def test_who_may_make_budgets(engine) -> None:
    before = counts(engine)
    for username, message in (
        ("analyst", "An analyst may not make, copy and submit budgets"),
        ("clerk", "A clerk may not make, copy and submit budgets"),
    ):
        with pytest.raises(PermissionDenied, match=message), session_scope(engine) as s:
            bv.create_version(
                session=s, user=user(s, username), division="HOLD", fiscal_year=2026, name="B"
            )
    with (
        pytest.raises(PermissionDenied, match="An analyst may not set alert limits"),
        session_scope(engine) as s,
    ):
        alerts.set_budget_overrun_pct(session=s, user=user(s, "analyst"), division="HOLD", pct="10")
    assert counts(engine) == before
    # A manager may make, submit and approve a budget; an admin too.
    with session_scope(engine) as s:
        for username in ("manager", "admin"):
            u = user(s, username)
            v = bv.create_version(
                session=s, user=u, division="US01", fiscal_year=2026, name=f"By {username}"
            )
            bv.set_lines(session=s, user=u, version=v, lines=DRAFT_LINES[:1])
            bv.submit(session=s, user=u, version=v)
            assert bv.reject(session=s, user=u, version=v).status == "draft"
            assert v.submitted_by is None


def _post_actuals(s: Session) -> None:
    """Hand-worked 2025 postings of HOLD (and one of US01 that must stay out)."""
    acc = user(s, "accountant")
    for day, lines in (
        (
            "2025-03-10",
            [
                InvoiceLineDraft(
                    account="8000",
                    quantity="2",
                    unit_price="100",
                    vat_code="V21",
                    cost_centre="SALES",
                    cost_unit="P1",
                ),
                InvoiceLineDraft(account="8100", quantity="1", unit_price="50", vat_code="V21"),
            ],
        ),
        (
            "2025-03-20",
            [
                InvoiceLineDraft(
                    account="8000",
                    quantity="1",
                    unit_price="33.33",
                    cost_centre="SALES",
                    cost_unit="P1",
                )
            ],
        ),
    ):
        post_invoice(
            session=s,
            user=acc,
            invoice=InvoiceDraft(
                division="HOLD", invoice_type="sales", relation="C1", invoice_date=day, lines=lines
            ),
        )
    # A dollar invoice: 100 USD at 0.92 = 92.00 EUR.
    post_invoice(
        session=s,
        user=acc,
        invoice=InvoiceDraft(
            division="HOLD",
            invoice_type="sales",
            relation="C2",
            invoice_date="2025-06-05",
            lines=[InvoiceLineDraft(account="8000", quantity="1", unit_price="100")],
        ),
    )
    post_invoice(
        session=s,
        user=acc,
        invoice=InvoiceDraft(
            division="HOLD",
            invoice_type="purchase",
            relation="S1",
            invoice_date="2025-04-15",
            lines=[
                InvoiceLineDraft(
                    account="4400",
                    quantity="1",
                    unit_price="80",
                    vat_code="I21",
                    cost_centre="SALES",
                )
            ],
        ),
    )
    for division, day, account, amount in (
        ("HOLD", "2025-04-30", "4300", "1000"),
        ("HOLD", "2025-05-31", "4400", "0.05"),
        ("US01", "2025-03-31", "4300", "500"),
    ):
        post_entry(
            session=s,
            user=acc,
            entry=EntryDraft(
                division=division,
                journal="MEM",
                entry_date=day,
                lines=[
                    LineDraft(account=account, debit=amount),
                    LineDraft(account="1100", credit=amount),
                ],
            ),
        )


# HOLD's 2025 P&L actuals (VAT, receivables, payables and bank are balance-sheet lines).
ACTUALS_2025 = {
    ("8000", 3, "SALES", "P1"): Decimal("-233.33"),  # 2 x 100 + 33.33, credit
    ("8100", 3, None, None): Decimal("-50.00"),
    ("4400", 4, "SALES", None): Decimal("80.00"),
    ("4300", 4, None, None): Decimal("1000.00"),
    ("4400", 5, None, None): Decimal("0.05"),
    ("8000", 6, None, None): Decimal("-92.00"),  # 100 USD x 0.92
}
# +10 %, rounded half-up to cents.
PLUS_10 = {
    ("8000", 3, "SALES", "P1"): Decimal("-256.66"),  # -256.663
    ("8100", 3, None, None): Decimal("-55.00"),
    ("4400", 4, "SALES", None): Decimal("88.00"),
    ("4300", 4, None, None): Decimal("1100.00"),
    ("4400", 5, None, None): Decimal("0.06"),  # 0.055 half-up
    ("8000", 6, None, None): Decimal("-101.20"),
}
# That version -5 %.
PLUS_10_MINUS_5 = {
    ("8000", 3, "SALES", "P1"): Decimal("-243.83"),  # -243.827
    ("8100", 3, None, None): Decimal("-52.25"),
    ("4400", 4, "SALES", None): Decimal("83.60"),
    ("4300", 4, None, None): Decimal("1045.00"),
    ("4400", 5, None, None): Decimal("0.06"),  # 0.057
    ("8000", 6, None, None): Decimal("-96.14"),
}


def test_copy_from_actuals_and_from_a_version(engine) -> None:
    with session_scope(engine) as s:
        _post_actuals(s)
    with session_scope(engine) as s:
        acc = user(s, "accountant")
        flat = bv.copy_from_actuals(
            session=s,
            user=acc,
            division="HOLD",
            fiscal_year=2026,
            name="Actuals 2025",
            source_year=2025,
        )
        grown = bv.copy_from_actuals(
            session=s,
            user=acc,
            division="HOLD",
            fiscal_year=2026,
            name="Budget 2026",
            source_year=2025,
            change_pct="10",
        )
        ids = flat.id, grown.id
        assert (grown.origin, grown.source_year, grown.change_pct) == ("actuals", 2025, 10)
        assert grown.status == "draft" and grown.fiscal_year == 2026
    with session_scope(engine) as s:
        assert _lines(s, ids[0]) == ACTUALS_2025
        assert _lines(s, ids[1]) == PLUS_10
        assert {ln.fiscal_year for ln in bv.lines_of(s, ids[1])} == {2026}
        lower = bv.copy_from_version(
            session=s,
            user=user(s, "accountant"),
            source_version=ids[1],
            name="Budget 2026 low",
            change_pct="-5",
            scenario="negative",
        )
        later = bv.copy_from_version(
            session=s,
            user=user(s, "manager"),
            source_version=ids[1],
            name="Budget",
            fiscal_year=2027,
        )
        low_id, later_id = lower.id, later.id
        assert (lower.origin, lower.source_version_id, lower.scenario) == (
            "version",
            ids[1],
            "negative",
        )
        assert later.scenario == "normal" and later.fiscal_year == 2027
    with session_scope(engine) as s:
        assert _lines(s, low_id) == PLUS_10_MINUS_5
        assert _lines(s, later_id) == PLUS_10
        assert {ln.fiscal_year for ln in bv.lines_of(s, later_id)} == {2027}
        # The copies leave their source alone.
        assert _lines(s, ids[1]) == PLUS_10


def _submitted(s: Session, name: str, scenario: str = "normal") -> int:
    acc = user(s, "accountant")
    v = bv.create_version(
        session=s, user=acc, division="HOLD", fiscal_year=2026, name=name, scenario=scenario
    )
    bv.set_lines(session=s, user=acc, version=v, lines=DRAFT_LINES[:1])
    bv.submit(session=s, user=acc, version=v)
    assert v.id is not None
    return v.id


def test_one_approved_version_per_division_year_and_scenario(engine) -> None:
    with session_scope(engine) as s:
        first, second = _submitted(s, "First"), _submitted(s, "Second")
        upside = _submitted(s, "Upside", scenario="positive")
        bv.approve(session=s, user=user(s, "manager"), version=first)
    with (
        pytest.raises(
            ValidationError, match="'First' is already the approved normal budget for 2026"
        ) as err,
        session_scope(engine) as s,
    ):
        bv.approve(session=s, user=user(s, "manager"), version=second)
    assert err.value.field == "status"
    with session_scope(engine) as s:
        manager = user(s, "manager")
        # Another scenario, and another division, have their own approved version.
        bv.approve(session=s, user=manager, version=upside)
        bv.reopen(session=s, user=manager, version=first)
        bv.approve(session=s, user=manager, version=second)
    with session_scope(engine) as s:
        status = {v.name: v.status for v in s.exec(select(BudgetVersion))}
        assert status == {"First": "draft", "Second": "approved", "Upside": "approved"}
        reopened = s.get(BudgetVersion, first)
        assert reopened is not None and reopened.approved_by is None
        # A reopened draft can be changed again.
        bv.set_lines(session=s, user=user(s, "accountant"), version=first, lines=DRAFT_LINES)
        assert len(bv.lines_of(s, first)) == 3


def test_save_scenario_from_what_if(engine) -> None:
    with session_scope(engine) as s:
        v = bv.save_scenario(
            session=s,
            user=user(s, "manager"),
            division="US01",
            fiscal_year=2026,
            name="What-if: price +3%",
            scenario="custom",
            lines=[Line(account="8000", period=p, amount="-1030") for p in range(1, 13)],
        )
        assert (v.origin, v.status, v.scenario) == ("what_if", "draft", "custom")
        assert sum(ln.amount for ln in bv.lines_of(s, v.id or 0)) == Decimal("-12360.00")


Call = Callable[[Session], object]


def _bad_cases(ids: dict[str, int]) -> list[tuple[str, Call, str, str]]:
    """(case, call as the accountant, field, message fragment)."""

    def create(**kw) -> Call:
        args = dict(division="HOLD", fiscal_year=2026, name="New") | kw
        return lambda s: bv.create_version(session=s, user=user(s, "accountant"), **args)

    def lines(*drafts: Line, version: str = "draft") -> Call:
        return lambda s: bv.set_lines(
            session=s, user=user(s, "accountant"), version=ids[version], lines=list(drafts)
        )

    def from_actuals(**kw) -> Call:
        args = dict(division="HOLD", fiscal_year=2026, name="Copy", source_year=2025) | kw
        return lambda s: bv.copy_from_actuals(session=s, user=user(s, "accountant"), **args)

    def status(func: Callable, version: str, username: str = "manager") -> Call:
        return lambda s: func(session=s, user=user(s, username), version=ids[version])

    def limit(**kw) -> Call:
        args = dict(division="HOLD", customer=None, limit="1000") | kw
        return lambda s: alerts.set_overdue_limit(session=s, user=user(s, "accountant"), **args)

    good = Line(account="8000", period=1, amount="-5")
    return [
        ("unknown division", create(division="XX99"), "division", "Division 'XX99'"),
        ("no name", create(name="  "), "name", "Name is required"),
        ("duplicate name", create(name="Draft"), "name", "'Draft' already exists for HOLD 2026"),
        ("bad scenario", create(scenario="rosy"), "scenario", "Scenario must be one of"),
        ("bad year", create(fiscal_year="20x6"), "fiscal_year", "must be a year"),
        (
            "amount in tenths of a cent",  # issue 13: used to be rounded to 250.56 silently
            lines(good, Line(account="4400", period=1, amount="250.555")),
            "lines.2.amount",
            "Line 2 amount: 250.555 has more decimals than EUR allows (2).",
        ),
        (
            "unknown account",
            lines(good, Line(account="9999", period=1, amount="5")),
            "lines.2.account",
            "Account 9999 does not exist in division HOLD",
        ),
        (
            "balance-sheet account",
            lines(Line(account="1100", period=1, amount="5")),
            "lines.1.account",
            "1100 (Bank) is a balance-sheet account; budgets are for profit-and-loss",
        ),
        (
            "non-numeric amount",
            lines(good, Line(account="4400", period=1, amount="lots")),
            "lines.2.amount",
            "Line 2: amount must be a number, not 'lots'",
        ),
        (
            "period 13",
            lines(Line(account="8000", period=13, amount="5")),
            "lines.1.period",
            "period 13 is not a period of fiscal year 2026 (periods 1 to 12)",
        ),
        (
            "period 0",
            lines(Line(account="8000", period=0, amount="5")),
            "lines.1.period",
            "period 0 is not a period",
        ),
        (
            "period not a number",
            lines(Line(account="8000", period="March", amount="5")),
            "lines.1.period",
            "not 'March'",
        ),
        (
            "unknown cost centre",
            lines(Line(account="8000", period=1, amount="5", cost_centre="NOPE")),
            "lines.1.cost_centre",
            "Cost centre NOPE does not exist",
        ),
        ("repeated line", lines(good, good), "lines.2", "Line 2 repeats line 1"),
        (
            "lines of a submitted version",
            lines(good, version="submitted"),
            "lines",
            "is submitted; its lines cannot change",
        ),
        (
            "lines of an approved version",
            lines(good, version="approved"),
            "lines",
            "is approved; its lines cannot change",
        ),
        (
            "approve a draft",
            status(bv.approve, "draft"),
            "status",
            "is a draft; submit it before it can be approved",
        ),
        (
            "submit twice",
            status(bv.submit, "submitted", "accountant"),
            "status",
            "only a draft can be submitted",
        ),
        ("submit empty", status(bv.submit, "empty", "accountant"), "lines", "has no lines"),
        ("reject a draft", status(bv.reject, "draft"), "status", "only a submitted budget"),
        ("reopen a draft", status(bv.reopen, "draft"), "status", "only an approved budget"),
        ("unknown version", status(bv.submit, "missing"), "version", "does not exist"),
        (
            "change below -100 %",
            from_actuals(change_pct="-100.5"),
            "change_pct",
            "cannot be below -100",
        ),
        ("change not a number", from_actuals(change_pct="ten"), "change_pct", "must be a number"),
        (
            "source year without books",
            from_actuals(source_year=2023),
            "source_year",
            "no fiscal year 2023",
        ),
        (
            "source year without postings",
            from_actuals(source_year=2024),
            "source_year",
            "no profit-and-loss postings in 2024",
        ),
        (
            "copy under a taken name",
            lambda s: bv.copy_from_version(
                session=s, user=user(s, "accountant"), source_version=ids["draft"], name="Draft"
            ),
            "name",
            "already exists",
        ),
        (
            "what-if with a bad line",
            lambda s: bv.save_scenario(
                session=s,
                user=user(s, "accountant"),
                division="HOLD",
                fiscal_year=2026,
                name="What-if",
                scenario="custom",
                lines=[good, Line(account="0100", period=1, amount="5")],
            ),
            "lines.2.account",
            "balance-sheet account",
        ),
        ("negative limit", limit(limit="-1"), "limit", "Overdue limit cannot be negative"),
        ("limit not a number", limit(limit="a lot"), "limit", "must be a number"),
        (
            "limit in tenths of a cent",
            limit(limit="2500.555"),
            "limit",
            "Overdue limit: 2500.555 has more decimals than EUR allows (2).",
        ),
        ("limit for a supplier", limit(customer="S1"), "customer", "is a supplier, not a customer"),
        ("unknown customer", limit(customer="C9"), "customer", "Relation C9 does not exist"),
        (
            "negative overrun",
            lambda s: alerts.set_budget_overrun_pct(
                session=s, user=user(s, "accountant"), division="HOLD", pct="-5"
            ),
            "pct",
            "cannot be negative",
        ),
    ]


def test_bad_input_names_the_field_and_writes_nothing(engine) -> None:
    with session_scope(engine) as s:
        acc, manager = user(s, "accountant"), user(s, "manager")

        def new(name: str) -> BudgetVersion:
            v = bv.create_version(session=s, user=acc, division="HOLD", fiscal_year=2026, name=name)
            bv.set_lines(session=s, user=acc, version=v, lines=DRAFT_LINES[:1])
            return v

        draft, submitted, approved = new("Draft"), new("Submitted"), new("Approved")
        bv.submit(session=s, user=acc, version=submitted)
        bv.submit(session=s, user=acc, version=approved)
        bv.approve(session=s, user=manager, version=approved)
        empty = bv.create_version(
            session=s, user=acc, division="HOLD", fiscal_year=2026, name="Empty"
        )
        ids = {
            "draft": draft.id or 0,
            "submitted": submitted.id or 0,
            "approved": approved.id or 0,
            "empty": empty.id or 0,
            "missing": 999_999,
        }
    before = counts(engine)
    for case, call, field, fragment in _bad_cases(ids):
        with pytest.raises(ValidationError) as err, session_scope(engine) as s:
            call(s)
        assert err.value.field == field, case
        assert fragment in err.value.message, (case, err.value.message)
    assert counts(engine) == before
    with session_scope(engine) as s:
        assert len(bv.lines_of(s, ids["draft"])) == 1


def test_alert_settings_one_row_per_division_kind_and_relation(engine) -> None:
    with session_scope(engine) as s:
        acc = user(s, "accountant")
        default = alerts.set_overdue_limit(
            session=s, user=acc, division="HOLD", customer=None, limit="5000"
        )
        c1 = alerts.set_overdue_limit(
            session=s, user=acc, division="HOLD", customer="C1", limit="2500.5"
        )
        pct = alerts.set_budget_overrun_pct(session=s, user=acc, division="HOLD", pct="10")
        alerts.set_budget_overrun_pct(session=s, user=acc, division="US01", pct="15")
        ids = default.id, c1.id, pct.id
        assert c1.value == Decimal("2500.50")
    with session_scope(engine) as s:
        manager = user(s, "manager")
        again = alerts.set_overdue_limit(
            session=s, user=manager, division="HOLD", customer=None, limit="7500"
        )
        again_c1 = alerts.set_overdue_limit(
            session=s, user=manager, division="HOLD", customer="C1", limit="3000"
        )
        again_pct = alerts.set_budget_overrun_pct(
            session=s, user=manager, division="HOLD", pct="12.5"
        )
        assert (again.id, again_c1.id, again_pct.id) == ids
    with session_scope(engine) as s:
        hold = s.exec(select(Relation.division_id).where(Relation.code == "S1")).one()
        rows = alerts.settings(s, hold)
        c1_id = s.exec(
            select(Relation.id).where(Relation.code == "C1", Relation.division_id == hold)
        ).one()
        assert [(r.kind, r.relation_id, r.value) for r in rows] == [
            ("budget_overrun_pct", None, Decimal("12.50")),
            ("overdue_limit", None, Decimal("7500.00")),
            ("overdue_limit", c1_id, Decimal("3000.00")),
        ]
        assert {r.updated_by for r in rows} == {user(s, "manager").id}
        assert s.exec(select(func.count()).select_from(AlertSetting)).one() == 4
        history = _audit(s, "alert_setting", ids[0])
        assert [r.action for r in history] == ["insert", "update"]
        assert json.loads(history[1].old_value or "{}")["value"] == "5000.0000"
        assert json.loads(history[1].new_value or "{}")["value"] == "7500.00"
        assert history[1].user_id == user(s, "manager").id
