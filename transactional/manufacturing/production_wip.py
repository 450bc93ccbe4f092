"""The work in progress of a production order: the context every production posting
runs in (the order locked, the user's right ``manufacture``, the date in an open period,
the WIP account), the ``production_transaction`` row each movement writes (+ into WIP, −
out of WIP, with its entry and stock movement), the entries on the WIP account, and the
rule that an order's WIP never ends below zero (docs/manufacturing.md §3).

The sum of the rows of a division is the balance of its WIP account at any date: every
row is written with the entry that posted its value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, select

from transactional.dates import parse_date
from transactional.errors import N_, ValidationError
from transactional.finance.lookups import Lookups
from transactional.finance.models import JournalEntry
from transactional.finance.posting import EntryDraft, LineDraft, post_entries
from transactional.manufacturing.models import ProductionOrder, ProductionTransaction
from transactional.manufacturing.production_orders import ACTION, load_order
from transactional.money import round_money
from transactional.organisation.models import Division, User


@dataclass
class WipContext:
    """What a posting on an order works with: the order (locked), its division, the
    posting date, the currency's decimals and the division's WIP account id."""

    session: Session
    user: User
    lookups: Lookups
    order: ProductionOrder
    division: Division
    on: date
    decimals: int
    wip: int  # the WIP account id


def wip_context(
    *,
    session: Session,
    user: User,
    order: int | str,
    on: date | str,
    doing: str,
    statuses: tuple[str, ...] = ("released", "completed"),
) -> WipContext:
    """Load and lock the order for a posting on ``on``: the user needs ``manufacture``,
    the order one of ``statuses``, the date not before its release and in an open
    period."""
    lookups = Lookups(session)
    po, div = load_order(session=session, lookups=lookups, user=user, order=order)
    if po.status not in statuses:
        raise ValidationError(
            N_("Production order {order} is {status}; it cannot be {doing}."),
            field="order",
            order=po.number,
            status=po.status,
            doing=doing,
        )
    day = parse_date(on, field="on", label="Date")
    if po.released_on is not None and day < po.released_on:
        raise ValidationError(
            N_("The date cannot be before the order's release on {released}."),
            field="on",
            released=po.released_on,
        )
    lookups.period(div, day, field="on")
    return WipContext(
        session=session,
        user=user,
        lookups=lookups,
        order=po,
        division=div,
        on=day,
        decimals=lookups.currency(div.currency_code).decimals,
        wip=lookups.account_for_role(div, "work_in_progress").id or 0,
    )


def order_wip(session: Session, order_id: int | None) -> Decimal:
    """What an order holds in work in progress: the sum of its transactions."""
    total = session.exec(
        select(func.coalesce(func.sum(ProductionTransaction.value), 0)).where(
            ProductionTransaction.order_id == order_id
        )
    ).one()
    return Decimal(total)


def add_transaction(
    ctx: WipContext, kind: str, value: Decimal, **kw: object
) -> ProductionTransaction:
    """A row of the order's WIP: ``value`` + into WIP, − out of it."""
    row = ProductionTransaction(
        division_id=ctx.division.id or 0,
        order_id=ctx.order.id or 0,
        transaction_date=ctx.on,
        kind=kind,
        value=value,
        created_by=ctx.user.id or 0,
        created_at=datetime.now(UTC),
        **kw,  # type: ignore[arg-type]
    )
    ctx.session.add(row)
    return row


def post_wip_entry(
    ctx: WipContext, description: str, amounts: list[tuple[int, Decimal, str]]
) -> JournalEntry:
    """One balanced entry of (account id, signed amount, text) lines (debit +)."""
    lines = [
        LineDraft(
            account=account,
            debit=str(amount) if amount > 0 else None,
            credit=str(-amount) if amount < 0 else None,
            description=text,
        )
        for account, amount, text in amounts
        if amount != 0
    ]
    return post_entries(
        session=ctx.session,
        user=ctx.user,
        entries=[
            EntryDraft(
                division=ctx.division.id or 0,
                journal=ctx.lookups.first_journal(ctx.division, "general").code,
                entry_date=ctx.on,
                description=f"{description} {ctx.order.number}",
                lines=lines,
                source_type="production_order",
                source_id=ctx.order.id,
            )
        ],
        action=ACTION,
    )[0]


def check_wip(ctx: WipContext, leaving: Decimal, field: str) -> None:
    """Refuse when the order's WIP would end below zero (doc §3)."""
    ctx.session.flush()
    held = order_wip(ctx.session, ctx.order.id)
    if held < 0:
        raise ValidationError(
            N_(
                "Production order {order} holds {held} in work in progress; {leaving} would go "
                "out. Issue the materials and book the hours first, or complete and close in "
                "one step."
            ),
            field=field,
            order=ctx.order.number,
            held=f"{round_money(held + leaving, ctx.decimals):f}",
            leaving=f"{round_money(leaving, ctx.decimals):f}",
        )
