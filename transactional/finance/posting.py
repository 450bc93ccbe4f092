"""The posting service: the one place where ledger invariants are enforced.

- an entry balances in the division's base currency, else it is refused;
- posted entries are immutable (also by database triggers); a reversal corrects them;
- nothing is posted into a closed period or fiscal year;
- document numbers are gap-free per journal and fiscal year, also under concurrent clerks;
- amounts are Decimal, rounded per currency; every line keeps foreign amount, rate, base;
- any bad input raises a DomainError before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, event, insert
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, select

from transactional import audit, numbering
from transactional.dates import parse_date
from transactional.errors import DomainError, ImmutableRecord, UnbalancedEntry, ValidationError
from transactional.finance.master_data import MasterData
from transactional.finance.models import JournalEntry, JournalLine
from transactional.money import exact_money, round_money, to_decimal
from transactional.organisation import rights
from transactional.organisation.models import User


@dataclass
class LineDraft:
    """One line as a clerk enters it: debit or credit, in the line's currency."""

    account: str | int
    debit: Decimal | str | None = None
    credit: Decimal | str | None = None
    description: str = ""
    currency: str | None = None  # default: the division's currency
    rate: Decimal | str | None = None  # default: the day's rate
    cost_centre: str | None = None
    cost_unit: str | None = None
    relation: str | int | None = None
    vat_code: str | None = None
    invoice_id: int | None = None
    # Internal callers (invoices, payments) that must relieve an exact base amount set it;
    # the rate shown on the line is then derived from it.
    amount_base: Decimal | None = None


@dataclass
class EntryDraft:
    division: str | int
    journal: str
    entry_date: date | str
    lines: list[LineDraft]
    description: str = ""
    source_type: str = "manual"
    source_id: int | None = None
    reverses_entry_id: int | None = None
    # Control accounts may only be posted by the invoice and payment services.
    allow_control_accounts: bool = False


@dataclass
class _Prepared:
    draft: EntryDraft
    division_id: int
    journal_id: int
    fiscal_year_id: int
    period_id: int
    fiscal_year: int
    journal_code: str
    entry_date: date
    lines: list[dict[str, Any]] = field(default_factory=list)


def post_entry(
    *, session: Session, user: User, entry: EntryDraft, action: str = "post_entry"
) -> JournalEntry:
    """Validate, number and post one entry; returns the posted entry."""
    return post_entries(session=session, user=user, entries=[entry], action=action)[0]


def post_entries(
    *, session: Session, user: User, entries: list[EntryDraft], action: str = "post_entry"
) -> list[JournalEntry]:
    """Post a batch of entries under the same rules as one; all or nothing.

    Every entry is validated before the first row is written, so a bad entry anywhere in
    the batch leaves the books untouched.
    """
    # Fast path: validate against the copy this process already holds, without reading
    # its token first, and check the token in the same statement that takes the numbers
    # (``numbering.allocate_entry_numbers``): if the master data changed since, nothing
    # is numbered or written and the call starts over as below. A refusal is only trusted after the
    # token was read (the copy may be older than a fix the clerk is waiting for).
    cached = MasterData.cached(session)
    if cached is not None:
        try:
            prepared = [_prepare(session, user, cached, e, action) for e in entries]
        except DomainError:
            pass
        else:
            try:
                return _write(session, user, prepared, token=cached.snapshot.token)
            except numbering.StaleMasterData:
                pass
    master = MasterData(session)
    prepared = [_prepare(session, user, master, e, action) for e in entries]
    return _write(session, user, prepared)


def _prepare(
    session: Session, user: User, master: MasterData, draft: EntryDraft, action: str
) -> _Prepared:
    """Validate one entry against the master data; nothing is written.

    ``master`` is the call's view of the posting's master-data copy (one query for the
    whole call; see ``transactional.finance.master_data``).
    """
    division = master.division(draft.division)
    _require(session, user, master, action, division.id)
    journal = master.journal(division, draft.journal)
    on = parse_date(draft.entry_date, field="entry_date", label="Entry date")
    period = master.period(division, on, field="entry_date")
    base_code, base_decimals = master.currency(division.currency_code)
    if len(draft.lines) < 2:
        raise ValidationError("An entry needs at least two lines.", field="lines")

    prepared = _Prepared(
        draft=draft,
        division_id=division.id,
        journal_id=journal.id,
        fiscal_year_id=period.fiscal_year_id,
        period_id=period.id,
        fiscal_year=period.year,
        journal_code=journal.code,
        entry_date=on,
    )
    total = Decimal(0)
    for n, line in enumerate(draft.lines, start=1):
        where = f"Line {n}"
        acc = master.account(division, line.account, field=f"lines.{n}.account")
        if acc.is_control and not draft.allow_control_accounts:
            raise ValidationError(
                f"{where}: account {acc.code} ({acc.name}) is a control account; "
                "post it through a sales/purchase invoice or a payment.",
                field=f"lines.{n}.account",
            )
        amount = _signed_amount(line, where, n)
        cur_code, cur_decimals = master.currency(
            line.currency or division.currency_code, field=f"lines.{n}.currency"
        )
        # What was typed must fit the currency: refused, never rounded (100.123 EUR).
        side, sign = ("debit", 1) if line.debit not in (None, "") else ("credit", -1)
        amount = sign * exact_money(
            sign * amount,
            cur_decimals,
            currency=cur_code,
            field=f"lines.{n}.{side}",
            label=f"{where} {side}",
        )
        if line.amount_base is not None:
            amount_base = exact_money(
                line.amount_base,
                base_decimals,
                currency=base_code,
                field=f"lines.{n}.amount_base",
                label=f"{where} base amount",
            )
            rate = (amount_base / amount).quantize(Decimal("1e-8")) if amount else Decimal(1)
        else:
            rate = master.document_rate(
                line.rate, cur_code, base_code, on, field=f"lines.{n}.rate", label=f"{where}: rate"
            )
            amount_base = round_money(amount * rate, base_decimals)
        total += amount_base
        prepared.lines.append(
            {
                "division_id": division.id,
                "line_number": n,
                "account_id": acc.id,
                "description": line.description or draft.description,
                "currency_code": cur_code,
                "amount_foreign": amount,
                "rate": rate,
                "amount_base": amount_base,
                "cost_centre_id": master.cost_centre_id(
                    division, line.cost_centre, field=f"lines.{n}.cost_centre"
                )
                if line.cost_centre
                else None,
                "cost_unit_id": master.cost_unit_id(
                    division, line.cost_unit, field=f"lines.{n}.cost_unit"
                )
                if line.cost_unit
                else None,
                "relation_id": master.relation_id(
                    division, line.relation, field=f"lines.{n}.relation"
                )
                if line.relation is not None and line.relation != ""
                else None,
                "vat_code_id": master.vat_code_id(line.vat_code, field=f"lines.{n}.vat_code")
                if line.vat_code
                else None,
                "invoice_id": line.invoice_id,
            }
        )
    if total != 0:
        debit = sum(
            (ln["amount_base"] for ln in prepared.lines if ln["amount_base"] > 0), Decimal(0)
        )
        credit = -sum(
            (ln["amount_base"] for ln in prepared.lines if ln["amount_base"] < 0), Decimal(0)
        )
        raise UnbalancedEntry(
            f"The entry does not balance: debit {debit} and credit {credit} {base_code} "
            f"differ by {abs(total)} {base_code}.",
            field="lines",
        )
    return prepared


def _require(
    session: Session, user: User, master: MasterData, action: str, division_id: int
) -> None:
    """``rights.require`` with the user's divisions from the master-data copy."""
    key = (user.id, action, division_id)
    if key in master.allowed:
        assert user.id is not None
        audit.set_actor(session, user.id)
        return
    rights.require(
        session,
        user,
        action,
        division_id,
        scope=lambda: None if user.role == "admin" else master.division_scope(user.id),
    )
    master.allowed.add(key)


def _signed_amount(line: LineDraft, where: str, n: int) -> Decimal:
    has_debit = line.debit not in (None, "")
    has_credit = line.credit not in (None, "")
    if has_debit and has_credit:
        raise ValidationError(
            f"{where}: enter either a debit or a credit amount, not both.", field=f"lines.{n}.debit"
        )
    if not has_debit and not has_credit:
        raise ValidationError(
            f"{where}: enter a debit or a credit amount.", field=f"lines.{n}.debit"
        )
    if has_debit:
        return to_decimal(line.debit, field=f"lines.{n}.debit", label=f"{where}: debit")
    return -to_decimal(line.credit, field=f"lines.{n}.credit", label=f"{where}: credit")


def _write(
    session: Session,
    user: User,
    prepared: list[_Prepared],
    before_lines: Callable[[list[JournalEntry]], None] | None = None,
    *,
    token: str | None = None,
) -> list[JournalEntry]:
    """Number and insert the entries, then their lines (after ``before_lines`` ran).

    ``before_lines`` lets the invoice service create its invoices once the entries have
    numbers, and tag the control lines with the invoice id: lines are immutable once in.

    ``token``: the master-data token ``prepared`` was checked against when it was not read
    in this transaction (``post_entries``' fast path). It is compared in the statement
    that takes the numbers; when it differs, ``numbering.StaleMasterData`` is raised and
    nothing has been
    numbered or written.
    """
    # Whatever the caller left pending goes in first, as a flush here always did.
    session.flush()
    conn = session.connection()
    postgres = conn.dialect.name == "postgresql"
    numbers, ids = numbering.allocate_entry_numbers(
        session,
        [(p.journal_id, p.fiscal_year_id) for p in prepared],
        token=token,
        entry_ids=postgres,
    )
    now = datetime.now(UTC)
    entries: list[JournalEntry] = []
    for i, (p, number) in enumerate(zip(prepared, numbers, strict=True)):
        entries.append(
            JournalEntry(
                id=ids[i] if ids else None,
                division_id=p.division_id,
                journal_id=p.journal_id,
                fiscal_year_id=p.fiscal_year_id,
                period_id=p.period_id,
                number=number,
                document_number=numbering.entry_document_number(
                    p.journal_code, p.fiscal_year, number
                ),
                entry_date=p.entry_date,
                description=p.draft.description,
                source_type=p.draft.source_type,
                source_id=p.draft.source_id,
                reverses_entry_id=p.draft.reverses_entry_id,
                created_by=user.id or 0,
                created_at=now,
            )
        )
    # Entries, lines and their audit rows go in as Core statements on the session's
    # connection: the ORM's unit of work and bulk path cost more than the database does
    # for a one-entry posting. The entries are then attached to the session as loaded
    # objects, so callers use them (ids, numbers) as after a flush.
    #
    # PostgreSQL: the entry ids came with the numbers (``nextval`` of the id sequence), so
    # entries, lines and audit rows go in with one statement (``_insert_rows``): one round
    # trip instead of three. SQLite: ids from INSERT ... RETURNING, then executemany.
    pending: list[tuple[Any, list[dict[str, Any]]]] = []
    if ids is None:
        columns = [c.key for c in _ENTRY_COLUMNS if c.key != "id"]
        new_ids: list[int] = list(
            conn.execute(_ENTRY_INSERT, [{c: getattr(e, c) for c in columns} for e in entries])
            .scalars()
            .all()
        )
        for e, entry_id in zip(entries, new_ids, strict=True):
            e.id = entry_id
        _attach(session, entries)
    else:
        pending.append(
            (
                JournalEntry.__table__,  # type: ignore[attr-defined]
                [{c.key: getattr(e, c.key) for c in _ENTRY_COLUMNS} for e in entries],
            )
        )
    entry_audit = [
        audit.row_for(
            session,
            table="journal_entry",
            key=str(e.id),
            action="insert",
            new={c.key: getattr(e, c.key) for c in _ENTRY_COLUMNS},
        )
        for e in entries
    ]
    if before_lines is not None:
        _insert_rows(conn, [*pending, (_AUDIT_TABLE, entry_audit)])
        if pending:
            _attach(session, entries)
        pending, entry_audit = [], []
        before_lines(entries)
    line_rows: list[dict[str, Any]] = []
    for p, e in zip(prepared, entries, strict=True):
        for row in p.lines:
            row["entry_id"] = e.id
            line_rows.append(row)
    # Lines are audited as part of their entry: one audit row per entry's lines.
    line_audit = [
        audit.row_for(session, table="journal_line", key=str(e.id), action="insert", new=p.lines)
        for p, e in zip(prepared, entries, strict=True)
    ]
    _insert_rows(
        conn,
        [
            *pending,
            (JournalLine.__table__, line_rows),  # type: ignore[attr-defined]
            (_AUDIT_TABLE, entry_audit + line_audit),
        ],
    )
    if pending:
        _attach(session, entries)
    return entries


def _attach(session: Session, entries: list[JournalEntry]) -> None:
    for e in entries:
        make_transient_to_detached(e)
        session.add(e)


_ENTRY_COLUMNS = list(JournalEntry.__table__.columns)  # type: ignore[attr-defined]
_ENTRY_INSERT = insert(JournalEntry.__table__).returning(  # type: ignore[attr-defined]
    JournalEntry.__table__.c.id,  # type: ignore[attr-defined]
    sort_by_parameter_order=True,
)
_AUDIT_TABLE = audit.AuditLog.__table__  # type: ignore[attr-defined]


def _insert_rows(conn: Connection, groups: list[tuple[Any, list[dict[str, Any]]]]) -> None:
    """Insert the rows of each (table, rows) in order.

    On PostgreSQL as one statement: per table an ``INSERT ... SELECT * FROM unnest(...)``
    with one array parameter per column (rows keep their order), the earlier tables as
    data-modifying CTEs of the last (foreign keys are checked at the end of the
    statement, so lines may reference the entries inserted next to them). One round trip
    instead of one per table, and the statement's text depends only on the tables and
    columns, not on the number of rows: psycopg caches its parsing and the server
    prepares it once per connection. Elsewhere, one executemany per table.
    """
    groups = [(table, rows) for table, rows in groups if rows]
    if not groups:
        return
    if conn.dialect.name != "postgresql":
        for table, rows in groups:
            conn.execute(insert(table), rows)
        return
    shape = tuple((table, tuple(rows[0])) for table, rows in groups)
    sql = _UNNEST_SQL.get(shape)
    if sql is None:
        sql = _UNNEST_SQL[shape] = _unnest_sql(conn, shape)
    params = [
        [row[n] for row in rows]
        for (_, rows), (_, names) in zip(groups, shape, strict=True)
        for n in names
    ]
    conn.exec_driver_sql(sql, tuple(params))


_UNNEST_SQL: dict[tuple[tuple[Any, tuple[str, ...]], ...], str] = {}


def _unnest_sql(conn: Connection, shape: tuple[tuple[Any, tuple[str, ...]], ...]) -> str:
    parts = []
    for table, names in shape:
        arrays = ", ".join(f"%b::{table.c[n].type.compile(dialect=conn.dialect)}[]" for n in names)
        parts.append(
            f'INSERT INTO "{table.name}" ('
            + ", ".join(f'"{n}"' for n in names)
            + f") SELECT * FROM unnest({arrays})"
        )
    *ctes, last = parts
    head = "WITH " + ", ".join(f"w{i} AS ({s})" for i, s in enumerate(ctes)) + " " if ctes else ""
    return head + last


def reverse_entry(
    *,
    session: Session,
    user: User,
    entry_id: int,
    reversal_date: date | str | None = None,
    reason: str = "",
) -> JournalEntry:
    """Post the mirror image of a manual entry; the original stays as it was."""
    original = session.get(JournalEntry, entry_id)
    if original is None:
        raise ValidationError(f"Entry {entry_id} does not exist.", field="entry")
    rights.require(session, user, "reverse_entry", original.division_id)
    source = original.source_type.replace("_", " ")
    if original.source_type not in ("manual",):
        raise DomainError(
            f"Entry {original.document_number} was created by a {source}; "
            "correct it with a credit note or a new payment, not a reversal.",
            field="entry",
        )
    already = session.exec(
        select(JournalEntry).where(JournalEntry.reverses_entry_id == entry_id)
    ).first()
    if already is not None:
        raise DomainError(
            f"Entry {original.document_number} was already reversed by {already.document_number}.",
            field="entry",
        )
    lines = session.exec(
        select(JournalLine)
        .where(JournalLine.entry_id == entry_id)
        .order_by(JournalLine.line_number)  # type: ignore[arg-type]
    ).all()
    from transactional.finance.models import Journal

    journal = session.get(Journal, original.journal_id)
    assert journal is not None
    draft = EntryDraft(
        division=original.division_id,
        journal=journal.code,
        entry_date=reversal_date or original.entry_date,
        description=f"Reversal of {original.document_number}" + (f": {reason}" if reason else ""),
        source_type="reversal",
        source_id=original.id,
        reverses_entry_id=original.id,
        lines=[
            LineDraft(
                account=ln.account_id,
                # Mirror the foreign amount and keep the original rate: the base amounts
                # cancel exactly, whatever the rate is on the reversal date.
                debit=-ln.amount_foreign if ln.amount_foreign < 0 else None,
                credit=ln.amount_foreign if ln.amount_foreign >= 0 else None,
                description=ln.description,
                currency=ln.currency_code,
                rate=ln.rate,
                cost_centre=_code_of(session, "cost_centre", ln.cost_centre_id),
                cost_unit=_code_of(session, "cost_unit", ln.cost_unit_id),
                relation=ln.relation_id,
                vat_code=_code_of(session, "vat_code", ln.vat_code_id),
            )
            for ln in lines
        ],
    )
    return post_entry(session=session, user=user, entry=draft, action="reverse_entry")


def _code_of(session: Session, table: str, record_id: int | None) -> str | None:
    if record_id is None:
        return None
    from transactional.finance.models import CostCentre, CostUnit, VatCode

    model: Any = {"cost_centre": CostCentre, "cost_unit": CostUnit, "vat_code": VatCode}[table]
    rec = session.get(model, record_id)
    return rec.code if rec is not None else None  # type: ignore[attr-defined]


# Written once, with the entry that posts them; the database refuses changes too
# (migrations 0001 and 0007), and the warehouse loads them by new id on that promise.
_POSTED_DOCUMENTS = frozenset(
    {"invoice", "invoice_line", "payment", "payment_allocation", "invoice_match"}
)


@event.listens_for(OrmSession, "before_flush")
def _refuse_changes_to_posted(session: OrmSession, _ctx: Any, _instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if not (obj in session.deleted or session.is_modified(obj)):
            continue
        if isinstance(obj, (JournalEntry, JournalLine)):
            raise ImmutableRecord(
                "A posted entry cannot be changed or deleted; post a reversal to correct it."
            )
        if getattr(type(obj), "__tablename__", None) in _POSTED_DOCUMENTS:
            raise ImmutableRecord(
                "A posted invoice or payment cannot be changed or deleted; "
                "correct it with a credit note, a reversal or a new payment."
            )
