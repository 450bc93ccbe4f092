"""What the budget, what-if and alert pages write back, and the budget records they list.

Plain functions, no Streamlit, like :mod:`dashboards.writeback.clerk_posting`: each write opens one
session as the acting user (committed on success, rolled back on any error) and calls the
service in :mod:`transactional.budgets` that owns the rule; a refusal comes back as the
service's :class:`~transactional.errors.DomainError`, in the user's words. Reads list the
versions and settings as they stand in the transactional database now (the warehouse may
be a refresh behind), so a manager approves what is really there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func
from sqlmodel import Session, col, select

from dashboards.writeback.clerk_posting import Posted, acting_as
from transactional.budgets import alerts, scenario_accounts, versions
from transactional.budgets.models import AlertSetting, BudgetLine, BudgetVersion
from transactional.errors import N_, DomainError, ValidationError
from transactional.organisation.models import Division, User
from transactional.planning import whatif as engine
from transactional.reads.master_data import _reading
from transactional.relations.models import Relation

# --- reads ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionRow:
    """A budget version as the Budgets page lists it."""

    id: int
    division_id: int
    division_code: str
    fiscal_year: int
    name: str
    scenario: str
    status: str
    origin: str
    lines: int
    total: Decimal  # sum of the lines, ledger sign (debit positive)
    created_by: str
    created_at: datetime
    approved_by: str | None

    @property
    def label(self) -> str:
        return (
            f"{self.division_code} {self.fiscal_year} · {self.name} "
            f"({self.scenario}, {self.status})"
        )


def budget_versions(division_ids: Sequence[int] = ()) -> list[VersionRow]:
    """Every budget version (of these divisions; all when empty), newest year first."""
    with _reading() as session:
        counts = (
            select(
                BudgetLine.version_id,
                func.count().label("n"),
                func.coalesce(func.sum(BudgetLine.amount), 0).label("total"),
            )
            .group_by(col(BudgetLine.version_id))
            .subquery()
        )
        users = {u.id: u.username for u in session.exec(select(User)).all()}
        stmt = (
            select(BudgetVersion, Division.code, counts.c.n, counts.c.total)
            .join(Division, col(Division.id) == BudgetVersion.division_id)
            .outerjoin(counts, counts.c.version_id == BudgetVersion.id)
            .order_by(
                col(BudgetVersion.fiscal_year).desc(), col(Division.code), col(BudgetVersion.name)
            )
        )
        if division_ids:
            stmt = stmt.where(col(BudgetVersion.division_id).in_(list(division_ids)))
        return [
            VersionRow(
                id=v.id or 0,
                division_id=v.division_id,
                division_code=code,
                fiscal_year=v.fiscal_year,
                name=v.name,
                scenario=v.scenario,
                status=v.status,
                origin=v.origin,
                lines=int(n or 0),
                total=Decimal(total or 0),
                created_by=users.get(v.created_by, str(v.created_by)),
                created_at=v.created_at,
                approved_by=users.get(v.approved_by) if v.approved_by else None,
            )
            for v, code, n, total in session.exec(stmt).all()  # type: ignore[call-overload]
        ]


@dataclass(frozen=True)
class AlertSettingRow:
    division_id: int
    kind: str
    relation_code: str | None  # None: the division's default
    relation_name: str | None
    value: Decimal


def alert_settings(division_id: int) -> list[AlertSettingRow]:
    """The division's alert settings (default overdue limit, per customer, overrun %)."""
    with _reading() as session:
        names = {
            r.id: (r.code, r.name)
            for r in session.exec(select(Relation).where(Relation.division_id == division_id))
        }
        rows = []
        for s in alerts.settings(session, division_id):
            code, name = names.get(s.relation_id, (None, None)) if s.relation_id else (None, None)
            rows.append(AlertSettingRow(s.division_id, s.kind, code, name, Decimal(s.value)))
        return rows


# --- writes --------------------------------------------------------------------------------


def _run(user_id: int | None, write: Callable[[Session, User], Posted]) -> Posted:
    with acting_as(user_id) as (session, user):
        return write(session, user)


def _posted(version: BudgetVersion, what: str) -> Posted:
    return Posted(document_number=version.name, what=what)


def save_what_if(
    *,
    user_id: int | None,
    result: engine.Result,
    division_ids: Sequence[int],
    name: str,
    scenario: str,
) -> list[Posted]:
    """Save the scenario as one draft budget version per division (all or none).

    Each division's version holds its scenario P&L (``engine.budget_lines``: one account
    per P&L line, found in the division's chart by role, ledger sign, the division's
    currency) for every period of the year.
    """
    if not division_ids:
        raise ValidationError(
            N_("Pick at least one division to save the scenario for."), field="division"
        )
    if not name.strip():
        raise ValidationError(N_("Give the budget version a name."), field="name")

    with acting_as(user_id) as (session, user):
        saved = []
        for division_id in division_ids:
            accounts = scenario_accounts.line_accounts(session, division_id)
            lines = [
                versions.BudgetLineDraft(account=b.account_code, period=b.period, amount=b.amount)
                for b in engine.budget_lines(result, division_id, accounts)
            ]
            version = versions.save_scenario(
                session=session,
                user=user,
                division=division_id,
                fiscal_year=result.fiscal_year,
                name=name.strip(),
                scenario=scenario,
                lines=lines,
            )
            saved.append(_posted(version, "budget version"))
        return saved


_TRANSITIONS: dict[str, tuple[Callable[..., BudgetVersion], str]] = {
    "submit": (versions.submit, "submitted"),
    "approve": (versions.approve, "approved"),
    "reject": (versions.reject, "rejected (back to draft)"),
    "reopen": (versions.reopen, "reopened (back to draft)"),
}
ACTIONS = tuple(_TRANSITIONS)


def change_status(*, user_id: int | None, version_id: int, action: str) -> Posted:
    """Submit, approve, reject or reopen a version (the service checks the right)."""
    if action not in _TRANSITIONS:
        raise ValidationError(
            N_("Unknown budget action {action}."), field="action", action=repr(action)
        )
    service, done = _TRANSITIONS[action]
    return _run(
        user_id,
        lambda s, u: _posted(service(session=s, user=u, version=version_id), f"budget, {done}:"),
    )


def copy_from_actuals(
    *,
    user_id: int | None,
    division_id: int,
    fiscal_year: int,
    name: str,
    source_year: int,
    change_pct: Decimal | str | int,
    scenario: str,
) -> Posted:
    """A new draft version: a past year's P&L actuals x (1 + change %)."""
    return _run(
        user_id,
        lambda s, u: _posted(
            versions.copy_from_actuals(
                session=s,
                user=u,
                division=division_id,
                fiscal_year=fiscal_year,
                name=name,
                source_year=source_year,
                change_pct=change_pct,
                scenario=scenario,
            ),
            "budget version",
        ),
    )


def copy_from_version(
    *,
    user_id: int | None,
    source_version_id: int,
    name: str,
    change_pct: Decimal | str | int,
    scenario: str | None = None,
    fiscal_year: int | None = None,
) -> Posted:
    """A new draft version: another version's lines x (1 + change %)."""
    return _run(
        user_id,
        lambda s, u: _posted(
            versions.copy_from_version(
                session=s,
                user=u,
                source_version=source_version_id,
                name=name,
                change_pct=change_pct,
                scenario=scenario,
                fiscal_year=fiscal_year,
            ),
            "budget version",
        ),
    )


def set_overdue_limit(
    *, user_id: int | None, division_id: int, customer: str | None, limit: Decimal | str
) -> AlertSetting:
    """The overdue limit of one customer (``customer`` None: the division's default)."""
    with acting_as(user_id) as (session, user):
        row = alerts.set_overdue_limit(
            session=session, user=user, division=division_id, customer=customer, limit=limit
        )
        session.expunge(row)
        return row


def set_budget_overrun_pct(
    *, user_id: int | None, division_id: int, pct: Decimal | str
) -> AlertSetting:
    """The budget-overrun threshold (%) of a division."""
    with acting_as(user_id) as (session, user):
        row = alerts.set_budget_overrun_pct(
            session=session, user=user, division=division_id, pct=pct
        )
        session.expunge(row)
        return row


__all__ = [
    "ACTIONS",
    "AlertSettingRow",
    "DomainError",
    "VersionRow",
    "alert_settings",
    "budget_versions",
    "change_status",
    "copy_from_actuals",
    "copy_from_version",
    "save_what_if",
    "set_budget_overrun_pct",
    "set_overdue_limit",
]
