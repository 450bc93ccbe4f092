"""Posting roles: the services post the account that holds a role in the chart, never a
number; a chart without the role is refused in words, with nothing written; one account
per role and chart; migration 0009 gives existing charts their roles. SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from tests.conftest import create_pg_database, drop_pg_database, pg_url
from tests.transactional.company import user
from tests.transactional.test_purchasing_flow import Line, counts, entry_lines, po, receive, setup
from transactional.database import make_engine, session_scope
from transactional.errors import ValidationError
from transactional.finance import ledger_setup
from transactional.finance.models import Account
from transactional.finance.posting_roles import POSTING_ROLES, MissingPostingRole, account_for_role
from transactional.migrate import upgrade
from transactional.organisation.models import Division


@pytest.fixture
def engine(db_url: str):
    eng = make_engine(db_url)
    setup(eng)
    yield eng
    eng.dispose()


def test_the_standard_chart_gives_every_role_one_account(engine) -> None:
    with session_scope(engine) as s:
        roles = dict(
            s.exec(
                select(Account.posting_role, Account.code).where(
                    Account.posting_role.is_not(None)  # type: ignore[union-attr]
                )
            ).all()
        )
        hold = s.exec(select(Division).where(Division.code == "HOLD")).one()
        assert hold.id is not None
        found = {role: account_for_role(s, hold.id, role).code for role in POSTING_ROLES}
    expected = {
        "receivables": "1300",
        "payables": "1600",
        "inventory": "3000",
        "grni": "1610",
        "cost_of_sales": "7000",
        "purchase_price_differences": "7050",
        "stock_differences": "7100",
        "revenue_goods": "8000",
        "fx_result": "9100",
        "work_in_progress": "3100",
        "absorbed_labour": "7200",
        "absorbed_machine": "7210",
        "absorbed_overhead": "7220",
        "variance_material": "7250",
        "variance_labour": "7260",
        "variance_machine": "7270",
        "opening_balance": "0900",
    }
    assert roles == expected
    assert found == expected


def test_a_receipt_credits_the_divisions_own_grni_account_not_1610(engine) -> None:
    with session_scope(engine) as s:
        ledger_setup.create_account(
            session=s,
            user=user(s, "admin"),
            code="1615",
            name="Goods received not invoiced (HOLD)",
            account_class="liability",
            reporting_category="other_liabilities",
            division="HOLD",
            posting_role="grni",
        )
    with session_scope(engine) as s:
        order = po(s, [Line("HAM", "10")])
        receipt = receive(s, order.id, "2025-03-05")
        assert entry_lines(s, receipt.entry_id) == [
            ("3000", "Stock MAIN", 120),
            ("1615", "Goods receipt PO2025-00001", -120),
        ]


def test_a_chart_without_the_role_refuses_in_words_and_writes_nothing(engine) -> None:
    with session_scope(engine) as s:
        po(s, [Line("HAM", "10")])
        ledger_setup.set_posting_role(
            session=s, user=user(s, "admin"), account="1610", posting_role=None
        )
    before = counts(engine)
    with pytest.raises(MissingPostingRole) as refused, session_scope(engine) as s:
        receive(s, 1, "2025-03-05")
    assert str(refused.value) == (
        "Division HOLD has no account for goods received not invoiced (posting role 'grni') "
        "in its chart; give one account that role in the ledger set-up."
    )
    assert refused.value.field == "account"
    assert counts(engine) == before
    # A blocked account holding the role is refused the same way, naming the account.
    with session_scope(engine) as s:
        admin = user(s, "admin")
        ledger_setup.set_posting_role(session=s, user=admin, account="1610", posting_role="grni")
        acc = s.exec(select(Account).where(Account.code == "1610")).one()
        acc.is_active = False
        s.add(acc)
    with pytest.raises(MissingPostingRole, match="1610 .* is blocked"), session_scope(engine) as s:
        receive(s, 1, "2025-03-05")
    assert counts(engine) == before


def test_one_account_per_role_and_chart(engine) -> None:
    with session_scope(engine) as s:
        admin = user(s, "admin")
        with pytest.raises(ValidationError) as taken:
            ledger_setup.create_account(
                session=s,
                user=admin,
                code="7001",
                name="Second cost of sales",
                account_class="cost_of_sales",
                reporting_category="cost_of_sales",
                posting_role="cost_of_sales",
            )
        assert taken.value.field == "posting_role"
        assert "7000 (Cost of sales) already has the posting role 'cost_of_sales'" in str(
            taken.value
        )
        with pytest.raises(ValidationError, match="Posting role must be one of"):
            ledger_setup.set_posting_role(
                session=s, user=admin, account="4400", posting_role="petty_cash"
            )
    # The database holds the rule too, for the shared chart (no division) as well.
    with engine.begin() as conn, pytest.raises(IntegrityError):
        conn.execute(
            text(
                "INSERT INTO account (code, name, account_type, account_class, "
                "reporting_category, is_control, is_active, posting_role) VALUES "
                "('7002', 'x', 'profit_loss', 'cost_of_sales', 'cost_of_sales', false, true, "
                "'cost_of_sales')"
            )
        )


# Migration 0009 on a chart made before it: by code for the roles the services found by
# number, the lowest active code per reporting category (in each division's own chart and
# in the shared one) for those found by category.
ACCOUNTS_BEFORE_0009 = [
    # code, division, reporting category, active
    ("1290", None, "receivables", False),
    ("1300", None, "receivables", True),
    ("1310", None, "receivables", True),
    ("1600", None, "payables", True),
    ("1610", None, "other_liabilities", True),
    ("3000", None, "inventory", True),
    ("7000", None, "cost_of_sales", True),
    ("7050", None, "cost_of_sales", True),
    ("7100", None, "cost_of_sales", True),
    ("8000", None, "revenue", True),
    ("9100", None, "fx_result", True),
    ("1305", "HOLD", "receivables", True),
    ("7000", "HOLD", "cost_of_sales", True),
    ("4400", None, "other_expenses", True),
]


@pytest.mark.parametrize("engine_name", ["sqlite", "postgresql"])
def test_migration_0009_gives_existing_charts_their_roles(engine_name: str, tmp_path: Path) -> None:
    if engine_name == "sqlite":
        url, name = f"sqlite:///{tmp_path / 'old.db'}", None
    else:
        name = create_pg_database()
        url = pg_url(name)
    try:
        upgrade(url, "0008")
        eng = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        with eng.begin() as conn:
            conn.execute(
                text("INSERT INTO currency (code, name, decimals) VALUES ('EUR', 'Euro', 2)")
            )
            conn.execute(
                text(
                    "INSERT INTO division (code, name, currency_code, country, "
                    "ownership_pct, is_active) VALUES ('HOLD', 'Holding', 'EUR', 'NL', 100, true)"
                )
            )
            for code, division, category, active in ACCOUNTS_BEFORE_0009:
                conn.execute(
                    text(
                        "INSERT INTO account (division_id, code, name, account_type, "
                        "account_class, reporting_category, is_control, is_active) VALUES ("
                        "(SELECT id FROM division WHERE code = :division), :code, :code, "
                        "'balance_sheet', 'asset', :category, false, :active)"
                    ),
                    {"division": division, "code": code, "category": category, "active": active},
                )
        eng.dispose()
        # To 0009 itself: 0012 adds the manufacturing accounts' roles to a shared chart
        # (tests/transactional/test_manufacturing_master_data.py).
        upgrade(url, "0009")
        eng = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
        with eng.connect() as conn:
            roles = {
                (division or "shared", code): role
                for code, division, role in conn.execute(
                    text(
                        "SELECT a.code, d.code, a.posting_role FROM account a "
                        "LEFT JOIN division d ON d.id = a.division_id "
                        "WHERE a.posting_role IS NOT NULL"
                    )
                )
            }
        eng.dispose()
    finally:
        if name is not None:
            drop_pg_database(name)
    assert roles == {
        ("shared", "1300"): "receivables",
        ("shared", "1600"): "payables",
        ("shared", "1610"): "grni",
        ("shared", "3000"): "inventory",
        ("shared", "7000"): "cost_of_sales",
        ("shared", "7050"): "purchase_price_differences",
        ("shared", "7100"): "stock_differences",
        ("shared", "8000"): "revenue_goods",
        ("shared", "9100"): "fx_result",
        ("HOLD", "1305"): "receivables",
        ("HOLD", "7000"): "cost_of_sales",
    }
