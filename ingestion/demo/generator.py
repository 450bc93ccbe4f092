"""generate(): a complete, deterministic demo group in an empty, migrated database."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, timedelta

from sqlmodel import col, select

from ingestion.demo.activity import Demo, run_month
from ingestion.demo.books import Books
from ingestion.demo.budgets import create_budgets
from ingestion.demo.catalogue import create_catalogue
from ingestion.demo.company import ALL_SPECS, DIVISIONS, create_staff, set_up_organisation
from ingestion.demo.control_totals import ControlTotals
from ingestion.demo.group import plan_group, set_up_group
from ingestion.demo.manufacturing import manufacturing_totals, set_up_manufacturer
from ingestion.demo.rates import random_walk
from ingestion.demo.recurring import Accountant
from ingestion.demo.relations import create_parties
from ingestion.demo.settlement import Settlement
from ingestion.demo.timeline import DAYS_FROM_END_TO_TODAY, fiscal_years, months
from ingestion.demo.volumes import plan_volumes
from ingestion.demo.wholesale import orders_per_month, start_trades, wholesale_totals
from transactional.database import make_engine, session_scope
from transactional.finance import ledger_setup
from transactional.finance.models import Account
from transactional.organisation import services as org
from transactional.organisation.models import Division

Progress = Callable[[str, int, int], None]


def generate(
    database_url: str, *, seed: int = 42, scale: float = 0.05,
    end_date: date = date(2026, 10, 31), progress: Progress | None = None,
) -> ControlTotals:
    """Create the demo group with about ``scale`` million journal lines up to ``end_date``.

    The same seed, scale and end date give the same database content (apart from the
    timestamps the services stamp). Returns the generator's own control totals.
    """
    if not 0 < scale <= 10:
        raise ValueError("scale must be above 0 (1.0 is about a million journal lines)")
    report: Progress = progress or (lambda stage, done, total: None)
    years = fiscal_years(end_date)
    calendar = months(end_date)
    rates = random_walk(seed, date(years[0], 1, 1), end_date)
    volumes = plan_volumes(scale, calendar, rates)
    first_month_revenue = {s.code: volumes.monthly_revenue(s.code, calendar[0]) for s in DIVISIONS}
    group = plan_group(first_month=calendar[0])
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            if session.exec(select(Division.id)).first() is not None:
                raise ValueError("generate() needs an empty database; this one has divisions")
            admin = org.bootstrap_admin(session=session)
            set_up_organisation(session=session, admin=admin, rates=rates, years=years)
            staff = create_staff(session=session, admin=admin)
            set_up_group(session=session, staff=staff, plan=group)
            parties = create_parties(session=session, user=admin, seed=seed, scale=scale,
                                     monthly_revenue=first_month_revenue)
            catalogues = create_catalogue(session=session, staff=staff, parties=parties,
                                          volumes=volumes, seed=seed, scale=scale, years=years,
                                          orders_per_month=orders_per_month(scale))
            plant = set_up_manufacturer(session=session, staff=staff, parties=parties,
                                        seed=seed, scale=scale, years=years)
            accounts = {a.code: a.id or 0 for a in session.exec(
                select(Account).where(col(Account.division_id).is_(None)))}
        report("master data", 1, 1)
        books = Books()
        for spec in ALL_SPECS:
            books.open_division(spec.code, years)
        settlement = Settlement(end=end_date,
                                today=end_date + timedelta(days=DAYS_FROM_END_TO_TODAY))
        trades = start_trades(catalogues, staff=staff, parties=parties, books=books,
                              settlement=settlement, seed=seed, scale=scale, end=end_date)
        demo = Demo(
            seed=seed, first_month=calendar[0], rates=rates, parties=parties, staff=staff,
            volumes=volumes, books=books, accounts=accounts, settlement=settlement,
            accountant=Accountant(books),
            trades=trades, group=group,
            manufacturer=plant.start(books=books, settlement=settlement, end=end_date),
        )
        for n, month in enumerate(calendar, start=1):
            # One transaction per month: memory stays flat and a failure names its month.
            with session_scope(engine) as session:
                run_month(session, demo, month)
            report("activity", n, len(calendar))
        with session_scope(engine) as session:
            # The accountant budgets each year from the last, the manager approves.
            budgets = create_budgets(session=session, staff=staff, years=years)
        report("budgets", 1, 1)
        with session_scope(engine) as session:
            # Everything of the first year is posted by now (later payments go to later
            # years), so its books can be closed.
            for spec in ALL_SPECS:
                ledger_setup.set_period_status(session=session, user=staff.accountant,
                                               division=spec.code, year=years[0], period=None,
                                               status="closed")
        report("closing", 1, 1)
    finally:
        engine.dispose()
    totals = books.control_totals(seed=seed, scale=scale, end=end_date)
    wholesale = wholesale_totals(trades, years)
    manufacturing = manufacturing_totals(demo.manufacturer, years)
    # Stock is stock: the manufacturer's closing stock joins the trading divisions'.
    wholesale["closing_stock"] |= manufacturing.pop("closing_stock", {})
    return dataclasses.replace(
        totals, **wholesale, **manufacturing, budget_versions=budgets.versions,
        budget_lines=budgets.lines,
    )
