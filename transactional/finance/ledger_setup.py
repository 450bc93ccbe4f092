"""Services that set up a division's ledger: chart, journals, VAT, cost centres, periods."""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal
from typing import TypeVar

from sqlmodel import Session, select

from transactional.errors import N_, ValidationError
from transactional.finance.lookups import Lookups
from transactional.finance.models import (
    ACCOUNT_CLASSES,
    JOURNAL_TYPES,
    VAT_TYPES,
    Account,
    CostCentre,
    CostUnit,
    FiscalYear,
    Journal,
    Period,
    VatCode,
)
from transactional.finance.posting_roles import POSTING_ROLES
from transactional.money import to_decimal
from transactional.organisation import rights
from transactional.organisation.coded_records import require_code_free
from transactional.organisation.models import User

# The standard chart: code, name, class, reporting category, control account.
STANDARD_CHART: list[tuple[str, str, str, str, bool]] = [
    ("0100", "Buildings and equipment", "asset", "fixed_assets", False),
    ("0190", "Accumulated depreciation", "asset", "fixed_assets", False),
    ("0500", "Share capital", "equity", "share_capital", False),
    ("0600", "Retained earnings", "equity", "retained_earnings", False),
    # Dividends a division declares (debit), and what it holds in group companies:
    # consolidation eliminates both (docs/consolidation.md).
    ("0650", "Dividends declared", "equity", "dividends", False),
    ("0700", "Long-term loans", "liability", "loans", False),
    ("0800", "Investments in group companies", "asset", "fixed_assets", False),
    # The counter account of opening balances brought in by import (opening stock).
    ("0900", "Opening balances", "equity", "opening_balances", False),
    ("1000", "Cash", "asset", "cash", False),
    ("1100", "Bank", "asset", "cash", False),
    ("1300", "Trade receivables", "asset", "receivables", True),
    ("1350", "Intercompany current account", "asset", "intercompany", False),
    ("1500", "VAT receivable", "asset", "vat", False),
    ("1600", "Trade payables", "liability", "payables", True),
    ("1610", "Goods received not invoiced", "liability", "other_liabilities", False),
    ("1650", "VAT payable", "liability", "vat", False),
    ("1700", "Wages and social charges payable", "liability", "payroll_liabilities", False),
    ("1800", "Accrued liabilities", "liability", "other_liabilities", False),
    ("3000", "Inventory", "asset", "inventory", False),
    # Not category 'inventory': the stock reconciliation compares that category with the
    # stock valuation, which holds no work in progress.
    ("3100", "Work in progress", "asset", "work_in_progress", False),
    ("4000", "Wages and salaries", "expense", "wages", False),
    ("4100", "Social charges", "expense", "wages", False),
    ("4300", "Rent and housing", "expense", "housing", False),
    ("4400", "Other operating expenses", "expense", "other_expenses", False),
    ("4500", "Selling and marketing", "expense", "other_expenses", False),
    ("4800", "Depreciation", "expense", "depreciation", False),
    ("4900", "Intercompany management fees", "expense", "intercompany_charges", False),
    ("7000", "Cost of sales", "cost_of_sales", "cost_of_sales", False),
    ("7050", "Purchase price differences", "cost_of_sales", "cost_of_sales", False),
    ("7100", "Stock differences", "cost_of_sales", "cost_of_sales", False),
    # Manufacturing: hours and overhead absorbed into WIP, variances at close.
    ("7200", "Absorbed labour", "cost_of_sales", "cost_of_sales", False),
    ("7210", "Absorbed machine costs", "cost_of_sales", "cost_of_sales", False),
    ("7220", "Absorbed production overhead", "cost_of_sales", "cost_of_sales", False),
    ("7250", "Material variance", "cost_of_sales", "cost_of_sales", False),
    ("7260", "Labour variance", "cost_of_sales", "cost_of_sales", False),
    ("7270", "Machine variance", "cost_of_sales", "cost_of_sales", False),
    ("8000", "Revenue goods", "revenue", "revenue", False),
    ("8100", "Revenue services", "revenue", "revenue", False),
    ("8900", "Intercompany management fees received", "other_income", "intercompany_income", False),
    ("8950", "Dividend income", "other_income", "dividend_income", False),
    ("9000", "Interest", "other_expense", "financial_result", False),
    ("9100", "Exchange differences", "other_expense", "fx_result", False),
    ("9500", "Income tax", "tax", "income_tax", False),
]
BALANCE_SHEET_CLASSES = {"asset", "liability", "equity"}
# The standard chart's posting roles (transactional.finance.posting_roles): code -> role.
STANDARD_ROLES: dict[str, str] = {
    "1300": "receivables",
    "1600": "payables",
    "1610": "grni",
    "3000": "inventory",
    "7000": "cost_of_sales",
    "7050": "purchase_price_differences",
    "7100": "stock_differences",
    "8000": "revenue_goods",
    "9100": "fx_result",
    "0900": "opening_balance",
    "3100": "work_in_progress",
    "7200": "absorbed_labour",
    "7210": "absorbed_machine",
    "7220": "absorbed_overhead",
    "7250": "variance_material",
    "7260": "variance_labour",
    "7270": "variance_machine",
}


def install_standard_chart(*, session: Session, user: User) -> int:
    """Create the shared standard chart and VAT codes where missing; returns accounts created."""
    rights.require(session, user, "manage_ledger")
    created = 0
    for code, name, klass, category, control in STANDARD_CHART:
        exists = session.exec(
            select(Account).where(Account.code == code, Account.division_id.is_(None))  # type: ignore[union-attr]
        ).first()
        if exists is None:
            create_account(
                session=session,
                user=user,
                code=code,
                name=name,
                account_class=klass,
                reporting_category=category,
                is_control=control,
                posting_role=STANDARD_ROLES.get(code),
            )
            created += 1
    vat_out = session.exec(select(Account).where(Account.code == "1650")).one()
    vat_in = session.exec(select(Account).where(Account.code == "1500")).one()
    for code, name, rate, vtype, acc in [
        ("V21", "Output VAT 21%", "0.21", "output", vat_out.id),
        ("V9", "Output VAT 9%", "0.09", "output", vat_out.id),
        ("V0", "Exempt / export", "0", "exempt", None),
        ("I21", "Input VAT 21%", "0.21", "input", vat_in.id),
        ("I9", "Input VAT 9%", "0.09", "input", vat_in.id),
    ]:
        if session.exec(select(VatCode).where(VatCode.code == code)).first() is None:
            create_vat_code(
                session=session,
                user=user,
                code=code,
                name=name,
                rate=rate,
                vat_type=vtype,
                account_id=acc,
            )
    return created


def create_account(
    *,
    session: Session,
    user: User,
    code: str,
    name: str,
    account_class: str,
    reporting_category: str,
    is_control: bool = False,
    division: str | int | None = None,
    posting_role: str | None = None,
) -> Account:
    """Create an account; ``posting_role`` makes it the one the services post for that
    role in its division (or in the shared chart)."""
    rights.require(session, user, "manage_ledger")
    code = (code or "").strip()
    if not code:
        raise ValidationError(N_("Account code is required."), field="code")
    if account_class not in ACCOUNT_CLASSES:
        raise ValidationError(
            N_("Account class must be one of {account_classes}."),
            field="account_class",
            account_classes=", ".join(ACCOUNT_CLASSES),
        )
    division_id = Lookups(session).division(division).id if division is not None else None
    dup = session.exec(
        select(Account).where(Account.code == code, Account.division_id == division_id)
    ).first()
    if dup is not None:
        raise ValidationError(N_("Account {code} already exists."), field="code", code=code)
    if posting_role is not None:
        _check_role_free(session, division_id, posting_role)
    acc = Account(
        division_id=division_id,
        code=code,
        name=name,
        account_class=account_class,
        account_type="balance_sheet" if account_class in BALANCE_SHEET_CLASSES else "profit_loss",
        reporting_category=reporting_category,
        is_control=is_control,
        posting_role=posting_role,
    )
    session.add(acc)
    session.flush()
    return acc


def set_posting_role(
    *,
    session: Session,
    user: User,
    account: str,
    posting_role: str | None,
    division: str | int | None = None,
) -> Account:
    """Give an account of the shared chart (or of ``division``'s own) a posting role, or
    take it away with None. The role must not be held by another account there."""
    rights.require(session, user, "manage_ledger")
    division_id = Lookups(session).division(division).id if division is not None else None
    acc = session.exec(
        select(Account).where(
            Account.code == (account or "").strip(), Account.division_id == division_id
        )
    ).first()
    if acc is None:
        raise ValidationError(
            N_("Account {account} does not exist."), field="account", account=account
        )
    if posting_role is not None and posting_role != acc.posting_role:
        _check_role_free(session, division_id, posting_role)
    acc.posting_role = posting_role
    session.add(acc)
    session.flush()
    return acc


def _check_role_free(session: Session, division_id: int | None, role: str) -> None:
    if role not in POSTING_ROLES:
        raise ValidationError(
            N_("Posting role must be one of {posting_roles}."),
            field="posting_role",
            posting_roles=", ".join(POSTING_ROLES),
        )
    holder = session.exec(
        select(Account).where(Account.posting_role == role, Account.division_id == division_id)
    ).first()
    if holder is not None:
        raise ValidationError(
            N_(
                "Account {holder_code} ({holder_name}) already has the posting role '{role}'; take "
                "it away there first."
            ),
            field="posting_role",
            holder_code=holder.code,
            holder_name=holder.name,
            role=role,
        )


def create_vat_code(
    *,
    session: Session,
    user: User,
    code: str,
    name: str,
    rate: Decimal | str,
    vat_type: str,
    account_id: int | None,
) -> VatCode:
    rights.require(session, user, "manage_ledger")
    if vat_type not in VAT_TYPES:
        raise ValidationError(
            N_("VAT type must be one of {vat_types}."),
            field="vat_type",
            vat_types=", ".join(VAT_TYPES),
        )
    value = to_decimal(rate, field="rate", label="VAT rate")
    if not Decimal(0) <= value < Decimal(1):
        raise ValidationError(
            N_("VAT rate is a fraction between 0 and 1, like 0.21."), field="rate"
        )
    vat = VatCode(code=code, name=name, rate=value, vat_type=vat_type, account_id=account_id)
    session.add(vat)
    session.flush()
    return vat


def create_journal(
    *,
    session: Session,
    user: User,
    division: str | int,
    code: str,
    name: str,
    journal_type: str,
    account: str | None = None,
    currency: str | None = None,
) -> Journal:
    lookups = Lookups(session)
    div = lookups.division(division)
    rights.require(session, user, "manage_ledger", div.id)
    if journal_type not in JOURNAL_TYPES:
        raise ValidationError(
            N_("Journal type must be one of {journal_types}."),
            field="journal_type",
            journal_types=", ".join(JOURNAL_TYPES),
        )
    if journal_type in ("bank", "cash") and not account:
        raise ValidationError(
            N_("A bank or cash journal needs its ledger account."), field="account"
        )
    code = (code or "").strip()
    if not code or len(code) > 10:
        raise ValidationError(N_("Journal code is required (at most 10 characters)."), field="code")
    require_code_free(session, Journal, div, code, label="Journal")
    jr = Journal(
        division_id=div.id or 0,
        code=code,
        name=name,
        journal_type=journal_type,
        account_id=lookups.account(div, account).id if account else None,
        currency_code=lookups.currency(currency).code if currency else None,
    )
    session.add(jr)
    session.flush()
    return jr


_Dimension = TypeVar("_Dimension", CostCentre, CostUnit)


def _create_dimension(
    session: Session, user: User, division: str | int, model: type[_Dimension], code: str, name: str
) -> _Dimension:
    """Cost centres and cost units are set up alike: a code and a name in the division."""
    div = Lookups(session).division(division)
    rights.require(session, user, "manage_ledger", div.id)
    row = model(division_id=div.id or 0, code=code.strip(), name=name)
    session.add(row)
    session.flush()
    return row


def create_cost_centre(
    *, session: Session, user: User, division: str | int, code: str, name: str
) -> CostCentre:
    return _create_dimension(session, user, division, CostCentre, code, name)


def create_cost_unit(
    *, session: Session, user: User, division: str | int, code: str, name: str
) -> CostUnit:
    return _create_dimension(session, user, division, CostUnit, code, name)


def open_fiscal_year(*, session: Session, user: User, division: str | int, year: int) -> FiscalYear:
    """Create a calendar fiscal year with twelve monthly periods, all open."""
    div = Lookups(session).division(division)
    rights.require(session, user, "manage_periods", div.id)
    if not 1900 < int(year) < 2200:
        raise ValidationError(N_("Year must be a four-digit year."), field="year")
    if session.exec(
        select(FiscalYear).where(FiscalYear.division_id == div.id, FiscalYear.year == year)
    ).first():
        raise ValidationError(
            N_("Fiscal year {year} already exists in {division}."),
            field="year",
            year=year,
            division=div.code,
        )
    fy = FiscalYear(
        division_id=div.id or 0, year=year, start_date=date(year, 1, 1), end_date=date(year, 12, 31)
    )
    session.add(fy)
    session.flush()
    session.add_all(
        Period(
            fiscal_year_id=fy.id or 0,
            division_id=div.id or 0,
            number=m,
            start_date=date(year, m, 1),
            end_date=date(year, m, calendar.monthrange(year, m)[1]),
        )
        for m in range(1, 13)
    )
    session.flush()
    return fy


def set_period_status(
    *, session: Session, user: User, division: str | int, year: int, period: int | None, status: str
) -> None:
    """Close or reopen one period, or a whole fiscal year when ``period`` is None."""
    if status not in ("open", "closed"):
        raise ValidationError(N_("Status must be open or closed."), field="status")
    div = Lookups(session).division(division)
    rights.require(session, user, "manage_periods", div.id)
    fy = session.exec(
        select(FiscalYear).where(FiscalYear.division_id == div.id, FiscalYear.year == year)
    ).first()
    if fy is None:
        raise ValidationError(
            N_("Fiscal year {year} does not exist in {division}."),
            field="year",
            year=year,
            division=div.code,
        )
    if period is None:
        fy.status = status
        session.add(fy)
    else:
        p = session.exec(
            select(Period).where(Period.fiscal_year_id == fy.id, Period.number == period)
        ).first()
        if p is None:
            raise ValidationError(
                N_("Period {period} does not exist in {year}."),
                field="period",
                period=period,
                year=year,
            )
        if status == "open" and fy.status == "closed":
            raise ValidationError(
                N_("Fiscal year {year} is closed; reopen the year first."),
                field="period",
                year=year,
            )
        p.status = status
        session.add(p)
    session.flush()
