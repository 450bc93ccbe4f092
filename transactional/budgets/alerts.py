"""Alert settings: the limits the Alerts view compares against.

One row per division x kind x relation: setting a limit again updates that row (the audit
log keeps the old value). Both services need the ``manage_alerts`` right in the division.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlmodel import Session, col, select

from transactional.budgets.models import AlertSetting
from transactional.errors import N_, ValidationError
from transactional.finance.lookups import Lookups
from transactional.money import exact_money, round_money, to_decimal
from transactional.organisation.models import Division, User


def _upsert(
    session: Session,
    user: User,
    division: Division,
    kind: str,
    relation_id: int | None,
    value: Decimal,
) -> AlertSetting:
    stmt = select(AlertSetting).where(
        AlertSetting.division_id == division.id, AlertSetting.kind == kind
    )
    stmt = stmt.where(
        col(AlertSetting.relation_id).is_(None)
        if relation_id is None
        else col(AlertSetting.relation_id) == relation_id
    )
    row = session.exec(stmt).first()
    now = datetime.now(UTC)
    if row is None:
        row = AlertSetting(
            division_id=division.id or 0,
            kind=kind,
            relation_id=relation_id,
            value=value,
            updated_by=user.id or 0,
            updated_at=now,
        )
    else:
        row.value, row.updated_by, row.updated_at = value, user.id or 0, now
    session.add(row)
    session.flush()
    return row


def set_overdue_limit(
    *,
    session: Session,
    user: User,
    division: str | int,
    customer: str | int | None,
    limit: Decimal | str | int,
) -> AlertSetting:
    """Alert when a customer's overdue receivables exceed ``limit`` (the division's base
    currency); ``customer`` None sets the division's default limit."""
    lookups = Lookups(session)
    div = lookups.division(division)
    assert div.id is not None
    lookups.require(user, "manage_alerts", div.id)
    relation_id = None
    if customer is not None and customer != "":
        rel = lookups.relation(div, customer, field="customer")
        if rel.relation_type not in ("customer", "both"):
            raise ValidationError(
                N_("Relation {relation} ({relation_name}) is a {relation_type}, not a customer."),
                field="customer",
                relation=rel.code,
                relation_name=rel.name,
                relation_type=rel.relation_type,
            )
        relation_id = rel.id
    amount = to_decimal(limit, field="limit", label="Overdue limit")
    if amount < 0:
        raise ValidationError(N_("Overdue limit cannot be negative."), field="limit")
    amount = exact_money(
        amount,
        lookups.currency(div.currency_code).decimals,
        currency=div.currency_code,
        field="limit",
        label="Overdue limit",
    )
    return _upsert(session, user, div, "overdue_limit", relation_id, amount)


def set_budget_overrun_pct(
    *, session: Session, user: User, division: str | int, pct: Decimal | str | int
) -> AlertSetting:
    """Alert when an account's actual exceeds its budget by more than ``pct`` percent."""
    lookups = Lookups(session)
    div = lookups.division(division)
    assert div.id is not None
    lookups.require(user, "manage_alerts", div.id)
    value = to_decimal(pct, field="pct", label="Budget overrun %")
    if value < 0:
        raise ValidationError(N_("The budget overrun percentage cannot be negative."), field="pct")
    if value > 1000:
        raise ValidationError(N_("The budget overrun percentage is at most 1000."), field="pct")
    return _upsert(session, user, div, "budget_overrun_pct", None, round_money(value, 2))


def settings(session: Session, division_id: int) -> list[AlertSetting]:
    """The division's alert settings (default limit first, then per customer)."""
    return list(
        session.exec(
            select(AlertSetting)
            .where(AlertSetting.division_id == division_id)
            .order_by(
                col(AlertSetting.kind),
                col(AlertSetting.relation_id).is_not(None),
                col(AlertSetting.relation_id),
            )
        ).all()
    )
