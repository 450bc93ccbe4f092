"""The group structure: which division holds which, how much of it, from when to when.

A membership is one row of ``group_member`` per (division, valid_from); a division has at
most one parent on any day. ``Division.parent_id``/``ownership_pct`` (read by the ledger
and the dashboards) follow the membership valid today. Each division that holds others
is a group level (docs/consolidation.md, section 2).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import or_
from sqlmodel import Session, col, select

from transactional import clock
from transactional.consolidation.models import METHODS, GroupMember
from transactional.dates import parse_date
from transactional.errors import N_, ValidationError
from transactional.finance.models import Account
from transactional.money import exact_money, to_decimal
from transactional.organisation import rights
from transactional.organisation.models import Currency, Division, User
from transactional.organisation.services import find_division

RATE_DECIMALS = Decimal("1e-8")


class GroupLevel(NamedTuple):
    """A division that consolidates others (or the top of the group)."""

    division_id: int
    code: str
    name: str
    currency_code: str
    depth: int  # 0 for the top of the group
    is_top: bool


def set_membership(
    *,
    session: Session,
    user: User,
    division: str,
    parent: str,
    ownership_pct: Decimal | str,
    method: str = "full",
    valid_from: date | str,
    valid_to: date | str | None = None,
    acquisition_date: date | str | None = None,
    investment_cost: Decimal | str = Decimal(0),
    investment_account: str | None = None,
) -> GroupMember:
    """Record that ``parent`` holds ``division`` from ``valid_from`` (to ``valid_to``,
    inclusive), or change the membership starting that day; unchanged, nothing is
    written."""
    sub = find_division(session, division, field="division")
    par = find_division(session, parent, field="parent")
    assert sub.id is not None and par.id is not None
    rights.require(session, user, "consolidate", par.id)
    rights.require(session, user, "consolidate", sub.id)
    if sub.id == par.id:
        raise ValidationError(
            N_("Division {division} cannot hold itself."), field="parent", division=sub.code
        )
    start = parse_date(valid_from, field="valid_from", label=N_("Valid from"))
    end = (
        parse_date(valid_to, field="valid_to", label=N_("Valid to"))
        if valid_to not in (None, "")
        else None
    )
    if end is not None and end < start:
        raise ValidationError(
            N_("Valid to ({valid_to}) is before valid from ({valid_from})."),
            field="valid_to",
            valid_to=end.isoformat(),
            valid_from=start.isoformat(),
        )
    acquired = (
        parse_date(acquisition_date, field="acquisition_date", label=N_("Acquisition date"))
        if acquisition_date not in (None, "")
        else start
    )
    pct = to_decimal(ownership_pct, field="ownership_pct", label=N_("Ownership %"))
    if not Decimal(0) < pct <= Decimal(100) or pct != pct.quantize(RATE_DECIMALS):
        raise ValidationError(
            N_("Ownership % must be more than 0 and at most 100, not {pct}."),
            field="ownership_pct",
            pct=format(pct, "f"),
        )
    method = (method or "full").strip()
    if method not in METHODS:
        raise ValidationError(
            N_("Consolidation method must be one of {methods}."),
            field="method",
            methods=", ".join(METHODS),
        )
    currency = session.get(Currency, par.currency_code)
    assert currency is not None
    cost = exact_money(
        to_decimal(investment_cost or 0, field="investment_cost", label=N_("Investment cost")),
        currency.decimals,
        currency=currency.code,
        field="investment_cost",
        label=N_("Investment cost"),
    )
    if cost < 0:
        raise ValidationError(
            N_("The investment cost cannot be negative."), field="investment_cost"
        )
    account_id = None
    if investment_account not in (None, ""):
        account_id = _investment_account(session, par, str(investment_account)).id
    elif cost > 0:
        raise ValidationError(
            N_("An investment cost needs the account of {parent} it is booked on."),
            field="investment_account",
            parent=par.code,
        )

    rows = list(session.exec(select(GroupMember)).all())
    same = next((m for m in rows if m.division_id == sub.id and m.valid_from == start), None)
    others = [m for m in rows if m is not same]
    for m in others:
        if m.division_id == sub.id and _overlap(start, end, m.valid_from, m.valid_to):
            held_by = session.get(Division, m.parent_division_id)
            raise ValidationError(
                N_(
                    "{division} is already held by {parent} from {valid_from} to {valid_to}; "
                    "end that membership first."
                ),
                field="valid_from",
                division=sub.code,
                parent=held_by.code if held_by is not None else m.parent_division_id,
                valid_from=m.valid_from.isoformat(),
                valid_to=m.valid_to.isoformat() if m.valid_to else "…",
            )
    path = _path_up(par.id, sub.id, [(m.division_id, m.parent_division_id) for m in others])
    if path is not None:
        codes = _codes(session, [sub.id, *path])
        raise ValidationError(
            N_("{parent} cannot hold {division}: {path} would go round in a circle."),
            field="parent",
            parent=par.code,
            division=sub.code,
            path=" → ".join(codes),
        )

    values: dict[str, Any] = {
        "parent_division_id": par.id,
        "ownership_pct": pct,
        "method": method,
        "valid_to": end,
        "acquisition_date": acquired,
        "investment_cost": cost,
        "investment_account_id": account_id,
    }
    if same is None:
        same = GroupMember(division_id=sub.id, valid_from=start, **values)
        session.add(same)
    else:
        for key, value in values.items():
            if getattr(same, key) != value:
                setattr(same, key, value)
        if not session.is_modified(same):
            return same
    session.flush()
    _follow_today(session, sub, [*others, same])
    return same


def _overlap(a_from: date, a_to: date | None, b_from: date, b_to: date | None) -> bool:
    return a_from <= (b_to or date.max) and b_from <= (a_to or date.max)


def _path_up(start: int, target: int, edges: Iterable[tuple[int, int]]) -> list[int] | None:
    """The chain of parents from ``start`` up to ``target`` (both included), if any, over
    every membership whatever its dates: a group that holds itself is refused even when
    the two holdings would never be valid on the same day."""
    parents: dict[int, set[int]] = {}
    for child, parent in edges:
        parents.setdefault(child, set()).add(parent)
    seen: set[int] = set()
    stack: list[list[int]] = [[start]]
    while stack:
        chain = stack.pop()
        node = chain[-1]
        if node == target:
            return chain
        if node in seen:
            continue
        seen.add(node)
        stack.extend([*chain, p] for p in sorted(parents.get(node, ()), reverse=True))
    return None


def _codes(session: Session, ids: list[int]) -> list[str]:
    by_id = {
        d.id: d.code
        for d in session.exec(select(Division).where(col(Division.id).in_(set(ids)))).all()
    }
    return [by_id.get(i, str(i)) for i in ids]


def _investment_account(session: Session, parent: Division, code: str) -> Account:
    code = code.strip()
    rows = list(
        session.exec(
            select(Account).where(
                Account.code == code,
                or_(col(Account.division_id) == parent.id, col(Account.division_id).is_(None)),
            )
        ).all()
    )
    rows.sort(key=lambda a: a.division_id is None)  # the division's own account first
    if not rows:
        raise ValidationError(
            N_("Account {code} does not exist in division {division}."),
            field="investment_account",
            code=code,
            division=parent.code,
        )
    if rows[0].account_class != "asset":
        raise ValidationError(
            N_("The investment account {code} ({name}) is not an asset account."),
            field="investment_account",
            code=rows[0].code,
            name=rows[0].name,
        )
    return rows[0]


def membership_on(members: Iterable[GroupMember], division_id: int, on: date) -> GroupMember | None:
    """The membership of ``division_id`` valid on ``on``, if any."""
    for m in members:
        if m.division_id == division_id and m.valid_from <= on <= (m.valid_to or date.max):
            return m
    return None


def _follow_today(session: Session, division: Division, members: list[GroupMember]) -> None:
    """Keep the division's parent and ownership at what the membership valid today says
    (none valid today: no parent, 100 %)."""
    assert division.id is not None
    now = membership_on(members, division.id, clock.today())
    parent_id = now.parent_division_id if now is not None else None
    pct = now.ownership_pct if now is not None else Decimal(100)
    if division.parent_id != parent_id or division.ownership_pct != pct:
        division.parent_id = parent_id
        division.ownership_pct = pct
        session.add(division)
        session.flush()


def level_division_ids(session: Session, group_division_id: int, on: date) -> set[int]:
    """The divisions a group level consolidates on ``on``: itself and every division below
    it through memberships valid that day with method ``full`` (an associate and what it
    holds stay outside)."""
    members = [
        m
        for m in session.exec(select(GroupMember)).all()
        if m.method == "full" and m.valid_from <= on <= (m.valid_to or date.max)
    ]
    children: dict[int, list[int]] = {}
    for m in members:
        children.setdefault(m.parent_division_id, []).append(m.division_id)
    found = {group_division_id}
    todo = [group_division_id]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def group_levels(session: Session) -> list[GroupLevel]:
    """Every division that holds others (at any time), and the top of each group, top
    first then by depth and code: the levels one can consolidate."""
    members = list(session.exec(select(GroupMember)).all())
    parents = {m.parent_division_id for m in members}
    held = {m.division_id for m in members}
    divisions = {d.id: d for d in session.exec(select(Division)).all()}
    up: dict[int, int] = {}
    today = clock.today()
    for m in sorted(members, key=lambda m: m.valid_from):
        # The parent valid today, else the latest one.
        if m.division_id not in up or m.valid_from <= today:
            up[m.division_id] = m.parent_division_id

    def depth(division_id: int) -> int:
        n, seen = 0, {division_id}
        while division_id in up and up[division_id] not in seen:
            division_id = up[division_id]
            seen.add(division_id)
            n += 1
        return n

    levels = []
    for division_id in parents:
        d = divisions[division_id]
        levels.append(
            GroupLevel(
                division_id=division_id,
                code=d.code,
                name=d.name,
                currency_code=d.currency_code,
                depth=depth(division_id),
                is_top=division_id not in held,
            )
        )
    return sorted(levels, key=lambda lv: (lv.depth, lv.code))
