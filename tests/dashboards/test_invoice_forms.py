"""The sales and purchase invoice forms."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlmodel import Session, create_engine, select
from streamlit.testing.v1 import AppTest

from tests.dashboards.apptest_helpers import count, fill_grid, input_above, open_page, the_error
from tests.dashboards.conftest import Company
from transactional.finance.models import Invoice

# These read the warehouse the real pipeline published (see conftest.demo_stack).
pytestmark = pytest.mark.pipeline


def _form(company: Company, kind: str) -> AppTest:
    at = open_page(f"app_pages/forms/{kind}_invoice.py", user=company.user(company.clerk))
    at.date_input(key=f"{kind}_invoice_date_0").set_value(company.open_date)
    return at


def _post(at: AppTest) -> None:
    next(b for b in at.button if b.label == "Post invoice").click().run()


def _last_invoice(url: str) -> Invoice:
    with Session(create_engine(url)) as s:
        found = s.exec(select(Invoice).order_by(Invoice.id.desc())).first()  # type: ignore[union-attr]
    assert found is not None
    return found


def test_sales_invoice_is_posted_with_vat(app_env: Company) -> None:
    at = _form(app_env, "sales")
    at.selectbox(key="sales_invoice_relation_0").set_value(app_env.customer)
    fill_grid(
        at,
        "sales_invoice_lines_0",
        [
            {
                "account": app_env.revenue_account,
                "description": "Widgets",
                "quantity": "3",
                "unit_price": "33.33",  # as the English-speaking clerk writes it
                "vat_code": "V21",
            },
            {"account": app_env.revenue_account, "quantity": "1", "unit_price": "0.01"},
        ],
    )
    before = count(app_env.url, "invoice")
    _post(at)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert count(app_env.url, "invoice") == before + 1
    invoice = _last_invoice(app_env.url)
    assert invoice.invoice_type == "sales"
    assert invoice.amount_excl_vat == Decimal("100.00")
    assert invoice.vat_amount == Decimal("21.00")
    assert invoice.created_by == app_env.user(app_env.clerk)
    assert invoice.document_number in at.success[0].value


def test_sales_invoice_without_customer_is_refused_under_the_customer(app_env: Company) -> None:
    at = _form(app_env, "sales")
    fill_grid(
        at, "sales_invoice_lines_0", [{"account": "8000", "quantity": "1", "unit_price": "5"}]
    )
    before = count(app_env.url, "journal_entry")
    _post(at)
    error = the_error(at)
    assert "required" in error.value
    assert input_above(at, error).label == "Customer"
    assert count(app_env.url, "journal_entry") == before


def test_text_quantity_is_refused_under_the_lines(app_env: Company) -> None:
    at = _form(app_env, "sales")
    at.selectbox(key="sales_invoice_relation_0").set_value(app_env.customer)
    fill_grid(
        at,
        "sales_invoice_lines_0",
        [
            {"account": "8000", "quantity": "1", "unit_price": "5"},
            {"account": "8000", "quantity": "two", "unit_price": "5"},
        ],
    )
    before = count(app_env.url, "invoice")
    _post(at)
    error = the_error(at)
    assert error.value.startswith("Line 2") and "two" in error.value
    assert input_above(at, error).type == "dataframe"
    assert count(app_env.url, "invoice") == before


def test_purchase_invoice_keeps_the_supplier_reference(app_env: Company) -> None:
    at = _form(app_env, "purchase")
    at.selectbox(key="purchase_invoice_relation_0").set_value(app_env.supplier)
    at.text_input(key="purchase_invoice_reference_0").input("INV-778")
    fill_grid(
        at,
        "purchase_invoice_lines_0",
        [
            {
                "account": app_env.expense_account,
                "quantity": "1",
                "unit_price": "200",
                "vat_code": "I21",
            }
        ],
    )
    _post(at)
    assert not at.exception and not at.error, [e.value for e in at.error]
    invoice = _last_invoice(app_env.url)
    assert (invoice.invoice_type, invoice.supplier_reference) == ("purchase", "INV-778")
    assert invoice.amount_incl_vat == Decimal("242.00")
    assert invoice.document_number in at.success[0].value


def test_purchase_invoice_in_a_closed_period_is_refused_under_the_date(
    app_env: Company,
) -> None:
    at = _form(app_env, "purchase")
    at.date_input(key="purchase_invoice_date_0").set_value(app_env.closed_date)
    at.selectbox(key="purchase_invoice_relation_0").set_value(app_env.supplier)
    fill_grid(
        at,
        "purchase_invoice_lines_0",
        [{"account": app_env.expense_account, "quantity": "1", "unit_price": "200"}],
    )
    before = count(app_env.url, "invoice")
    _post(at)
    error = the_error(at)
    assert "closed" in error.value
    assert input_above(at, error).label == "Invoice date"
    assert count(app_env.url, "invoice") == before
