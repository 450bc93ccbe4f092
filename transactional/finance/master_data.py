"""A read-only copy of the master data posting checks against, kept across transactions.

Posting one entry used to re-read its division, journal, period, accounts, currencies,
rates, relations and the clerk's divisions: a dozen queries for a two-line entry. This
module keeps those tables in memory per database and, per posting, reads one row: a
token that triggers (migration 0006) renew, in the same transaction, on every insert,
update or delete of any of them. A different token drops the copy; each part is reloaded
on first use. The token is read inside the posting's own transaction (after SQLite's
``BEGIN IMMEDIATE``), so the checks see what a fresh query would see at that moment,
uncommitted changes of the same transaction included (the session is flushed first).

A table rebuilt by a later migration (SQLite's batch mode) loses its triggers: the copy
then checks that every trigger is there and, when one is missing, is used for one call
only (as correct as before, and as slow).

Only plain values are kept (frozen records, never ORM objects), so nothing cached can be
changed, flushed or expired by a session.
"""

from __future__ import annotations

import bisect
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select, text
from sqlmodel import Session

from transactional.errors import N_, ValidationError
from transactional.finance.document_rates import DocumentRates
from transactional.finance.models import (
    Account,
    CostCentre,
    CostUnit,
    FiscalYear,
    Journal,
    Period,
    VatCode,
)
from transactional.finance.period_rules import open_period_on
from transactional.organisation.models import Currency, Division, ExchangeRate, UserDivision
from transactional.relations.models import Relation

# Keep in step with migration 0006.
TRACKED_TABLES = (
    "division",
    "currency",
    "exchange_rate",
    "app_user",
    "user_division",
    "account",
    "journal",
    "fiscal_year",
    "period",
    "vat_code",
    "cost_centre",
    "cost_unit",
    "relation",
)


@dataclass(frozen=True, slots=True)
class DivisionRef:
    id: int
    code: str
    currency_code: str
    parent_id: int | None


@dataclass(frozen=True, slots=True)
class AccountRef:
    id: int
    division_id: int | None
    code: str
    name: str
    is_control: bool
    is_active: bool


@dataclass(frozen=True, slots=True)
class JournalRef:
    id: int
    division_id: int
    code: str


@dataclass(frozen=True, slots=True)
class PeriodRef:
    id: int
    number: int
    start_date: date
    end_date: date
    status: str
    fiscal_year_id: int
    year: int
    year_status: str


@dataclass
class Snapshot:
    """The master data of one database at one token; parts load on first use."""

    token: str
    cacheable: bool
    _parts: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def part(self, name: str, conn: Connection, load: Callable[[Connection], Any]) -> Any:
        found = self._parts.get(name)
        if found is None:
            found = load(conn)
            with self._lock:
                self._parts[name] = found
        return found


TOKEN_QUERY = _TOKEN = text("select token from master_data_version where id = 1")
# One snapshot per database (engine URL); replaced when the token changes.
_SNAPSHOTS: dict[str, Snapshot] = {}
_GUARD = threading.Lock()


def _triggers_present(conn: Connection) -> bool:
    if conn.dialect.name == "sqlite":
        found: int = conn.execute(
            text("select count(*) from sqlite_master where type = 'trigger' and name like '%mdv%'")
        ).scalar_one()
        return bool(found == 3 * len(TRACKED_TABLES))
    pg_found: int = conn.execute(
        text(
            "select count(*) from pg_trigger t join pg_class c on c.oid = t.tgrelid "
            "where not t.tgisinternal and t.tgname like '%mdv' and c.relname = any(:tables)"
        ),
        {"tables": list(TRACKED_TABLES)},
    ).scalar_one()
    return bool(pg_found == len(TRACKED_TABLES))


def current(session: Session) -> Snapshot:
    """The snapshot valid for this session's transaction (one query when it is cached)."""
    if session.new or session.dirty or session.deleted:
        session.flush()  # the token must reflect the session's own pending changes
    conn = session.connection()
    token: str = conn.execute(_TOKEN).scalar_one()
    key = conn.engine.url.render_as_string(hide_password=False)
    snap = _SNAPSHOTS.get(key)
    if snap is not None and snap.token == token and snap.cacheable:
        return snap
    snap = Snapshot(token=token, cacheable=_triggers_present(conn))
    if snap.cacheable:
        with _GUARD:
            _SNAPSHOTS[key] = snap
    return snap


# --- the parts ----------------------------------------------------------------------------


def _c(model: Any) -> Any:
    """A model's table columns, for plain Core selects of a few values."""
    return model.__table__.c


def _divisions(conn: Connection) -> dict[str, Any]:
    d = _c(Division)
    rows = conn.execute(select(d.id, d.code, d.currency_code, d.parent_id).order_by(d.id)).all()
    refs = [DivisionRef(r[0], r[1], r[2], r[3]) for r in rows]
    top = next((x.currency_code for x in refs if x.parent_id is None), "EUR")
    return {
        "by_id": {x.id: x for x in refs},
        "by_code": {x.code: x for x in refs},
        "reference_currency": top,
    }


def _accounts(conn: Connection) -> dict[str, Any]:
    a = _c(Account)
    rows = conn.execute(
        select(a.id, a.division_id, a.code, a.name, a.is_control, a.is_active)
    ).all()
    refs = [AccountRef(r[0], r[1], r[2], r[3], bool(r[4]), bool(r[5])) for r in rows]
    return {
        "by_id": {x.id: x for x in refs},
        "by_code": {(x.division_id, x.code): x for x in refs},
    }


def _journals(conn: Connection) -> dict[tuple[int, str], JournalRef]:
    j = _c(Journal)
    rows = conn.execute(select(j.id, j.division_id, j.code)).all()
    return {(r[1], r[2]): JournalRef(r[0], r[1], r[2]) for r in rows}


def _periods(conn: Connection) -> dict[int, list[PeriodRef]]:
    p, fy = _c(Period), _c(FiscalYear)
    rows = conn.execute(
        select(
            p.id,
            p.division_id,
            p.number,
            p.start_date,
            p.end_date,
            p.status,
            fy.id,
            fy.year,
            fy.status,
        )
        .join_from(Period.__table__, FiscalYear.__table__, p.fiscal_year_id == fy.id)  # type: ignore[attr-defined]
        .order_by(p.division_id, p.start_date, p.id)
    ).all()
    out: dict[int, list[PeriodRef]] = {}
    for r in rows:
        out.setdefault(r[1], []).append(PeriodRef(r[0], r[2], r[3], r[4], r[5], r[6], r[7], r[8]))
    return out


def _currencies(conn: Connection) -> dict[str, int]:
    c = _c(Currency)
    return {r[0]: r[1] for r in conn.execute(select(c.code, c.decimals)).all()}


def _rates(conn: Connection) -> dict[str, tuple[list[Any], list[Any]]]:
    x = _c(ExchangeRate)
    out: dict[str, tuple[list[Any], list[Any]]] = {}
    rows = conn.execute(
        select(x.currency_code, x.rate_date, x.rate).order_by(x.currency_code, x.rate_date)
    ).all()
    for code, on, rate in rows:
        days, values = out.setdefault(str(code), ([], []))
        days.append(on)
        values.append(rate)
    return out


def _coded(model: Any) -> Callable[[Connection], dict[tuple[int, str], int]]:
    def load(conn: Connection) -> dict[tuple[int, str], int]:
        t = _c(model)
        rows = conn.execute(select(t.id, t.division_id, t.code)).all()
        return {(r[1], r[2]): r[0] for r in rows}

    return load


def _relations(conn: Connection) -> dict[str, Any]:
    r_ = _c(Relation)
    rows = conn.execute(select(r_.id, r_.division_id, r_.code, r_.intercompany_division_id)).all()
    return {
        "division_of": {r[0]: r[1] for r in rows},
        "by_code": {(r[1], r[2]): r[0] for r in rows},
        # relation -> the group company it is (another division), for intercompany lines
        "group_company_of": {r[0]: r[3] for r in rows if r[3] is not None and r[3] != r[1]},
    }


def _vat_codes(conn: Connection) -> dict[str, int]:
    v = _c(VatCode)
    return {r[1]: r[0] for r in conn.execute(select(v.id, v.code)).all()}


def _user_divisions(conn: Connection) -> dict[int, frozenset[int]]:
    u = _c(UserDivision)
    out: dict[Any, set[Any]] = {}
    for user_id, division_id in conn.execute(select(u.user_id, u.division_id)).all():
        out.setdefault(user_id, set()).add(division_id)
    return {k: frozenset(v) for k, v in out.items()}


# --- resolving what a clerk typed, with the same messages as ``Lookups`` ------------------


class MasterData(DocumentRates):
    """Resolves codes against a snapshot for one service call (one transaction)."""

    def __init__(self, session: Session, snapshot: Snapshot | None = None) -> None:
        self.session = session
        self.snapshot = snapshot if snapshot is not None else current(session)
        self.conn = session.connection()
        # (user, action, division) already checked in this call: one transaction.
        self.allowed: set[tuple[int | None, str, int]] = set()

    @classmethod
    def cached(cls, session: Session) -> MasterData | None:
        """The copy this process holds for the session's database, its token *not* read.

        For a caller that checks the token itself later in the same transaction, in the
        statement that acts on what it checked (``numbering.allocate_entry_numbers``), and starts
        over with ``MasterData(session)`` when it differs. Its refusals are not to be
        trusted as such: the copy may predate a change the clerk is waiting for. None
        when there is no copy to use.
        """
        if session.new or session.dirty or session.deleted:
            session.flush()  # the later token check must cover the session's own changes
        conn = session.connection()
        snap = _SNAPSHOTS.get(conn.engine.url.render_as_string(hide_password=False))
        if snap is None or not snap.cacheable:
            return None
        return cls(session, snap)

    def memo(self, name: str) -> dict[Any, Any]:
        """A dict kept with this copy, for answers derived from the master data alone."""
        return self._part(f"memo:{name}", lambda _conn: {})  # type: ignore[no-any-return]

    def _part(self, name: str, load: Callable[[Connection], Any]) -> Any:
        return self.snapshot.part(name, self.conn, load)

    def division(self, ref: int | str) -> DivisionRef:
        part = self._part("divisions", _divisions)
        found = (
            part["by_id"].get(ref)
            if isinstance(ref, int)
            else part["by_code"].get(str(ref).strip())
        )
        if found is None:
            raise ValidationError(N_("Division '{ref}' does not exist."), field="division", ref=ref)
        return found  # type: ignore[no-any-return]

    def division_scope(self, user_id: int | None) -> set[int]:
        """The divisions a (non-admin) user is given rights in."""
        return set(self._part("user_divisions", _user_divisions).get(user_id, frozenset()))

    def journal(self, division: DivisionRef, code: str) -> JournalRef:
        code = str(code or "").strip()
        if not code:
            raise ValidationError(N_("Journal is required."), field="journal")
        found = self._part("journals", _journals).get((division.id, code))
        if found is None:
            raise ValidationError(
                N_("Journal {code} does not exist in division {division}."),
                field="journal",
                code=code,
                division=division.code,
            )
        return found  # type: ignore[no-any-return]

    def period(self, division: DivisionRef, on: date, *, field: str = "date") -> PeriodRef:
        periods: list[PeriodRef] = self._part("periods", _periods).get(division.id, [])
        return open_period_on(division.code, on, periods, field=field)

    def currency(self, code: str | None, *, field: str = "currency") -> tuple[str, int]:
        """(code, decimals)."""
        code = str(code or "").strip().upper()
        decimals = self._part("currencies", _currencies).get(code)
        if decimals is None:
            raise ValidationError(N_("Currency '{code}' is not known."), field=field, code=code)
        return code, decimals

    def account(self, division: DivisionRef, ref: int | str, *, field: str) -> AccountRef:
        part = self._part("accounts", _accounts)
        if isinstance(ref, int):
            acc = part["by_id"].get(ref)
            if acc is None or acc.division_id not in (None, division.id):
                raise ValidationError(N_("Account id {ref} does not exist."), field=field, ref=ref)
        else:
            code = str(ref or "").strip()
            if not code:
                raise ValidationError(N_("Account is required."), field=field)
            # A division's own account overrides the shared one with the same code.
            acc = part["by_code"].get((division.id, code)) or part["by_code"].get((None, code))
            if acc is None:
                raise ValidationError(
                    N_("Account {code} does not exist in division {division}."),
                    field=field,
                    code=code,
                    division=division.code,
                )
        if not acc.is_active:
            raise ValidationError(
                N_("Account {account} ({account_name}) is blocked."),
                field=field,
                account=acc.code,
                account_name=acc.name,
            )
        return acc  # type: ignore[no-any-return]

    def _reference_rate(self, currency: str, on: date, field: str) -> Decimal:
        series = self._part("rates", _rates).get(currency)
        if series is not None:
            days, values = series
            n = bisect.bisect_right(days, on)
            if n:
                return values[n - 1]  # type: ignore[no-any-return]
        elif currency == self._part("divisions", _divisions)["reference_currency"]:
            # The reference currency itself has no rows: it is worth 1 by definition.
            return Decimal(1)
        raise ValidationError(
            N_("No exchange rate for {currency} on or before {date}."),
            field=field,
            currency=currency,
            date=on.isoformat(),
        )

    def relation_id(self, division: DivisionRef, ref: int | str, *, field: str) -> int:
        part = self._part("relations", _relations)
        if isinstance(ref, int):
            if part["division_of"].get(ref) != division.id:
                raise ValidationError(
                    N_("Relation id {ref} does not exist in division {division}."),
                    field=field,
                    ref=ref,
                    division=division.code,
                )
            return ref
        code = str(ref or "").strip()
        if not code:
            raise ValidationError(N_("Customer or supplier is required."), field=field)
        found = part["by_code"].get((division.id, code))
        if found is None:
            raise ValidationError(
                N_("Relation {code} does not exist in division {division}."),
                field=field,
                code=code,
                division=division.code,
            )
        return found  # type: ignore[no-any-return]

    def relation_group_company(self, relation_id: int) -> int | None:
        """The division a relation is (intercompany), if it is another group company."""
        found = self._part("relations", _relations)["group_company_of"].get(relation_id)
        return found  # type: ignore[no-any-return]

    def counterparty_id(self, division: DivisionRef, ref: int | str, *, field: str) -> int:
        """The group company a line names as the other side (intercompany)."""
        part = self._part("divisions", _divisions)
        found = (
            part["by_id"].get(ref)
            if isinstance(ref, int)
            else part["by_code"].get(str(ref).strip())
        )
        if found is None:
            raise ValidationError(
                N_("Counterparty '{ref}' is not a division of the group."), field=field, ref=ref
            )
        if found.id == division.id:
            raise ValidationError(
                N_("Division {division} cannot be its own counterparty."),
                field=field,
                division=division.code,
            )
        return found.id  # type: ignore[no-any-return]

    def vat_code_id(self, code: str, *, field: str) -> int:
        code = str(code).strip()
        found = self._part("vat_codes", _vat_codes).get(code)
        if found is None:
            raise ValidationError(N_("VAT code {code} does not exist."), field=field, code=code)
        return found  # type: ignore[no-any-return]

    def cost_centre_id(self, division: DivisionRef, code: str, *, field: str) -> int:
        key = (division.id, str(code).strip())
        found = self._part("cost_centres", _coded(CostCentre)).get(key)
        if found is None:
            raise ValidationError(
                N_("Cost centre {code} does not exist in division {division}."),
                field=field,
                code=key[1],
                division=division.code,
            )
        return found  # type: ignore[no-any-return]

    def cost_unit_id(self, division: DivisionRef, code: str, *, field: str) -> int:
        key = (division.id, str(code).strip())
        found = self._part("cost_units", _coded(CostUnit)).get(key)
        if found is None:
            raise ValidationError(
                N_("Cost unit {code} does not exist in division {division}."),
                field=field,
                code=key[1],
                division=division.code,
            )
        return found  # type: ignore[no-any-return]
