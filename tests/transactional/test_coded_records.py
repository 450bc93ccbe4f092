"""A division's records known by code (item groups, warehouses, customer groups,
salespeople, journals, cost centres, cost units, periods) are created, found and refused
through one shared helper each; these pin the clerk's wording of every refusal, so the
shared helpers keep saying the right record's name. SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.transactional.company import user
from transactional.database import make_engine, session_scope
from transactional.errors import PeriodClosed, ValidationError
from transactional.finance import ledger_setup as ledger
from transactional.finance.lookups import Lookups
from transactional.relations.services import create_relation
from transactional.sales import orders as so
from transactional.wholesale import items as wi


@pytest.fixture
def engine(db_url: str):
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.mark.parametrize(
    "create, label",
    [
        (wi.create_item_group, "Item group"),
        (wi.create_warehouse, "Warehouse"),
        (wi.create_customer_group, "Customer group"),
    ],
)
def test_a_code_is_taken_once_per_division(engine, create, label: str) -> None:
    with session_scope(engine) as s:
        admin = user(s, "admin")
        first = create(session=s, user=admin, division="HOLD", code=" MAIN ", name="Main")
        assert (first.code, first.name) == ("MAIN", "Main")
        # The same code in another division is another record.
        create(session=s, user=admin, division="US01", code="MAIN", name="Main US")
        with pytest.raises(ValidationError) as err:
            create(session=s, user=admin, division="HOLD", code="MAIN", name="Again")
        assert (str(err.value), err.value.field) == (
            f"{label} MAIN already exists in HOLD.",
            "code",
        )


def test_journals_relations_salespeople_and_items_refuse_a_taken_code(engine) -> None:
    """The test company has journal VK and relation C1 in HOLD; SP1 and HAM are made here."""
    with session_scope(engine) as s:
        admin = user(s, "admin")
        so.create_salesperson(session=s, user=admin, division="HOLD", code="SP1", name="Sam")
        wi.create_item(session=s, user=admin, division="HOLD", code="HAM", name="Hammer")
        attempts = [
            (
                lambda: ledger.create_journal(
                    session=s,
                    user=admin,
                    division="HOLD",
                    code="VK",
                    name="Sales 2",
                    journal_type="sales",
                ),
                "Journal VK already exists in HOLD.",
            ),
            (
                lambda: create_relation(
                    session=s,
                    user=admin,
                    division="HOLD",
                    code="C1",
                    name="Other",
                    relation_type="customer",
                    country="NL",
                ),
                "Relation C1 already exists in HOLD.",
            ),
            (
                lambda: so.create_salesperson(
                    session=s, user=admin, division="HOLD", code="SP1", name="Sue"
                ),
                "Salesperson SP1 already exists in HOLD.",
            ),
            (
                lambda: wi.create_item(
                    session=s, user=admin, division="HOLD", code="HAM", name="Hammer 2"
                ),
                "Item HAM already exists in HOLD.",
            ),
        ]
        for call, message in attempts:
            with pytest.raises(ValidationError) as err:
                call()
            assert (str(err.value), err.value.field) == (message, "code")
        # Free in the other division.
        ledger.create_journal(
            session=s, user=admin, division="US01", code="VK2", name="Sales 2", journal_type="sales"
        )
        so.create_salesperson(session=s, user=admin, division="US01", code="SP1", name="Sue")


def test_closed_warehouses_and_salespeople_are_refused_by_name(engine) -> None:
    with session_scope(engine) as s:
        admin = user(s, "admin")
        div = Lookups(s).division("HOLD")
        wh = wi.create_warehouse(session=s, user=admin, division="HOLD", code="OLD", name="Old")
        person = so.create_salesperson(
            session=s, user=admin, division="HOLD", code="SP1", name="Sam"
        )
        # Found by id or by code with spaces around it.
        assert wi.find_warehouse(s, div, wh.id or 0).code == "OLD"
        assert so.find_salesperson(s, div, " SP1 ", field="salesperson").id == person.id
        wh.is_active = False
        person.is_active = False
        s.add_all([wh, person])
        s.flush()
        refusals = [
            (lambda: wi.find_warehouse(s, div, "OLD"), "Warehouse OLD is closed.", "warehouse"),
            (
                lambda: so.find_salesperson(s, div, "SP1", field="salesperson"),
                "Salesperson SP1 is no longer active.",
                "salesperson",
            ),
            (
                lambda: wi.find_warehouse(s, div, "NOPE", field="from_warehouse"),
                "Warehouse NOPE does not exist in division HOLD.",
                "from_warehouse",
            ),
            (
                lambda: so.find_salesperson(s, div, "NOPE", field="salesperson"),
                "Salesperson NOPE does not exist in division HOLD.",
                "salesperson",
            ),
            (lambda: wi.find_warehouse(s, div, "  "), "Warehouse is required.", "warehouse"),
        ]
        for call, message, field in refusals:
            with pytest.raises(ValidationError) as err:
                call()
            assert (str(err.value), err.value.field) == (message, field)


def test_ledger_records_are_found_by_code_and_refused_by_name(engine) -> None:
    with session_scope(engine) as s:
        lookups = Lookups(s)
        hold = lookups.division("HOLD")
        us = lookups.division("US01")
        assert lookups.journal(hold, " VK ").code == "VK"
        assert lookups.cost_centre(hold, "SALES").division_id == hold.id
        assert lookups.cost_unit(us, "P1").division_id == us.id
        assert lookups.relation(hold, "S1").name == "Supplies BV"
        refusals = [
            (
                lambda: lookups.journal(hold, "XX"),
                "Journal XX does not exist in division HOLD.",
                "journal",
            ),
            (
                lambda: lookups.cost_centre(us, "NONE", field="lines.2.cost_centre"),
                "Cost centre NONE does not exist in division US01.",
                "lines.2.cost_centre",
            ),
            (
                lambda: lookups.cost_unit(hold, "P9"),
                "Cost unit P9 does not exist in division HOLD.",
                "cost_unit",
            ),
            (
                lambda: lookups.relation(us, "S1", field="supplier"),
                "Relation S1 does not exist in division US01.",
                "supplier",
            ),
        ]
        for call, message, field in refusals:
            with pytest.raises(ValidationError) as err:
                call()
            assert (str(err.value), err.value.field) == (message, field)


def test_a_posting_date_needs_an_open_period_in_both_lookups(engine) -> None:
    """Lookups (the services') and MasterData (the posting copy) share one rule."""
    with session_scope(engine) as s:
        lookups = Lookups(s)
        hold = lookups.division("HOLD")
        copy = lookups.master()
        period, year = lookups.period(hold, date(2025, 3, 31))
        assert (year.year, period.number) == (2025, 3)
        ref = copy.period(copy.division("HOLD"), date(2025, 3, 31))
        assert (ref.year, ref.number, ref.id) == (2025, 3, period.id)
        for find in (
            lambda on: lookups.period(hold, on, field="entry_date"),
            lambda on: copy.period(copy.division("HOLD"), on, field="entry_date"),
        ):
            with pytest.raises(PeriodClosed) as closed:
                find(date(2024, 12, 31))  # the test company closed 2024
            assert str(closed.value) == (
                "Fiscal year 2024 of division HOLD is closed; nothing can be posted on 2024-12-31."
            )
            with pytest.raises(ValidationError) as missing:
                find(date(2026, 1, 1))
            assert str(missing.value) == (
                "No fiscal period of division HOLD covers 2026-01-01; that fiscal year must "
                "first be opened by an accountant or an administrator."
            )
            assert missing.value.field == "entry_date"
