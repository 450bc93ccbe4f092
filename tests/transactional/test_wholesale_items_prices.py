"""Items, barcodes, warehouses and price rules, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlmodel import select

from tests.transactional.company import user
from transactional.audit import AuditLog
from transactional.database import make_engine, session_scope
from transactional.errors import PermissionDenied, ValidationError
from transactional.wholesale import items as wi
from transactional.wholesale import prices as wp
from transactional.wholesale.barcodes import validate_barcode
from transactional.wholesale.models import (
    CustomerGroupMember,
    Item,
    ItemBarcode,
    Location,
    PriceRule,
    Warehouse,
)


@pytest.fixture
def engine(db_url: str):
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


def counts(engine) -> dict[str, int]:
    with session_scope(engine) as s:
        return {
            m.__name__: s.exec(select(func.count()).select_from(m)).one()
            for m in (Item, ItemBarcode, PriceRule, Warehouse, Location, AuditLog)
        }


# Rules of the hand-worked price table (division HOLD, EUR; valid from 2025-01-01 unless
# stated).  Items: HAM (group TOOLS, list 20.00), SAW (TOOLS, list 30.00, standard cost
# 18.00), BRUSH (PAINT, list 4.99), ROLLER (PAINT, list 10.00). C1 is in group VIP.
RULES: dict[str, dict] = {
    "A": dict(kind="discount", value="5"),  # all items, all customers
    "B": dict(kind="discount", value="10", item_group="TOOLS"),
    "C": dict(kind="price", value="17.50", item="HAM"),
    "D": dict(kind="discount", value="15", item_group="TOOLS", customer_group="VIP"),
    "E": dict(kind="discount", value="20", customer="C1", valid_to="2025-06-30"),
    "F": dict(
        kind="price",
        value="16.00",
        item="HAM",
        is_promotion=True,
        valid_from="2025-03-01",
        valid_to="2025-03-31",
    ),
    "G": dict(kind="price", value="15.00", item="HAM", min_quantity="10"),
    "H": dict(kind="price", value="14.00", item="HAM", min_quantity="50"),
    "M": dict(kind="margin", value="40", item="SAW"),
    "R1": dict(kind="discount", value="25", item="ROLLER"),
    "R2": dict(kind="price", value="8.00", item="ROLLER"),
    "Z": dict(kind="discount", value="50", valid_from="2024-01-01", valid_to="2024-12-31"),
}

# customer, item, date, quantity -> expected unit price, winning rule (None: list price).
PRICE_TABLE = [
    # All customers, all items: 5 % off 4.99 = 4.7405 -> 4.74.
    (None, "BRUSH", "2025-05-01", "1", "4.74", "A"),
    # Z is valid in 2024 only (A starts in 2025): 50 % off 4.99 = 2.495 -> 2.50 (half-up).
    (None, "BRUSH", "2024-06-01", "1", "2.50", "Z"),
    # Before every rule: the list price.
    (None, "BRUSH", "2023-06-01", "1", "4.99", None),
    # Item beats item group beats all items: C 17.50 (B would give 18.00, A 19.00).
    ("C2", "HAM", "2025-05-01", "1", "17.50", "C"),
    # A margin on the standard cost: 18.00 + 40 % = 25.20 (B would give 27.00).
    ("C2", "SAW", "2025-05-01", "1", "25.20", "M"),
    # The promotion wins on its dates only.
    ("C2", "HAM", "2025-03-15", "1", "16.00", "F"),
    ("C2", "HAM", "2025-03-31", "1", "16.00", "F"),
    ("C2", "HAM", "2025-04-01", "1", "17.50", "C"),
    # Quantity breaks: the highest minimum quantity not above the quantity.
    ("C2", "HAM", "2025-05-01", "9", "17.50", "C"),
    ("C2", "HAM", "2025-05-01", "10", "15.00", "G"),
    ("C2", "HAM", "2025-05-01", "49.5", "15.00", "G"),
    ("C2", "HAM", "2025-05-01", "50", "14.00", "H"),
    # A promotion beats a non-promotion of the same specificity, also a quantity break.
    ("C2", "HAM", "2025-03-15", "10", "16.00", "F"),
    # Customer rule E (until 2025-06-30) beats group and item rules: 20 % off 20.00.
    ("C1", "HAM", "2025-05-01", "100", "16.00", "E"),
    # After E ends: the customer-group rule D beats item rules for all customers.
    ("C1", "HAM", "2025-07-01", "100", "17.00", "D"),
    ("C1", "SAW", "2025-07-01", "1", "25.50", "D"),  # although M would give 25.20
    # D is for TOOLS only: BRUSH falls back to A.
    ("C1", "BRUSH", "2025-07-01", "1", "4.74", "A"),
    # Among equals (R1, R2 both item rules): the lowest price, 25 % off 10.00 = 7.50.
    ("C2", "ROLLER", "2025-05-01", "1", "7.50", "R1"),
    # In division US01 none of these rules exist.
]


def _setup(engine) -> dict[str, int]:
    """Groups, items, a customer group and the rules above; returns rule ids by name."""
    with session_scope(engine) as s:
        admin = user(s, "admin")
        for code, name in (("TOOLS", "Tools"), ("PAINT", "Paint")):
            wi.create_item_group(session=s, user=admin, division="HOLD", code=code, name=name)
        for code, group, price, extra in (
            ("HAM", "TOOLS", "20.00", dict(purchase_price="12.00")),
            ("SAW", "TOOLS", "30.00", dict(cost_method="standard", standard_cost="18.00")),
            ("BRUSH", "PAINT", "4.99", {}),
            ("ROLLER", "PAINT", "10.00", {}),
        ):
            wi.create_item(
                session=s,
                user=admin,
                division="HOLD",
                code=code,
                name=code.title(),
                item_group=group,
                sales_price=price,
                **extra,
            )
        wi.create_customer_group(session=s, user=admin, division="HOLD", code="VIP", name="VIP")
        wi.add_customer_to_group(
            session=s, user=admin, division="HOLD", customer_group="VIP", customer="C1"
        )
        ids = {}
        for name, fields in RULES.items():
            fields = {"valid_from": "2025-01-01", **fields}
            rule = wp.create_price_rule(
                session=s, user=admin, division="HOLD", description=name, **fields
            )
            assert rule.id is not None
            ids[name] = rule.id
        return ids


@pytest.mark.parametrize(
    "barcode,kind",
    [
        ("96385074", "EAN-8"),
        ("4006381333931", "EAN-13"),
        ("036000291452", "UPC-A"),
    ],
)
def test_valid_barcodes_are_recognised(barcode: str, kind: str) -> None:
    assert validate_barcode(barcode) == (barcode, kind)
    assert validate_barcode(f" {barcode} ", kind) == (barcode, kind)


@pytest.mark.parametrize(
    "barcode,kind,field,message",
    [
        (
            "4006381333932",
            None,
            "barcode",
            "EAN-13 4006381333932: the check digit should be 1, not 2.",
        ),
        ("96385075", None, "barcode", "EAN-8 96385075: the check digit should be 4, not 5."),
        (
            "036000291453",
            None,
            "barcode",
            "UPC-A 036000291453: the check digit should be 2, not 3.",
        ),
        ("40063813339A1", None, "barcode", "digits only"),
        ("4006-38133393", None, "barcode", "digits only"),
        ("12345", None, "barcode", "has 5 digits"),
        ("", None, "barcode", "Barcode is required."),
        ("96385074", "EAN-13", "barcode", "EAN-13 96385074 has 8 digits; an EAN-13 has 13."),
        ("96385074", "QR", "kind", "must be one of EAN-8, EAN-13, UPC-A"),
    ],
)
def test_bad_barcodes_are_refused_and_nothing_written(
    engine, barcode: str, kind: str | None, field: str, message: str
) -> None:
    with session_scope(engine) as s:
        wi.create_item(session=s, user=user(s, "admin"), division="HOLD", code="X", name="X")
    before = counts(engine)
    with pytest.raises(ValidationError) as err, session_scope(engine) as s:
        wi.add_barcode(
            session=s,
            user=user(s, "accountant"),
            division="HOLD",
            item="X",
            barcode=barcode,
            kind=kind,
        )
    assert err.value.field == field and message in err.value.message
    assert counts(engine) == before


def test_barcodes_are_added_and_unique_across_the_database(engine) -> None:
    with session_scope(engine) as s:
        admin = user(s, "admin")
        wi.create_item(session=s, user=admin, division="HOLD", code="X", name="X")
        wi.create_item(session=s, user=admin, division="US01", code="Y", name="Y")
        for code in ("96385074", "4006381333931", "036000291452"):
            wi.add_barcode(session=s, user=admin, division="HOLD", item="X", barcode=code)
    with session_scope(engine) as s:
        rows = s.exec(select(ItemBarcode).order_by(ItemBarcode.barcode)).all()
        assert [(r.barcode, r.kind) for r in rows] == [
            ("036000291452", "UPC-A"),
            ("4006381333931", "EAN-13"),
            ("96385074", "EAN-8"),
        ]
        audited = s.exec(select(AuditLog).where(AuditLog.table_name == "item_barcode")).all()
        assert len(audited) == 3
    before = counts(engine)
    for division, item in (("HOLD", "X"), ("US01", "Y")):
        with pytest.raises(ValidationError) as err, session_scope(engine) as s:
            wi.add_barcode(
                session=s,
                user=user(s, "admin"),
                division=division,
                item=item,
                barcode="4006381333931",
            )
        assert err.value.field == "barcode"
        assert err.value.message == "Barcode 4006381333931 is already used by item X in HOLD."
    assert counts(engine) == before


def test_warehouses_locations_and_item_master(engine) -> None:
    with session_scope(engine) as s:
        acc = user(s, "accountant")
        wi.create_warehouse(session=s, user=acc, division="HOLD", code="MAIN", name="Main")
        wi.create_location(
            session=s, user=acc, division="HOLD", warehouse="MAIN", code="A-01", name="Aisle A"
        )
        item = wi.create_item(
            session=s,
            user=acc,
            division="HOLD",
            code="BOLT",
            name="Bolt",
            unit="kg",
            tracking="lot",
            allow_negative_stock=True,
            sales_price="1,25",
            revenue_account="8000",
            cost_account="7000",
        )
        assert item.sales_price == Decimal("1.25") and item.tracking == "lot"
    with session_scope(engine) as s:
        stored = s.exec(select(Item).where(Item.code == "BOLT")).one()
        assert stored.sales_price == Decimal("1.25") and isinstance(stored.sales_price, Decimal)
        assert stored.revenue_account_id is not None and stored.allow_negative_stock
        assert s.exec(select(Location)).one().code == "A-01"
    before = counts(engine)
    bad = [
        (wi.create_warehouse, dict(code="MAIN", name="Again"), "code"),
        (wi.create_location, dict(warehouse="NOPE", code="B", name="B"), "warehouse"),
        (wi.create_location, dict(warehouse="MAIN", code="A-01", name="B"), "code"),
    ]
    for call, fields, field in bad:
        with pytest.raises(ValidationError) as err, session_scope(engine) as s:
            call(session=s, user=user(s, "accountant"), division="HOLD", **fields)
        assert err.value.field == field
    assert counts(engine) == before


ITEM_BAD = [
    (dict(code=""), "code"),
    (dict(name=" "), "name"),
    (dict(code="DUP"), "code"),
    (dict(item_group="NOPE"), "item_group"),
    (dict(unit="bags"), "unit"),
    (dict(tracking="batch"), "tracking"),
    (dict(cost_method="fifo"), "cost_method"),
    (dict(cost_method="standard"), "standard_cost"),
    (dict(sales_price="ten"), "sales_price"),
    (dict(sales_price="1,255"), "sales_price"),  # more decimals than EUR: refused, not rounded
    (dict(purchase_price="-1"), "purchase_price"),
    (dict(standard_cost="1.2.3"), "standard_cost"),
    (dict(revenue_account="9999"), "revenue_account"),
    (dict(division="NOPE"), "division"),
]


def test_bad_item_input_is_refused_with_field_and_nothing_written(engine) -> None:
    with session_scope(engine) as s:
        wi.create_item(session=s, user=user(s, "admin"), division="HOLD", code="DUP", name="D")
    before = counts(engine)
    for fields, field in ITEM_BAD:
        args = {"division": "HOLD", "code": "NEW", "name": "New", **fields}
        with pytest.raises(ValidationError) as err, session_scope(engine) as s:
            wi.create_item(session=s, user=user(s, "accountant"), **args)
        assert err.value.field == field, (fields, err.value)
    assert counts(engine) == before


RULE_BAD = [
    (dict(kind="markup"), "kind"),
    (dict(kind="discount", value="101"), "value"),
    (dict(kind="discount", value="-1"), "value"),
    (dict(kind="price", value="-0.01"), "value"),
    (dict(kind="margin", value="-5"), "value"),
    (dict(value="abc"), "value"),
    (dict(value=""), "value"),
    (dict(valid_from="2025-13-01"), "valid_from"),
    (dict(valid_from="2025-06-01", valid_to="2025-05-31"), "valid_to"),
    (dict(min_quantity="-1"), "min_quantity"),
    (dict(item="NOPE"), "item"),
    (dict(item_group="NOPE"), "item_group"),
    (dict(item="HAM", item_group="TOOLS"), "item_group"),
    (dict(customer="S1"), "customer"),  # a supplier
    (dict(customer="ZZ"), "customer"),
    (dict(customer_group="NOPE"), "customer_group"),
    (dict(customer="C1", customer_group="VIP"), "customer_group"),
    (dict(division="US01", item="HAM"), "item"),  # HAM belongs to HOLD
]


def test_bad_price_rules_are_refused_with_field_and_nothing_written(engine) -> None:
    _setup(engine)
    before = counts(engine)
    for fields, field in RULE_BAD:
        args = {
            "division": "HOLD",
            "kind": "discount",
            "value": "5",
            "valid_from": "2025-01-01",
            **fields,
        }
        with pytest.raises(ValidationError) as err, session_scope(engine) as s:
            wp.create_price_rule(session=s, user=user(s, "accountant"), **args)
        assert err.value.field == field, (fields, err.value)
    assert counts(engine) == before


def test_price_precedence_follows_the_hand_worked_table(engine) -> None:
    ids = _setup(engine)
    with session_scope(engine) as s:
        for customer, item, on, qty, price, rule in PRICE_TABLE:
            got = wp.price_for(
                s, division="HOLD", item=item, customer=customer, on=on, quantity=qty
            )
            expected = (Decimal(price), ids[rule] if rule else None)
            assert (got.unit_price, got.rule_id) == expected, (customer, item, on, qty, got)
            assert got.unit_price.as_tuple().exponent == -2
        # The explanation says why.
        got = wp.price_for(s, division="HOLD", item="HAM", customer="C2", on="2025-03-15")
        assert got.explanation.startswith(f"Promotion {ids['F']} 'F'")
        assert "item HAM" in got.explanation and got.explanation.endswith("= 16.00.")
        got = wp.price_for(s, division="HOLD", item="BRUSH", on="2023-06-01")
        assert got.explanation == "List price of item BRUSH: 4.99."
        got = wp.price_for(s, division="HOLD", item="SAW", customer="C1", on="2025-07-01")
        assert "15 % off list price 30.00" in got.explanation
        # Bad lookups are refused with the field.
        for kwargs, field in (
            (dict(item="NOPE"), "item"),
            (dict(item="HAM", customer="ZZ"), "customer"),
            (dict(item="HAM", quantity="0"), "quantity"),
            (dict(item="HAM", on="someday"), "date"),
        ):
            args = {"division": "HOLD", "on": "2025-05-01", **kwargs}
            with pytest.raises(ValidationError) as err:
                wp.price_for(s, **args)
            assert err.value.field == field


def test_bulk_price_change_rounds_per_currency_and_is_audited(engine) -> None:
    _setup(engine)
    with session_scope(engine) as s:
        acc = user(s, "accountant")
        wi.create_item(
            session=s,
            user=acc,
            division="HOLD",
            code="NAIL",
            name="Nail",
            item_group="TOOLS",
            sales_price="9.99",
        )
        changed = wp.bulk_price_change(
            session=s, user=acc, division="HOLD", percentage="3.5", item_group="TOOLS"
        )
        assert changed == 3
    with session_scope(engine) as s:
        prices = {i.code: i.sales_price for i in s.exec(select(Item)).all()}
        # 20 * 1.035 = 20.70; 30 * 1.035 = 31.05; 9.99 * 1.035 = 10.33965 -> 10.34.
        assert prices == {
            "HAM": Decimal("20.70"),
            "SAW": Decimal("31.05"),
            "NAIL": Decimal("10.34"),
            "BRUSH": Decimal("4.99"),
            "ROLLER": Decimal("10.00"),
        }
        updates = s.exec(
            select(AuditLog).where(AuditLog.table_name == "item", AuditLog.action == "update")
        ).all()
        assert len(updates) == 3 and all(u.user_id == user(s, "accountant").id for u in updates)
        assert any('"20.70"' in (u.new_value or "") for u in updates)
        # The list price feeds the discount rules: C1 gets D's 15 % off 20.70 = 17.5950 -> 17.60.
        got = wp.price_for(s, division="HOLD", item="HAM", customer="C1", on="2025-07-01")
        assert got.unit_price == Decimal("17.60")
    with session_scope(engine) as s:
        # All items, lowered by 10 %: 4.99 * 0.9 = 4.491 -> 4.49.
        assert (
            wp.bulk_price_change(
                session=s, user=user(s, "admin"), division="HOLD", percentage="-10"
            )
            == 5
        )
        assert s.exec(select(Item).where(Item.code == "BRUSH")).one().sales_price == Decimal("4.49")
    before = counts(engine)
    for kwargs, field in (
        (dict(percentage="-100"), "percentage"),
        (dict(percentage="lots"), "percentage"),
        (dict(percentage="5", item_group="NOPE"), "item_group"),
    ):
        with pytest.raises(ValidationError) as err, session_scope(engine) as s:
            wp.bulk_price_change(session=s, user=user(s, "admin"), division="HOLD", **kwargs)
        assert err.value.field == field
    assert counts(engine) == before


def test_rights_clerk_may_not_maintain_prices_accountant_may(engine) -> None:
    _setup(engine)
    before = counts(engine)
    for username, message in (
        ("clerk", "A clerk may not maintain items, warehouses and prices"),
        ("manager", "A manager may not"),
        ("clerk_us", "A clerk may not"),
    ):
        with pytest.raises(PermissionDenied, match=message), session_scope(engine) as s:
            wp.create_price_rule(
                session=s,
                user=user(s, username),
                division="HOLD",
                kind="discount",
                value="3",
                valid_from="2025-01-01",
            )
    with pytest.raises(PermissionDenied), session_scope(engine) as s:
        wp.bulk_price_change(session=s, user=user(s, "clerk"), division="HOLD", percentage="5")
    assert counts(engine) == before
    with session_scope(engine) as s:
        rule = wp.create_price_rule(
            session=s,
            user=user(s, "accountant"),
            division="HOLD",
            kind="discount",
            value="3",
            valid_from="2025-01-01",
            customer_group="VIP",
        )
        # Reading a price needs no right and writes nothing.
        wp.price_for(s, division="HOLD", item="HAM", customer="C1", on="2025-05-01")
    with session_scope(engine) as s:
        row = s.exec(
            select(AuditLog).where(
                AuditLog.table_name == "price_rule", AuditLog.record_key == str(rule.id)
            )
        ).one()
        assert row.user_id == user(s, "accountant").id
        assert s.exec(select(func.count()).select_from(CustomerGroupMember)).one() == 1
