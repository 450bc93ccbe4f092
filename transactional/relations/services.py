"""Services for customers and suppliers."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session

from transactional.errors import N_, ValidationError
from transactional.money import to_decimal
from transactional.organisation import rights
from transactional.organisation.coded_records import require_code_free
from transactional.organisation.models import User
from transactional.organisation.services import find_currency, find_division
from transactional.relations.models import RELATION_TYPES, Relation


def create_relation(
    *,
    session: Session,
    user: User,
    division: str | int,
    code: str,
    name: str,
    relation_type: str,
    country: str,
    currency: str | None = None,
    payment_terms_days: int | str = 30,
    credit_limit: Decimal | str = Decimal(0),
    intercompany_division: str | None = None,
) -> Relation:
    div = find_division(session, division)
    rights.require(session, user, "manage_relations", div.id)
    code = (code or "").strip()
    if not code:
        raise ValidationError(N_("Code is required."), field="code")
    if not (name or "").strip():
        raise ValidationError(N_("Name is required."), field="name")
    if relation_type not in RELATION_TYPES:
        raise ValidationError(N_("Type must be customer, supplier or both."), field="relation_type")
    if len((country or "").strip()) != 2:
        raise ValidationError(N_("Country is a two-letter code, like NL."), field="country")
    try:
        terms = int(payment_terms_days)
    except (TypeError, ValueError):
        raise ValidationError(
            N_("Payment terms are a number of days."), field="payment_terms_days"
        ) from None
    if not 0 <= terms <= 365:
        raise ValidationError(
            N_("Payment terms must be between 0 and 365 days."), field="payment_terms_days"
        )
    limit = to_decimal(credit_limit, field="credit_limit", label="Credit limit")
    if limit < 0:
        raise ValidationError(N_("The credit limit cannot be negative."), field="credit_limit")
    cur = find_currency(session, currency or div.currency_code)
    require_code_free(session, Relation, div, code, label="Relation")
    rel = Relation(
        division_id=div.id or 0,
        code=code,
        name=name.strip(),
        relation_type=relation_type,
        country=country.strip().upper(),
        currency_code=cur.code,
        payment_terms_days=terms,
        credit_limit=limit,
        intercompany_division_id=find_division(
            session, intercompany_division, field="intercompany_division"
        ).id
        if intercompany_division
        else None,
    )
    session.add(rel)
    session.flush()
    return rel
