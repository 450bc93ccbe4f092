"""What the consolidation forms write: form values -> the consolidation services.

Plain functions, no Streamlit. Each opens its own session as the acting user (numbers
read in their own format), calls the one service that owns the rule and returns what the
form shows; a :class:`~transactional.errors.DomainError` comes back as it is, with
nothing written. The reads below list what the forms offer (group accounts, levels,
memberships, unmapped accounts) straight from the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pandas as pd
from sqlmodel import col, select

from dashboards.writeback.clerk_posting import Posted, acting_as, filled_rows, posting_as
from ingestion.consolidation.files import read_trial_balance
from transactional.consolidation import group_chart, structure, topside
from transactional.consolidation.models import GroupAccount, GroupMember
from transactional.consolidation.trial_balance_load import TrialBalanceResult, load_trial_balance
from transactional.database import session_scope
from transactional.errors import N_
from transactional.organisation.models import Division
from transactional.reads.master_data import Choice

TOPSIDE_LINE_COLUMNS = (
    "division",
    "group_account",
    "debit",
    "credit",
    "counterparty",
    "description",
)


def group_accounts() -> list[Choice]:
    """The active group accounts, in chart order."""
    with session_scope() as s:
        rows = s.exec(
            select(GroupAccount)
            .where(col(GroupAccount.is_active))
            .order_by(col(GroupAccount.sort_order), col(GroupAccount.code))
        ).all()
        return [Choice(a.code, f"{a.code} · {a.name}") for a in rows]


def group_levels() -> list[Choice]:
    """The divisions that hold others: the levels a top-side entry can belong to."""
    with session_scope() as s:
        return [
            Choice(
                level.code,
                f"{level.code} · {level.name} ({level.currency_code})",
                level.currency_code,
            )
            for level in structure.group_levels(s)
        ]


def level_divisions(group: str, on: date) -> list[Choice]:
    """The divisions a level consolidates on ``on`` (its columns)."""
    with session_scope() as s:
        level = s.exec(select(Division).where(Division.code == group)).first()
        if level is None or level.id is None:
            return []
        ids = structure.level_division_ids(s, level.id, on)
        rows = s.exec(select(Division).where(col(Division.id).in_(ids))).all()
        return [Choice(d.code, f"{d.code} · {d.name}") for d in sorted(rows, key=lambda d: d.code)]


def memberships() -> pd.DataFrame:
    """The group structure as recorded: one row per membership."""
    with session_scope() as s:
        codes = {d.id: d.code for d in s.exec(select(Division)).all()}
        rows = s.exec(
            select(GroupMember).order_by(
                col(GroupMember.parent_division_id), col(GroupMember.valid_from)
            )
        ).all()
        return pd.DataFrame(
            [
                (
                    codes.get(m.division_id),
                    codes.get(m.parent_division_id),
                    float(m.ownership_pct),
                    m.method,
                    m.valid_from,
                    m.valid_to,
                    m.acquisition_date,
                    float(m.investment_cost),
                )
                for m in rows
            ],
            columns=[
                "division_code",
                "parent_code",
                "ownership_pct",
                "method",
                "valid_from",
                "valid_to",
                "acquisition_date",
                "investment_cost",
            ],
        )


def unmapped(division_ids: set[int] | None = None) -> pd.DataFrame:
    """Accounts with ledger lines and no group account (of ``division_ids``; None: all)."""
    with session_scope() as s:
        found = group_chart.unmapped_accounts(s, division_ids)
    return pd.DataFrame(
        [(u.division_code, u.account_code, u.account_name, u.lines) for u in found],
        columns=["division_code", "account_code", "account_name", "lines"],
    )


def _blank(value: str) -> str | None:
    return value.strip() or None


def set_membership(
    *,
    user_id: int | None,
    division: str,
    parent: str,
    ownership_pct: str,
    method: str,
    valid_from: date | None,
    valid_to: date | None,
    acquisition_date: date | None,
    investment_cost: str,
    investment_account: str,
) -> Posted:
    """Record or change a membership of the group structure."""
    with acting_as(user_id) as (session, user):
        structure.set_membership(
            session=session,
            user=user,
            division=division,
            parent=parent,
            ownership_pct=ownership_pct.strip(),
            method=method,
            valid_from=valid_from or "",
            valid_to=valid_to,
            acquisition_date=acquisition_date,
            investment_cost=investment_cost.strip() or Decimal(0),
            investment_account=_blank(investment_account),
        )
    return Posted(f"{division} ← {parent}", N_("group membership"))


def install_group_chart(*, user_id: int | None) -> int:
    """Install the standard group chart and its mapping of the standard chart; the number
    of group accounts created."""
    with acting_as(user_id) as (session, user):
        return group_chart.install_standard_group_chart(session=session, user=user)


def map_account(
    *, user_id: int | None, account: str, group_account: str, division: str | None
) -> Posted:
    """Map a division account (for one division, or for all using it) to a group account."""
    with acting_as(user_id) as (session, user):
        group_chart.map_account(
            session=session,
            user=user,
            account=account,
            group_account=group_account,
            division=division or None,
        )
    return Posted(f"{account} → {group_account}", N_("account mapping"))


def post_topside(
    *,
    user_id: int | None,
    group: str,
    entry_date: date | None,
    description: str,
    lines: pd.DataFrame,
) -> Posted:
    """Post a top-side entry of a group level from the grid (TOPSIDE_LINE_COLUMNS)."""
    rows = filled_rows(lines, TOPSIDE_LINE_COLUMNS)
    drafts = [
        topside.TopsideLine(
            division=c["division"],
            group_account=c["group_account"],
            debit=_blank(c["debit"]),
            credit=_blank(c["credit"]),
            counterparty=_blank(c["counterparty"]),
            description=c["description"],
        )
        for _, c in rows
    ]

    def post(session, user):  # type: ignore[no-untyped-def]
        entry = topside.post_consolidation_entry(
            session=session,
            user=user,
            group=group,
            entry_date=entry_date or "",
            description=description.strip(),
            lines=drafts,
        )
        return Posted(f"{group}-{entry.number}", N_("top-side entry"))

    return posting_as(user_id, "lines", [n for n, _ in rows], "Line", post)


@dataclass(frozen=True)
class TrialBalanceLoad:
    """A load (or its dry run) and the changes it makes, as the form shows them."""

    result: TrialBalanceResult
    changes: pd.DataFrame


def load_trial_balance_file(
    *,
    user_id: int | None,
    division: str,
    period: str,
    content: bytes,
    file_name: str,
    dry_run: bool,
) -> TrialBalanceLoad:
    """Read the uploaded file and load it (``dry_run``: check it and list the changes,
    writing nothing)."""
    with acting_as(user_id) as (session, user):
        read = read_trial_balance(content, file_name)
        result = load_trial_balance(
            session=session,
            user=user,
            division=division,
            period=period,
            rows=read.rows,
            file_name=read.file_name,
            file_sha256=read.sha256,
            dry_run=dry_run,
        )
    changes = pd.DataFrame(
        [
            (
                c.account,
                c.account_name,
                c.counterparty or "",
                c.ledger_balance,
                c.file_balance,
                c.difference,
            )
            for c in result.changes
        ],
        columns=[
            "account_code",
            "account_name",
            "counterparty",
            "ledger_balance",
            "file_balance",
            "difference",
        ],
    )
    return TrialBalanceLoad(result, changes)
