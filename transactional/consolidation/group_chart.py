"""The group chart of accounts and the mapping of every division's accounts to it.

The consolidation (dbt, docs/consolidation.md) reads a division's ledger through this
mapping: a line whose (division, account) has no effective mapping would be dropped, so
``unmapped_accounts`` lists them and the consolidation refuses to run while it is not
empty. The accounts the consolidation posts to on its own are found by ``role``.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from transactional.consolidation.models import RATE_TYPES, GroupAccount, GroupAccountMap
from transactional.errors import N_, ValidationError
from transactional.finance.ledger_setup import BALANCE_SHEET_CLASSES, STANDARD_CHART
from transactional.finance.models import ACCOUNT_CLASSES, ACCOUNT_TYPES, Account, JournalLine
from transactional.organisation import rights
from transactional.organisation.models import Division, User
from transactional.organisation.services import find_division

# The accounts the consolidation posts to on its own (at most one group account each).
GROUP_ROLES: dict[str, str] = {
    "investments": N_("investments in group companies"),
    "goodwill": N_("goodwill"),
    "retained_earnings": N_("retained earnings"),
    "dividends": N_("dividends declared"),
    "cta": N_("translation reserve"),
    "nci": N_("non-controlling interests"),
    "bargain_purchase_gain": N_("bargain purchase gain"),
    "dividend_income": N_("dividend income"),
    "ic_difference": N_("intercompany differences"),
    "nci_result": N_("result attributable to non-controlling interests"),
    "associates_result": N_("share of result of associates"),
}


class StandardGroupAccount(NamedTuple):
    code: str
    name: str
    account_class: str
    rate_type: str
    role: str | None
    eliminate_intercompany: bool


_BS, _PL = "balance_sheet", "profit_loss"

# Balance sheet at the closing rate, the result at the average rate, equity and the
# investments at historical rates (IAS 21). Lines toward a group company are eliminated
# on the accounts marked so; dividend income has its own elimination (role), so it is not
# marked (docs/consolidation.md, "Dividends").
# The names are message ids: the Consolidation page shows them in the user's language
# (an account renamed since is shown as it is named).
STANDARD_GROUP_CHART: list[StandardGroupAccount] = [
    StandardGroupAccount(
        "G100", N_("Property, plant and equipment"), "asset", "closing", None, False
    ),
    StandardGroupAccount("G150", N_("Goodwill"), "asset", "closing", "goodwill", False),
    StandardGroupAccount(
        "G160", N_("Investments in group companies"), "asset", "historical", "investments", False
    ),
    StandardGroupAccount("G200", N_("Inventories"), "asset", "closing", None, False),
    StandardGroupAccount("G210", N_("Trade receivables"), "asset", "closing", None, True),
    StandardGroupAccount(
        "G220", N_("Intercompany current accounts"), "asset", "closing", None, True
    ),
    StandardGroupAccount("G230", N_("Other receivables"), "asset", "closing", None, False),
    StandardGroupAccount("G250", N_("Cash and bank"), "asset", "closing", None, False),
    StandardGroupAccount("G300", N_("Share capital"), "equity", "historical", None, False),
    StandardGroupAccount(
        "G310", N_("Retained earnings"), "equity", "historical", "retained_earnings", False
    ),
    StandardGroupAccount(
        "G320", N_("Dividends declared"), "equity", "historical", "dividends", False
    ),
    StandardGroupAccount("G330", N_("Translation reserve"), "equity", "historical", "cta", False),
    StandardGroupAccount(
        "G340", N_("Non-controlling interests"), "equity", "historical", "nci", False
    ),
    StandardGroupAccount("G400", N_("Long-term loans"), "liability", "closing", None, True),
    StandardGroupAccount("G410", N_("Trade payables"), "liability", "closing", None, True),
    StandardGroupAccount(
        "G420", N_("Goods received not invoiced"), "liability", "closing", None, False
    ),
    StandardGroupAccount("G430", N_("Taxes and VAT payable"), "liability", "closing", None, False),
    StandardGroupAccount(
        "G440", N_("Wages and social charges payable"), "liability", "closing", None, False
    ),
    StandardGroupAccount("G450", N_("Accrued liabilities"), "liability", "closing", None, False),
    StandardGroupAccount("G500", N_("Revenue"), "revenue", "average", None, True),
    StandardGroupAccount("G600", N_("Cost of sales"), "cost_of_sales", "average", None, True),
    StandardGroupAccount("G700", N_("Personnel expenses"), "expense", "average", None, True),
    StandardGroupAccount("G710", N_("Housing"), "expense", "average", None, True),
    StandardGroupAccount("G720", N_("Other operating expenses"), "expense", "average", None, True),
    StandardGroupAccount("G730", N_("Management fees"), "expense", "average", None, True),
    StandardGroupAccount("G740", N_("Depreciation"), "expense", "average", None, True),
    StandardGroupAccount(
        "G800", N_("Other operating income"), "other_income", "average", None, True
    ),
    StandardGroupAccount(
        "G810", N_("Dividend income"), "other_income", "average", "dividend_income", False
    ),
    StandardGroupAccount(
        "G820",
        N_("Share of result of associates"),
        "other_income",
        "average",
        "associates_result",
        False,
    ),
    StandardGroupAccount(
        "G830",
        N_("Bargain purchase gain"),
        "other_income",
        "average",
        "bargain_purchase_gain",
        False,
    ),
    StandardGroupAccount("G900", N_("Financial result"), "other_expense", "average", None, True),
    StandardGroupAccount(
        "G910", N_("Exchange differences"), "other_expense", "average", None, False
    ),
    StandardGroupAccount(
        "G920", N_("Intercompany differences"), "other_expense", "average", "ic_difference", False
    ),
    StandardGroupAccount("G950", N_("Income tax"), "tax", "average", None, False),
    # After the tax: the group's result less this is the owners' share (IFRS 10.B94).
    StandardGroupAccount(
        "G990",
        N_("Result attributable to non-controlling interests"),
        "other_expense",
        "average",
        "nci_result",
        False,
    ),
]

# Every account of the standard chart (transactional.finance.ledger_setup) -> group account.
STANDARD_MAPPING: dict[str, str] = {
    "0100": "G100",
    "0190": "G100",
    "0500": "G300",
    "0600": "G310",
    "0650": "G320",
    "0700": "G400",
    "0800": "G160",
    "0900": "G310",
    "1000": "G250",
    "1100": "G250",
    "1300": "G210",
    "1350": "G220",
    "1500": "G230",
    "1600": "G410",
    "1610": "G420",
    "1650": "G430",
    "1700": "G440",
    "1800": "G450",
    "3000": "G200",
    "3100": "G200",
    "4000": "G700",
    "4100": "G700",
    "4300": "G710",
    "4400": "G720",
    "4500": "G720",
    "4800": "G740",
    "4900": "G730",
    "7000": "G600",
    "7050": "G600",
    "7100": "G600",
    "7200": "G600",
    "7210": "G600",
    "7220": "G600",
    "7250": "G600",
    "7260": "G600",
    "7270": "G600",
    "8000": "G500",
    "8100": "G500",
    "8900": "G800",
    "8950": "G810",
    "9000": "G900",
    "9100": "G910",
    "9500": "G950",
}
assert set(STANDARD_MAPPING) == {code for code, *_ in STANDARD_CHART}, "map every account"


class UnmappedAccount(NamedTuple):
    division_code: str
    account_code: str
    account_name: str
    lines: int


def install_standard_group_chart(*, session: Session, user: User) -> int:
    """Create the standard group chart and map the shared standard chart to it, where
    missing; returns the number of group accounts and mappings created (0 the second
    time). An account whose role another group account already holds is left out."""
    rights.require(session, user, "consolidate")
    created = 0
    existing = {a.code: a for a in session.exec(select(GroupAccount)).all()}
    roles_held = {a.role for a in existing.values() if a.role}
    for n, spec in enumerate(STANDARD_GROUP_CHART, start=1):
        if spec.code in existing or (spec.role is not None and spec.role in roles_held):
            continue
        existing[spec.code] = create_group_account(
            session=session,
            user=user,
            code=spec.code,
            name=spec.name,
            account_type=_BS if spec.account_class in BALANCE_SHEET_CLASSES else _PL,
            account_class=spec.account_class,
            rate_type=spec.rate_type,
            role=spec.role,
            eliminate_intercompany=spec.eliminate_intercompany,
            sort_order=n * 10,
        )
        created += 1
    shared = {
        a.code: a
        for a in session.exec(
            select(Account).where(
                col(Account.division_id).is_(None),
                col(Account.code).in_(list(STANDARD_MAPPING)),
            )
        ).all()
    }
    mapped = set(
        session.exec(
            select(GroupAccountMap.account_id).where(col(GroupAccountMap.division_id).is_(None))
        ).all()
    )
    for code, group_code in STANDARD_MAPPING.items():
        acc = shared.get(code)
        target = existing.get(group_code)
        if acc is None or target is None or acc.id in mapped:
            continue
        session.add(GroupAccountMap(account_id=acc.id or 0, group_account_id=target.id or 0))
        created += 1
    session.flush()
    return created


def create_group_account(
    *,
    session: Session,
    user: User,
    code: str,
    name: str,
    account_type: str,
    account_class: str,
    rate_type: str,
    role: str | None = None,
    eliminate_intercompany: bool = False,
    sort_order: int = 0,
) -> GroupAccount:
    """Add an account to the group chart."""
    rights.require(session, user, "consolidate")
    code = (code or "").strip()
    if not code or len(code) > 20:
        raise ValidationError(
            N_("Group account code is required (at most 20 characters)."), field="code"
        )
    if not (name or "").strip():
        raise ValidationError(N_("Group account name is required."), field="name")
    if session.exec(select(GroupAccount).where(GroupAccount.code == code)).first() is not None:
        raise ValidationError(N_("Group account {code} already exists."), field="code", code=code)
    if account_type not in ACCOUNT_TYPES:
        raise ValidationError(
            N_("Account type must be one of {account_types}."),
            field="account_type",
            account_types=", ".join(ACCOUNT_TYPES),
        )
    if account_class not in ACCOUNT_CLASSES:
        raise ValidationError(
            N_("Account class must be one of {account_classes}."),
            field="account_class",
            account_classes=", ".join(ACCOUNT_CLASSES),
        )
    if (account_class in BALANCE_SHEET_CLASSES) != (account_type == _BS):
        raise ValidationError(
            N_("An account of class {account_class} is not a {account_type} account."),
            field="account_type",
            account_class=account_class,
            account_type=account_type,
        )
    if rate_type not in RATE_TYPES:
        raise ValidationError(
            N_("Rate type must be one of {rate_types}."),
            field="rate_type",
            rate_types=", ".join(RATE_TYPES),
        )
    role = (role or "").strip() or None
    if role is not None:
        if role not in GROUP_ROLES:
            raise ValidationError(
                N_("Group account role must be one of {roles}."),
                field="role",
                roles=", ".join(GROUP_ROLES),
            )
        holder = session.exec(select(GroupAccount).where(GroupAccount.role == role)).first()
        if holder is not None:
            raise ValidationError(
                N_("Group account {holder_code} ({holder_name}) already has the role '{role}'."),
                field="role",
                holder_code=holder.code,
                holder_name=holder.name,
                role=role,
            )
    account = GroupAccount(
        code=code,
        name=name.strip(),
        account_type=account_type,
        account_class=account_class,
        rate_type=rate_type,
        role=role,
        eliminate_intercompany=bool(eliminate_intercompany),
        sort_order=int(sort_order),
    )
    session.add(account)
    session.flush()
    return account


def set_group_account_active(
    *, session: Session, user: User, code: str, active: bool
) -> GroupAccount:
    """Close a group account to new mappings and top-side lines (what it holds stays), or
    open it again."""
    rights.require(session, user, "consolidate")
    account = find_group_account(session, code, field="code")
    if account.is_active != bool(active):
        account.is_active = bool(active)
        session.add(account)
        session.flush()
    return account


def find_group_account(
    session: Session, code: str, *, field: str = "group_account"
) -> GroupAccount:
    """A group account by its code (an inactive one too: callers decide)."""
    code = str(code or "").strip()
    if not code:
        raise ValidationError(N_("Group account is required."), field=field)
    found = session.exec(select(GroupAccount).where(GroupAccount.code == code)).first()
    if found is None:
        raise ValidationError(N_("Group account {code} does not exist."), field=field, code=code)
    return found


def map_account(
    *,
    session: Session,
    user: User,
    account: str,
    group_account: str,
    division: str | None = None,
) -> GroupAccountMap:
    """Map a division account to a group account (or change its mapping).

    Without ``division`` the mapping holds for every division using the shared account;
    with one it holds there only (overriding the shared mapping), and ``account`` is
    looked up in that division's own chart first, then in the shared chart.
    """
    div = find_division(session, division) if division else None
    rights.require(session, user, "consolidate", div.id if div is not None else None)
    acc = _find_account(session, account, div)
    target = find_group_account(session, group_account)
    if not target.is_active:
        raise ValidationError(
            N_("Group account {code} ({name}) is no longer active."),
            field="group_account",
            code=target.code,
            name=target.name,
        )
    if acc.account_type != target.account_type:
        raise ValidationError(
            N_(
                "Account {account} ({account_name}) is a balance-sheet account; map it to a "
                "balance-sheet group account, not {group_account}."
            )
            if acc.account_type == _BS
            else N_(
                "Account {account} ({account_name}) is a profit-and-loss account; map it to a "
                "profit-and-loss group account, not {group_account}."
            ),
            field="group_account",
            account=acc.code,
            account_name=acc.name,
            group_account=target.code,
        )
    division_id = div.id if div is not None else None
    row = session.exec(
        select(GroupAccountMap).where(
            GroupAccountMap.account_id == acc.id,
            GroupAccountMap.division_id == division_id
            if division_id is not None
            else col(GroupAccountMap.division_id).is_(None),
        )
    ).first()
    if row is None:
        row = GroupAccountMap(
            account_id=acc.id or 0, division_id=division_id, group_account_id=target.id or 0
        )
    elif row.group_account_id == target.id:
        return row
    else:
        row.group_account_id = target.id or 0
    session.add(row)
    session.flush()
    return row


def _find_account(session: Session, code: str, division: Division | None) -> Account:
    code = str(code or "").strip()
    if not code:
        raise ValidationError(N_("Account is required."), field="account")
    where = (
        or_(col(Account.division_id) == division.id, col(Account.division_id).is_(None))
        if division is not None
        else col(Account.division_id).is_(None)
    )
    rows = list(session.exec(select(Account).where(Account.code == code, where)).all())
    # A division's own account overrides the shared one with the same code.
    rows.sort(key=lambda a: a.division_id is None)
    if not rows:
        if division is None:
            raise ValidationError(
                N_(
                    "Account {code} is not in the shared chart; name the division whose own "
                    "account it is."
                ),
                field="account",
                code=code,
            )
        raise ValidationError(
            N_("Account {code} does not exist in division {division}."),
            field="account",
            code=code,
            division=division.code,
        )
    return rows[0]


def unmapped_accounts(
    session: Session, division_ids: set[int] | None = None
) -> list[UnmappedAccount]:
    """Every (division, account) with ledger lines and no effective mapping (neither one
    for the division nor a shared one), by division and account code."""
    used = (
        select(
            JournalLine.division_id,
            JournalLine.account_id,
            func.count().label("lines"),
        ).group_by(JournalLine.division_id, JournalLine.account_id)  # type: ignore[arg-type]
    )
    if division_ids is not None:
        if not division_ids:
            return []
        used = used.where(col(JournalLine.division_id).in_(sorted(division_ids)))
    u = used.subquery()
    mapped = (
        select(GroupAccountMap.id)
        .where(
            GroupAccountMap.account_id == u.c.account_id,
            or_(
                col(GroupAccountMap.division_id) == u.c.division_id,
                col(GroupAccountMap.division_id).is_(None),
            ),
        )
        .exists()
    )
    rows = session.exec(
        select(Division.code, Account.code, Account.name, u.c.lines)
        .select_from(u)
        .join(Division, Division.id == u.c.division_id)  # type: ignore[arg-type]
        .join(Account, Account.id == u.c.account_id)  # type: ignore[arg-type]
        .where(~mapped)
        .order_by(Division.code, Account.code)
    ).all()
    return [UnmappedAccount(d, a, name, int(n)) for d, a, name, n in rows]
