"""The payment form: allocate to open invoices of the picked relation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from tests.dashboards.apptest_helpers import count, fill_grid, input_above, open_page, the_error
from tests.dashboards.conftest import Company
from transactional.database import session_scope
from transactional.finance.invoices import InvoiceDraft, InvoiceLineDraft, post_invoice
from transactional.finance.models import Payment
from transactional.finance.payments import open_amounts
from transactional.organisation.models import User

# These read the warehouse the real pipeline published (see conftest.demo_stack).
pytestmark = pytest.mark.pipeline


def _open_invoice(company: Company, price: str) -> tuple[int, str]:
    """A sales invoice of the company's customer, posted through the service."""
    engine = create_engine(company.url)
    with session_scope(engine) as s:
        user = s.get(User, company.user(company.clerk))
        assert user is not None
        invoice = post_invoice(
            session=s,
            user=user,
            invoice=InvoiceDraft(
                division=company.division,
                invoice_type="sales",
                relation=company.customer,
                invoice_date=company.open_date,
                lines=[InvoiceLineDraft(account=company.revenue_account, unit_price=price)],
            ),
        )
        result = (invoice.id or 0, invoice.document_number)
    engine.dispose()
    return result


def _grid_key(company: Company) -> str:
    engine = create_engine(company.url)
    with engine.connect() as con:
        division_id = con.execute(
            text("select id from division where code = :c"), {"c": company.division}
        ).scalar_one()
    engine.dispose()
    return f"payment_allocations_0_{division_id}_received_{company.customer}"


def _form(company: Company) -> AppTest:
    at = open_page("app_pages/forms/payment.py", user=company.user(company.clerk))
    at.selectbox(key="payment_relation").set_value(company.customer).run()
    at.date_input(key="payment_date_0").set_value(company.open_date)
    return at


def _post(at: AppTest) -> None:
    next(b for b in at.button if b.label == "Post payment").click().run()


def test_payment_settles_the_picked_invoice(app_env: Company) -> None:
    invoice_id, number = _open_invoice(app_env, "250")
    at = _form(app_env)
    grid = at.data_editor[0].value
    assert number in list(grid["document_number"])
    row = list(grid["document_number"]).index(number)
    at.text_input(key="payment_amount_0").input("250")
    at.text_input(key="payment_reference_0").input("Bank 12/03")
    fill_grid(at, _grid_key(app_env), [{}] * row + [{"settle": True}])
    _post(at)
    assert not at.exception and not at.error, [e.value for e in at.error]
    engine = create_engine(app_env.url)
    with Session(engine) as s:
        payment = s.exec(select(Payment).order_by(Payment.id.desc())).first()  # type: ignore[union-attr]
        assert payment is not None
        assert payment.amount == Decimal("250.00") and payment.reference == "Bank 12/03"
        assert open_amounts(s, [invoice_id])[invoice_id][0] == 0
    engine.dispose()
    assert payment.document_number in at.success[0].value


def test_text_amount_is_refused_under_the_amount(app_env: Company) -> None:
    _open_invoice(app_env, "100")
    at = _form(app_env)
    at.text_input(key="payment_amount_0").input("hundred")
    before = count(app_env.url, "payment")
    _post(at)
    error = the_error(at)
    assert "must be a number" in error.value
    assert input_above(at, error).label == "Amount"
    assert count(app_env.url, "payment") == before


def test_allocating_more_than_open_is_refused_under_the_invoices(app_env: Company) -> None:
    _, number = _open_invoice(app_env, "100")
    at = _form(app_env)
    row = list(at.data_editor[0].value["document_number"]).index(number)
    at.text_input(key="payment_amount_0").input("500")
    fill_grid(at, _grid_key(app_env), [{}] * row + [{"allocate": "500"}])
    before = count(app_env.url, "payment"), count(app_env.url, "journal_entry")
    _post(at)
    error = the_error(at)
    assert error.value.startswith(f"Allocation {row + 1}") and number in error.value
    assert input_above(at, error).type == "dataframe"
    assert (count(app_env.url, "payment"), count(app_env.url, "journal_entry")) == before
