"""Budget versions: make them (by hand, from a year's actuals, from another version, from
the What-if page), fill their lines, and move them draft -> submitted -> approved.

Every service checks its right in the version's division (``manage_budgets`` to make,
fill and submit; ``approve`` to approve, reject and reopen), validates everything before
it writes, and raises :class:`ValidationError` with the form field on bad input. Status
changes land in the audit log through the session listener; budget lines go in with one
executemany and are audited as one row per version (like journal lines per entry).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, insert
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from transactional import audit
from transactional.budgets.models import SCENARIOS, BudgetLine, BudgetVersion
from transactional.errors import N_, ValidationError
from transactional.finance.lookups import Lookups
from transactional.finance.models import (
    Account,
    FiscalYear,
    JournalEntry,
    JournalLine,
    Period,
)
from transactional.money import exact_money, round_money, to_decimal
from transactional.organisation.models import Division, User

ORIGINS = ("manual", "actuals", "version", "what_if")


@dataclass(frozen=True)
class BudgetLineDraft:
    """One budget amount as typed: signed like ledger lines (revenue negative)."""

    account: str | int
    period: int | str
    amount: Decimal | str
    cost_centre: str | None = None
    cost_unit: str | None = None
    employee_code: str | None = None


@dataclass(frozen=True)
class _Header:
    division: Division
    fiscal_year: int
    name: str
    scenario: str
    decimals: int
    periods: frozenset[int]


# --- validation helpers -----------------------------------------------------------------


def _year(value: object, *, field: str, label: str) -> int:
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationError(
            N_("{label} must be a year such as 2026, not '{value}'."),
            field=field,
            label=label,
            value=value,
        ) from None
    if not 1900 < year < 2200:
        raise ValidationError(
            N_("{label} must be a four-digit year, not {year}."),
            field=field,
            label=label,
            year=year,
        )
    return year


def _name(value: object) -> str:
    text = str(value or "").strip()
    if not text:
        raise ValidationError(N_("Name is required."), field="name")
    if len(text) > 80:
        raise ValidationError(N_("Name is at most 80 characters."), field="name")
    return text


def _scenario(value: object) -> str:
    text = str(value or "").strip().lower()
    if text not in SCENARIOS:
        raise ValidationError(
            N_("Scenario must be one of {scenarios}, not '{value}'."),
            field="scenario",
            scenarios=", ".join(SCENARIOS),
            value=value,
        )
    return text


def _change_pct(value: object) -> Decimal:
    pct = to_decimal(value, field="change_pct", label="Change %")
    if pct < -100:
        raise ValidationError(
            N_("The change cannot be below -100 % (a budget cannot go below nothing), not {pct}."),
            field="change_pct",
            pct=pct,
        )
    return pct


def _periods(session: Session, division: Division, year: int) -> frozenset[int]:
    """The period numbers of the division's fiscal year; 1..12 while it is not opened yet."""
    numbers = session.exec(
        select(Period.number)
        .join(FiscalYear, col(FiscalYear.id) == Period.fiscal_year_id)
        .where(FiscalYear.division_id == division.id, FiscalYear.year == year)
    ).all()
    return frozenset(numbers) if numbers else frozenset(range(1, 13))


def _header(
    session: Session,
    user: User,
    lookups: Lookups,
    *,
    division: str | int,
    fiscal_year: object,
    name: object,
    scenario: object,
) -> _Header:
    """Resolve and check a new version's header (rights first), without writing."""
    div = lookups.division(division)
    assert div.id is not None
    lookups.require(user, "manage_budgets", div.id)
    year = _year(fiscal_year, field="fiscal_year", label="Fiscal year")
    text = _name(name)
    kind = _scenario(scenario)
    taken = session.exec(
        select(BudgetVersion.id).where(
            BudgetVersion.division_id == div.id,
            BudgetVersion.fiscal_year == year,
            BudgetVersion.name == text,
        )
    ).first()
    if taken is not None:
        raise ValidationError(
            N_("A budget named '{text}' already exists for {division} {year}; pick another name."),
            field="name",
            text=text,
            division=div.code,
            year=year,
        )
    decimals = lookups.currency(div.currency_code).decimals
    return _Header(div, year, text, kind, decimals, _periods(session, div, year))


def _period(value: object, allowed: frozenset[int], *, where: str, field: str, year: int) -> int:
    text = str(value if value is not None else "").strip()
    try:
        number = int(text)
    except ValueError:
        raise ValidationError(
            N_("{where}: period must be a period number such as 3, not '{text}'."),
            field=field,
            where=where,
            text=text,
        ) from None
    if number not in allowed:
        raise ValidationError(
            N_(
                "{where}: period {number} is not a period of fiscal year {year} (periods {first} "
                "to {last})."
            ),
            field=field,
            where=where,
            number=number,
            year=year,
            first=min(allowed),
            last=max(allowed),
        )
    return number


def _pl_account(lookups: Lookups, division: Division, ref: str | int, *, where: str, field: str):
    acc = lookups.account(division, ref, field=field)
    if acc.account_type != "profit_loss":
        raise ValidationError(
            N_(
                "{where}: account {account} ({account_name}) is a balance-sheet account; budgets "
                "are for profit-and-loss accounts (revenue and costs)."
            ),
            field=field,
            where=where,
            account=acc.code,
            account_name=acc.name,
        )
    return acc


def _resolve_lines(
    lookups: Lookups, head: _Header, lines: list[BudgetLineDraft]
) -> list[dict[str, Any]]:
    """Check every line and turn it into a row (without version id), or raise."""
    div = head.division
    rows: list[dict[str, Any]] = []
    seen: dict[tuple, int] = {}
    for n, ln in enumerate(lines, start=1):
        where, prefix = f"Line {n}", f"lines.{n}"
        if not isinstance(ln, BudgetLineDraft):
            raise ValidationError(N_("{where} is not a budget line."), field=prefix, where=where)
        acc = _pl_account(lookups, div, ln.account, where=where, field=f"{prefix}.account")
        period = _period(
            ln.period, head.periods, where=where, field=f"{prefix}.period", year=head.fiscal_year
        )
        amount = exact_money(
            to_decimal(ln.amount, field=f"{prefix}.amount", label=f"{where}: amount"),
            head.decimals,
            currency=div.currency_code,
            field=f"{prefix}.amount",
            label=f"{where} amount",
        )
        centre = (
            lookups.cost_centre(div, ln.cost_centre, field=f"{prefix}.cost_centre")
            if ln.cost_centre
            else None
        )
        unit = (
            lookups.cost_unit(div, ln.cost_unit, field=f"{prefix}.cost_unit")
            if ln.cost_unit
            else None
        )
        employee = str(ln.employee_code or "").strip() or None
        if employee is not None and len(employee) > 30:
            raise ValidationError(
                N_("{where}: employee code is at most 30 characters."),
                field=f"{prefix}.employee_code",
                where=where,
            )
        key = (acc.id, period, centre and centre.id, unit and unit.id, employee)
        if key in seen:
            raise ValidationError(
                N_(
                    "{where} repeats line {first_line} (account {account}, period {period}, same "
                    "cost centre, cost unit and employee); enter one amount per combination."
                ),
                field=prefix,
                where=where,
                first_line=seen[key],
                account=acc.code,
                period=period,
            )
        seen[key] = n
        rows.append(
            {
                "division_id": div.id,
                "account_id": acc.id,
                "fiscal_year": head.fiscal_year,
                "period": period,
                "cost_centre_id": centre.id if centre else None,
                "cost_unit_id": unit.id if unit else None,
                "employee_code": employee,
                "amount": amount,
            }
        )
    return rows


# --- writing ----------------------------------------------------------------------------


def _new_version(
    session: Session, user: User, head: _Header, *, description: str = "", **extra: Any
) -> BudgetVersion:
    version = BudgetVersion(
        division_id=head.division.id or 0,
        fiscal_year=head.fiscal_year,
        name=head.name,
        scenario=head.scenario,
        status="draft",
        description=str(description or "").strip(),
        created_by=user.id or 0,
        created_at=datetime.now(UTC),
        **extra,
    )
    session.add(version)
    session.flush()
    return version


def _line_rows(session: Session, version_id: int) -> list[dict[str, Any]]:
    table: Any = BudgetLine.__table__  # type: ignore[attr-defined]
    columns = [c for c in table.columns if c.name != "id"]
    result = session.execute(
        select(*columns).where(col(BudgetLine.version_id) == version_id).order_by(table.c.id)
    )
    return [dict(row._mapping) for row in result]


def _replace_lines(session: Session, version: BudgetVersion, rows: list[dict[str, Any]]) -> None:
    """Delete the version's lines and insert ``rows``; one audit row for each side."""
    assert version.id is not None
    old = _line_rows(session, version.id)
    audit_rows = []
    if old:
        session.execute(delete(BudgetLine).where(col(BudgetLine.version_id) == version.id))
        audit_rows.append(
            audit.row_for(
                session, table="budget_line", key=str(version.id), action="delete", old=old
            )
        )
    if rows:
        for row in rows:
            row["version_id"] = version.id
        session.execute(insert(BudgetLine).execution_options(render_nulls=True), rows)
        audit_rows.append(
            audit.row_for(
                session, table="budget_line", key=str(version.id), action="insert", new=rows
            )
        )
    if audit_rows:
        session.execute(insert(audit.AuditLog), audit_rows)


def _load(session: Session, version: BudgetVersion | int, *, field: str = "version"):
    ident = version if isinstance(version, int) else version.id
    found = session.get(BudgetVersion, ident) if ident is not None else None
    if found is None:
        raise ValidationError(
            N_("Budget version {ident} does not exist."), field=field, ident=ident
        )
    return found


def _label(version: BudgetVersion, session: Session) -> str:
    div = session.get(Division, version.division_id)
    code = div.code if div is not None else str(version.division_id)
    return f"Budget '{version.name}' ({code} {version.fiscal_year})"


# --- services ---------------------------------------------------------------------------


def create_version(
    *,
    session: Session,
    user: User,
    division: str | int,
    fiscal_year: int,
    name: str,
    scenario: str = "normal",
    description: str = "",
) -> BudgetVersion:
    """An empty draft version; fill it with :func:`set_lines`."""
    head = _header(
        session,
        user,
        Lookups(session),
        division=division,
        fiscal_year=fiscal_year,
        name=name,
        scenario=scenario,
    )
    return _new_version(session, user, head, description=description, origin="manual")


def actuals(
    session: Session, division_id: int, year: int
) -> list[tuple[int, int, int | None, int | None, Decimal]]:
    """P&L actuals of a division's fiscal year: (account id, period number, cost centre id,
    cost unit id, amount debit positive), zero totals left out."""
    total = func.sum(JournalLine.amount_base)
    rows: list[Any] = session.execute(  # type: ignore[assignment]
        sa_select(
            col(JournalLine.account_id),
            col(Period.number),
            col(JournalLine.cost_centre_id),
            col(JournalLine.cost_unit_id),
            total,
        )
        .join(JournalEntry, col(JournalEntry.id) == JournalLine.entry_id)
        .join(FiscalYear, col(FiscalYear.id) == JournalEntry.fiscal_year_id)
        .join(Period, col(Period.id) == JournalEntry.period_id)
        .join(Account, col(Account.id) == JournalLine.account_id)
        .where(
            col(JournalLine.division_id) == division_id,
            col(FiscalYear.division_id) == division_id,
            col(FiscalYear.year) == year,
            col(Account.account_type) == "profit_loss",
        )
        .group_by(
            col(JournalLine.account_id),
            col(Period.number),
            col(JournalLine.cost_centre_id),
            col(JournalLine.cost_unit_id),
        )
    ).all()
    found: list[tuple[int, int, int | None, int | None, Decimal]] = [
        (a, p, cc, cu, amount) for a, p, cc, cu, amount in rows if amount
    ]
    # A stable order (NULL dimensions first) so the same books give the same line ids.
    found.sort(key=lambda r: (r[0], r[1], r[2] or 0, r[3] or 0))
    return found


def copy_from_actuals(
    *,
    session: Session,
    user: User,
    division: str | int,
    fiscal_year: int,
    name: str,
    source_year: int,
    change_pct: Decimal | str | int = 0,
    scenario: str = "normal",
) -> BudgetVersion:
    """A draft version with one line per P&L account x period x cost centre x cost unit:
    ``source_year``'s actuals times (1 + change_pct / 100), rounded to the currency."""
    lookups = Lookups(session)
    head = _header(
        session,
        user,
        lookups,
        division=division,
        fiscal_year=fiscal_year,
        name=name,
        scenario=scenario,
    )
    div = head.division
    assert div.id is not None
    source = _year(source_year, field="source_year", label="Source year")
    pct = _change_pct(change_pct)
    if not session.exec(
        select(FiscalYear.id).where(FiscalYear.division_id == div.id, FiscalYear.year == source)
    ).first():
        raise ValidationError(
            N_("Division {division} has no fiscal year {source} to copy actuals from."),
            field="source_year",
            division=div.code,
            source=source,
        )
    found = actuals(session, div.id, source)
    if not found:
        raise ValidationError(
            N_("Division {division} has no profit-and-loss postings in {source} to copy."),
            field="source_year",
            division=div.code,
            source=source,
        )
    factor = 1 + pct / 100
    rows: list[dict[str, Any]] = []
    for account_id, period, centre_id, unit_id, amount in found:
        if period not in head.periods:
            raise ValidationError(
                N_("Period {period} of {source} has no match in fiscal year {fiscal_year}."),
                field="fiscal_year",
                period=period,
                source=source,
                fiscal_year=head.fiscal_year,
            )
        rows.append(
            {
                "division_id": div.id,
                "account_id": account_id,
                "fiscal_year": head.fiscal_year,
                "period": period,
                "cost_centre_id": centre_id,
                "cost_unit_id": unit_id,
                "employee_code": None,
                "amount": round_money(amount * factor, head.decimals),
            }
        )
    version = _new_version(
        session,
        user,
        head,
        description=f"{source} actuals {pct:+}%",
        origin="actuals",
        source_year=source,
        change_pct=pct,
    )
    _replace_lines(session, version, rows)
    return version


def copy_from_version(
    *,
    session: Session,
    user: User,
    source_version: BudgetVersion | int,
    name: str,
    change_pct: Decimal | str | int = 0,
    scenario: str | None = None,
    fiscal_year: int | None = None,
) -> BudgetVersion:
    """A draft copy of another version of the same division, every amount times
    (1 + change_pct / 100); by default for the same fiscal year and scenario."""
    source = _load(session, source_version, field="source_version")
    assert source.id is not None
    lookups = Lookups(session)
    head = _header(
        session,
        user,
        lookups,
        division=source.division_id,
        fiscal_year=source.fiscal_year if fiscal_year is None else fiscal_year,
        name=name,
        scenario=source.scenario if scenario is None else scenario,
    )
    pct = _change_pct(change_pct)
    factor = 1 + pct / 100
    rows = _line_rows(session, source.id)
    for row in rows:
        if row["period"] not in head.periods:
            raise ValidationError(
                N_("Period {period} of '{source_name}' has no match in fiscal year {fiscal_year}."),
                field="fiscal_year",
                period=row["period"],
                source_name=source.name,
                fiscal_year=head.fiscal_year,
            )
        row.pop("version_id")
        row["fiscal_year"] = head.fiscal_year
        row["amount"] = round_money(row["amount"] * factor, head.decimals)
    version = _new_version(
        session,
        user,
        head,
        description=f"'{source.name}' {pct:+}%",
        origin="version",
        source_version_id=source.id,
        change_pct=pct,
    )
    _replace_lines(session, version, rows)
    return version


def set_lines(
    *, session: Session, user: User, version: BudgetVersion | int, lines: list[BudgetLineDraft]
) -> BudgetVersion:
    """Replace a draft version's lines with ``lines`` (all checked before anything changes)."""
    target = _load(session, version)
    lookups = Lookups(session)
    div = lookups.division(target.division_id)
    assert div.id is not None
    lookups.require(user, "manage_budgets", div.id)
    if target.status != "draft":
        raise ValidationError(
            N_(
                "{version} is {state}; its lines cannot change. Ask a manager to set it back to "
                "draft first."
            ),
            field="lines",
            version=_label(target, session),
            state=_state(target),
        )
    head = _Header(
        div,
        target.fiscal_year,
        target.name,
        target.scenario,
        lookups.currency(div.currency_code).decimals,
        _periods(session, div, target.fiscal_year),
    )
    rows = _resolve_lines(lookups, head, list(lines))
    _replace_lines(session, target, rows)
    return target


def save_scenario(
    *,
    session: Session,
    user: User,
    division: str | int,
    fiscal_year: int,
    name: str,
    scenario: str,
    lines: list[BudgetLineDraft],
) -> BudgetVersion:
    """The What-if page's write-back: a draft version (origin 'what_if') with the lines."""
    lookups = Lookups(session)
    head = _header(
        session,
        user,
        lookups,
        division=division,
        fiscal_year=fiscal_year,
        name=name,
        scenario=scenario,
    )
    rows = _resolve_lines(lookups, head, list(lines))
    version = _new_version(session, user, head, description="Saved from What-if", origin="what_if")
    _replace_lines(session, version, rows)
    return version


def _transition(
    session: Session, user: User, version: BudgetVersion | int, action: str
) -> BudgetVersion:
    target = _load(session, version)
    lookups = Lookups(session)
    lookups.require(user, action, target.division_id)
    return target


def _state(version: BudgetVersion) -> str:
    return "a draft" if version.status == "draft" else version.status


def _refuse(session: Session, version: BudgetVersion, hint: str) -> ValidationError:
    return ValidationError(
        N_("{version} is {state}; {hint}"),
        field="status",
        version=_label(version, session),
        state=_state(version),
        hint=hint,
    )


def _save(session: Session, target: BudgetVersion) -> BudgetVersion:
    session.add(target)
    session.flush()
    return target


def _back_to_draft(
    session: Session, target: BudgetVersion, *, clear_approval: bool = False
) -> BudgetVersion:
    """Rejecting and reopening both make the version a draft again: its submit stamp (and,
    when reopened, its approval stamp) goes; the audit log keeps who did what."""
    target.status = "draft"
    target.submitted_by = None
    target.submitted_at = None
    if clear_approval:
        target.approved_by = None
        target.approved_at = None
    return _save(session, target)


def submit(*, session: Session, user: User, version: BudgetVersion | int) -> BudgetVersion:
    """Draft -> submitted, for a manager to approve."""
    target = _transition(session, user, version, "manage_budgets")
    if target.status != "draft":
        raise _refuse(session, target, "only a draft can be submitted.")
    has_lines = session.exec(
        select(BudgetLine.id).where(BudgetLine.version_id == target.id).limit(1)
    ).first()
    if has_lines is None:
        raise ValidationError(
            N_("{version} has no lines; enter amounts before submitting it."),
            field="lines",
            version=_label(target, session),
        )
    target.status = "submitted"
    target.submitted_by = user.id
    target.submitted_at = datetime.now(UTC)
    return _save(session, target)


def approve(*, session: Session, user: User, version: BudgetVersion | int) -> BudgetVersion:
    """Submitted -> approved (managers and admins); one approved version per division x
    fiscal year x scenario."""
    target = _transition(session, user, version, "approve")
    if target.status != "submitted":
        hint = (
            "submit it before it can be approved."
            if target.status == "draft"
            else "it is approved already."
        )
        raise _refuse(session, target, hint)
    other = session.exec(
        select(BudgetVersion).where(
            BudgetVersion.division_id == target.division_id,
            BudgetVersion.fiscal_year == target.fiscal_year,
            BudgetVersion.scenario == target.scenario,
            BudgetVersion.status == "approved",
            BudgetVersion.id != target.id,
        )
    ).first()
    if other is not None:
        raise ValidationError(
            N_(
                "'{other}' is already the approved {scenario} budget for {fiscal_year}; reopen it "
                "before approving '{name}'."
            ),
            field="status",
            other=other.name,
            scenario=target.scenario,
            fiscal_year=target.fiscal_year,
            name=target.name,
        )
    target.status = "approved"
    target.approved_by = user.id
    target.approved_at = datetime.now(UTC)
    return _save(session, target)


def reject(*, session: Session, user: User, version: BudgetVersion | int) -> BudgetVersion:
    """Submitted -> draft (managers and admins), so its lines can change again."""
    target = _transition(session, user, version, "approve")
    if target.status != "submitted":
        raise _refuse(session, target, "only a submitted budget can be rejected.")
    return _back_to_draft(session, target)


def reopen(*, session: Session, user: User, version: BudgetVersion | int) -> BudgetVersion:
    """Approved -> draft (managers and admins); the audit log keeps who approved it."""
    target = _transition(session, user, version, "approve")
    if target.status != "approved":
        raise _refuse(session, target, "only an approved budget can be reopened.")
    return _back_to_draft(session, target, clear_approval=True)


def lines_of(session: Session, version: BudgetVersion | int) -> list[BudgetLine]:
    """The version's lines in entry order (for pages and tests)."""
    target = _load(session, version)
    return list(
        session.exec(
            select(BudgetLine)
            .where(BudgetLine.version_id == target.id)
            .order_by(col(BudgetLine.id))
        ).all()
    )


__all__ = [
    "BudgetLineDraft",
    "actuals",
    "approve",
    "copy_from_actuals",
    "copy_from_version",
    "create_version",
    "lines_of",
    "reject",
    "reopen",
    "save_scenario",
    "set_lines",
    "submit",
]
