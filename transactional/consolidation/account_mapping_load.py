"""Loading the mapping of divisions' accounts to the group chart from a file.

One row per account: ``division`` (empty: the shared chart's account, for every division
using it), ``account``, ``group_account``. Each row goes through
``group_chart.map_account`` (rights, audit); a row that maps the account as it already is
changes nothing. All or nothing; ``dry_run`` lists what would change.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, or_, select

from transactional.consolidation import group_chart
from transactional.consolidation.models import GroupAccount, GroupAccountMap
from transactional.errors import N_, ValidationError
from transactional.finance.models import Account
from transactional.organisation import rights
from transactional.organisation.models import Division, User


@dataclass(frozen=True)
class AccountMappingRow:
    """One row of a mapping file; ``row`` is its row number in the file."""

    row: int
    account: str
    group_account: str
    division: str | None = None


@dataclass(frozen=True)
class MappingChange:
    """``action``: map (new), remap (was another group account) or unchanged."""

    row: int
    division: str | None
    account: str
    group_account: str
    action: str
    previous: str | None = None


def load_account_mapping(
    *, session: Session, user: User, rows: list[AccountMappingRow], dry_run: bool = False
) -> list[MappingChange]:
    """Map every row's account to its group account; refused, naming the row, when the
    division, the account or the group account does not exist or a row repeats another."""
    rights.require(session, user, "consolidate")  # a dry run too
    if not rows:
        raise ValidationError(N_("The account mapping has no rows."), field="rows")
    divisions = {d.code: d for d in session.exec(select(Division)).all()}
    groups = {g.code: g for g in session.exec(select(GroupAccount)).all()}
    groups_by_id = {g.id: g for g in groups.values()}
    seen: dict[tuple[int, int | None], int] = {}
    planned: list[MappingChange] = []
    for row in rows:
        code = (row.division or "").strip() or None
        div = divisions.get(code) if code is not None else None
        if code is not None and div is None:
            raise ValidationError(
                N_("Row {row}: division {division} does not exist."),
                field="division",
                row=row.row,
                division=code,
            )
        account = _account(session, row, div)
        group = groups.get((row.group_account or "").strip())
        if group is None:
            raise ValidationError(
                N_("Row {row}: group account {group_account} does not exist."),
                field="group_account",
                row=row.row,
                group_account=(row.group_account or "").strip() or "''",
            )
        assert account.id is not None
        key = (account.id, div.id if div is not None else None)
        if key in seen:
            raise ValidationError(
                N_("Row {row}: account {account} is already mapped on row {first}."),
                field="account",
                row=row.row,
                account=account.code,
                first=seen[key],
            )
        seen[key] = row.row
        current = session.exec(
            select(GroupAccountMap).where(
                GroupAccountMap.account_id == account.id,
                GroupAccountMap.division_id == key[1]
                if key[1] is not None
                else col(GroupAccountMap.division_id).is_(None),
            )
        ).first()
        previous = groups_by_id.get(current.group_account_id) if current is not None else None
        if current is None:
            action = "map"
        elif current.group_account_id == group.id:
            action = "unchanged"
        else:
            action = "remap"
        planned.append(
            MappingChange(
                row.row,
                code,
                account.code,
                group.code,
                action,
                previous.code if previous is not None else None,
            )
        )
    if not dry_run:
        for change in planned:
            if change.action != "unchanged":
                group_chart.map_account(
                    session=session,
                    user=user,
                    account=change.account,
                    group_account=change.group_account,
                    division=change.division,
                )
    return planned


def _account(session: Session, row: AccountMappingRow, div: Division | None) -> Account:
    """The row's account: the shared chart's without a division, else as the division sees
    it (its own account before a shared one with the same code)."""
    code = (row.account or "").strip()
    where = (
        col(Account.division_id).is_(None)
        if div is None
        else or_(col(Account.division_id).is_(None), col(Account.division_id) == div.id)
    )
    found = sorted(
        session.exec(select(Account).where(Account.code == code, where)).all(),
        key=lambda a: a.division_id is None,
    )
    if not found:
        if div is None:
            raise ValidationError(
                N_(
                    "Row {row}: account {account} is not in the shared chart; name the division "
                    "of its own account."
                ),
                field="account",
                row=row.row,
                account=code or "''",
            )
        raise ValidationError(
            N_("Row {row}: account {account} does not exist in division {division}."),
            field="account",
            row=row.row,
            account=code or "''",
            division=div.code,
        )
    return found[0]
