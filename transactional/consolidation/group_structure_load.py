"""Loading a whole group structure from a file: divisions, parents, ownership, costs.

A group accountant sets up a group without the forms: one row per company
(docs/consolidation.md section 4; ``ingestion.consolidation.files`` reads the file into
``GroupStructureRow`` rows). A division that does not exist is created, with the fiscal
years and the general journal a trial-balance load needs; each row with a parent is a
membership, matched on (division, valid_from): an unchanged row changes nothing, a
changed one is updated through ``structure.set_membership`` (audited). A created division
with a parent is given to every user whose divisions already made up the whole of the
parent's group level, so that they keep reading the level's consolidated figures and may
load the new division's trial balances. All or nothing; ``dry_run`` lists what would
change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlmodel import Session, col, or_, select

from transactional import clock
from transactional.consolidation import structure
from transactional.consolidation.models import METHODS, GroupMember
from transactional.errors import N_, ValidationError
from transactional.finance import ledger_setup
from transactional.finance.models import Account, FiscalYear, Journal
from transactional.organisation import rights
from transactional.organisation import services as org
from transactional.organisation.models import Division, User, UserDivision

# The journal a created division gets, so its trial balances can be loaded at once.
GENERAL_JOURNAL = ("MEM", "General")


@dataclass(frozen=True)
class GroupStructureRow:
    """One company of a group-structure file; ``row`` is its row number in the file."""

    row: int
    division: str
    name: str = ""
    currency: str = ""
    country: str = ""
    parent: str | None = None
    ownership_pct: Decimal | None = None
    method: str = "full"
    valid_from: date | None = None
    valid_to: date | None = None
    acquisition_date: date | None = None
    investment_cost: Decimal = Decimal(0)
    investment_account: str | None = None


@dataclass(frozen=True)
class StructureChange:
    """What loading one row does: ``action`` is create_division, add_membership,
    update_membership, grant_division (``detail``: the user now given the new division)
    or unchanged; ``detail`` says it in a few words (English)."""

    row: int
    division: str
    action: str
    detail: str = ""


def load_group_structure(
    *, session: Session, user: User, rows: list[GroupStructureRow], dry_run: bool = False
) -> list[StructureChange]:
    """Create the missing divisions and set every membership of the file; all or nothing.

    Refused, naming the row, when a division code is missing or given twice for the same
    date, a new division lacks its name, currency or country, a member row lacks its
    ownership or start date, a parent is neither a division nor in the file, the method
    is unknown, the ownership is not above 0 and at most 100, or the dates are reversed.
    """
    # Checked up front, so a dry run is refused to whoever could not load the file.
    rights.require(session, user, "consolidate")
    if not rows:
        raise ValidationError(N_("The group structure has no rows."), field="rows")
    existing = {d.code: d for d in session.exec(select(Division)).all()}
    _check_rows(rows, existing)
    if any(r.division.strip() not in existing for r in rows):
        rights.require(session, user, "manage_divisions")
    changes: list[StructureChange] = []
    ordered = _parents_first(rows, existing)  # refuses a cycle first
    readers = _readers_of_new_divisions(session, rows, existing)
    if any(readers.values()):
        # Checked in a dry run too: granting divisions is a user administrator's right.
        rights.require(session, user, "manage_users")
    for row in ordered:
        code = row.division.strip()
        if code not in existing:
            changes.append(
                StructureChange(
                    row.row,
                    code,
                    "create_division",
                    f"{row.name} ({row.currency.upper()}, {row.country.upper()})",
                )
            )
            if not dry_run:
                existing[code] = _create_division(session, user, row)
        changes.append(_membership(session, user, row, existing, dry_run))
        for target, level in readers.get(code, []):
            changes.append(
                StructureChange(
                    row.row,
                    code,
                    "grant_division",
                    f"to {target.username}, who held every division of level {level}",
                )
            )
            if not dry_run:
                org.grant_division(session=session, user=user, target=target, division=code)
    return [c for c in changes if c.action != "none"]


def _readers_of_new_divisions(
    session: Session, rows: list[GroupStructureRow], existing: dict[str, Division]
) -> dict[str, list[tuple[User, str]]]:
    """For each division the file creates under a parent: the users to give it, with the
    level they read, by user name.

    A user whose divisions make up a whole group level reads its consolidated figures (the
    Consolidation page asks a scope for every division ever in the level); a division
    created into the level must be theirs too, or the level would vanish from their page
    at the next refresh and they could not load its trial balances. The level is that of
    the nearest existing parent up the file (a new sub-holding's subsidiaries follow it):
    its existing divisions ever below it, the file's memberships included. Administrators
    act everywhere and are left out; an existing division joining a level is not handed
    out (its books are for an administrator to share)."""
    codes = {d.id: d.code for d in existing.values()}
    below: dict[str, set[str]] = {}
    for m in session.exec(select(GroupMember)).all():
        below.setdefault(codes[m.parent_division_id], set()).add(codes[m.division_id])
    parent_in_file: dict[str, str] = {}
    for row in rows:
        code, parent = row.division.strip(), (row.parent or "").strip()
        if parent:
            below.setdefault(parent, set()).add(code)
            parent_in_file.setdefault(code, parent)
    new = [c for c in parent_in_file if c not in existing]
    if not new:
        return {}
    users = session.exec(select(User).where(User.role != "admin")).all()
    scopes: dict[int | None, set[str]] = {u.id: set() for u in users}
    for grant in session.exec(select(UserDivision)).all():
        if grant.user_id in scopes:
            scopes[grant.user_id].add(codes[grant.division_id])
    readers: dict[str, list[tuple[User, str]]] = {}
    for code in new:
        top: str | None = parent_in_file[code]
        while top is not None and top not in existing:  # a parent the file creates
            top = parent_in_file.get(top)
        if top is None:  # a new group: nobody reads it yet
            continue
        level, todo = {top}, [top]
        while todo:
            for child in below.get(todo.pop(), set()) - level:
                level.add(child)
                todo.append(child)
        held = level & set(existing)
        readers[code] = [
            (u, top) for u in sorted(users, key=lambda u: u.username) if held <= scopes[u.id]
        ]
    return readers


def _check_rows(rows: list[GroupStructureRow], existing: dict[str, Division]) -> None:
    seen: dict[tuple[str, date | None], int] = {}
    in_file = {r.division.strip() for r in rows}
    for row in rows:
        code = row.division.strip()
        if not code:
            raise ValidationError(
                N_("Row {row}: the division code is missing."), field="division", row=row.row
            )
        key = (code, row.valid_from if row.parent else None)
        if key in seen:
            raise ValidationError(
                N_("Row {row}: division {division} is already on row {first} for that date."),
                field="division",
                row=row.row,
                division=code,
                first=seen[key],
            )
        seen[key] = row.row
        if code not in existing:
            for column, value in (
                ("name", row.name),
                ("currency", row.currency),
                ("country", row.country),
            ):
                if not (value or "").strip():
                    raise ValidationError(
                        N_("Row {row}: {column} is required for the new division {division}."),
                        field=column,
                        row=row.row,
                        column=column,
                        division=code,
                    )
        parent = (row.parent or "").strip()
        if not parent:
            continue
        if parent == code:
            raise ValidationError(
                N_("Row {row}: division {division} cannot be its own parent."),
                field="parent",
                row=row.row,
                division=code,
            )
        if parent not in existing and parent not in in_file:
            raise ValidationError(
                N_("Row {row}: parent {parent} is neither a division nor in the file."),
                field="parent",
                row=row.row,
                parent=parent,
            )
        for column, given in (
            ("ownership_pct", row.ownership_pct is not None),
            ("valid_from", row.valid_from is not None),
        ):
            if not given:
                raise ValidationError(
                    N_("Row {row}: {column} is required for a company with a parent."),
                    field=column,
                    row=row.row,
                    column=column,
                )
        assert row.ownership_pct is not None and row.valid_from is not None
        if not Decimal(0) < row.ownership_pct <= Decimal(100):
            raise ValidationError(
                N_("Row {row}: ownership_pct must be above 0 and at most 100, not {value}."),
                field="ownership_pct",
                row=row.row,
                value=format(row.ownership_pct, "f"),
            )
        if (row.method or "full") not in METHODS:
            raise ValidationError(
                N_("Row {row}: method must be one of {methods}, not '{method}'."),
                field="method",
                row=row.row,
                methods=", ".join(METHODS),
                method=row.method,
            )
        if row.valid_to is not None and row.valid_to < row.valid_from:
            raise ValidationError(
                N_("Row {row}: valid_to {valid_to} is before valid_from {valid_from}."),
                field="valid_to",
                row=row.row,
                valid_to=row.valid_to.isoformat(),
                valid_from=row.valid_from.isoformat(),
            )
        if row.investment_cost and not (row.investment_account or "").strip():
            raise ValidationError(
                N_("Row {row}: investment_account is required with an investment_cost."),
                field="investment_account",
                row=row.row,
            )


def _parents_first(
    rows: list[GroupStructureRow], existing: dict[str, Division]
) -> list[GroupStructureRow]:
    """The rows in an order where every parent exists (or is created) before its
    subsidiaries; file order otherwise."""
    known = set(existing)
    pending = list(rows)
    ordered: list[GroupStructureRow] = []
    while pending:
        ready = [r for r in pending if (r.parent or "").strip() in known | {""}]
        if not ready:
            first = pending[0]
            raise ValidationError(
                N_("Row {row}: parent {parent} is neither a division nor in the file."),
                field="parent",
                row=first.row,
                parent=(first.parent or "").strip(),
            )
        for r in ready:
            ordered.append(r)
            known.add(r.division.strip())
            pending.remove(r)
    return ordered


def _create_division(session: Session, user: User, row: GroupStructureRow) -> Division:
    """The division, its fiscal years from the membership's first year to this year
    (trial balances of those years can then be loaded) and a general journal."""
    code = row.division.strip()
    div = org.create_division(
        session=session,
        user=user,
        code=code,
        name=row.name.strip(),
        currency=row.currency.strip(),
        country=row.country.strip(),
    )
    this_year = clock.today().year
    first = min(row.valid_from.year, this_year) if row.valid_from else this_year
    have = set(session.exec(select(FiscalYear.year).where(FiscalYear.division_id == div.id)).all())
    for year in range(first, this_year + 1):
        if year not in have:
            ledger_setup.open_fiscal_year(session=session, user=user, division=code, year=year)
    journal_code, journal_name = GENERAL_JOURNAL
    has_general = session.exec(
        select(Journal.id).where(Journal.division_id == div.id, Journal.journal_type == "general")
    ).first()
    if has_general is None:
        ledger_setup.create_journal(
            session=session,
            user=user,
            division=code,
            code=journal_code,
            name=journal_name,
            journal_type="general",
        )
    return div


def _membership(
    session: Session,
    user: User,
    row: GroupStructureRow,
    divisions: dict[str, Division],
    dry_run: bool,
) -> StructureChange:
    code = row.division.strip()
    parent = (row.parent or "").strip()
    if not parent:
        return StructureChange(row.row, code, "none")
    assert row.ownership_pct is not None and row.valid_from is not None
    method = (row.method or "full").strip() or "full"
    acquired = row.acquisition_date or row.valid_from
    detail = f"{row.ownership_pct.normalize():f} % of {code} held by {parent} from " + (
        row.valid_from.isoformat()
    )
    div = divisions.get(code)
    current = (
        session.exec(
            select(GroupMember).where(
                GroupMember.division_id == div.id, GroupMember.valid_from == row.valid_from
            )
        ).first()
        if div is not None
        else None
    )
    if current is not None:
        parent_div = divisions.get(parent)
        account_id = (
            _account_id(session, parent_div, row.investment_account)
            if parent_div is not None and (row.investment_account or "").strip()
            else None
        )
        same = (
            parent_div is not None
            and current.parent_division_id == parent_div.id
            and current.ownership_pct == row.ownership_pct
            and current.method == method
            and current.valid_to == row.valid_to
            and current.acquisition_date == acquired
            and current.investment_cost == row.investment_cost
            and current.investment_account_id == account_id
        )
        if same:
            return StructureChange(row.row, code, "unchanged", detail)
    action = "add_membership" if current is None else "update_membership"
    if not dry_run:
        structure.set_membership(
            session=session,
            user=user,
            division=code,
            parent=parent,
            ownership_pct=row.ownership_pct,
            method=method,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            acquisition_date=acquired,
            investment_cost=row.investment_cost,
            investment_account=(row.investment_account or "").strip() or None,
        )
    return StructureChange(row.row, code, action, detail)


def _account_id(session: Session, division: Division, code: str | None) -> int | None:
    """The parent's account with ``code`` as the division sees it (its own first)."""
    rows = session.exec(
        select(Account).where(
            Account.code == (code or "").strip(),
            or_(col(Account.division_id).is_(None), col(Account.division_id) == division.id),
        )
    ).all()
    own = sorted(rows, key=lambda a: a.division_id is None)
    return own[0].id if own else None
