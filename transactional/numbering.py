"""Gap-free document numbers, for every document that has one.

Two series, one mechanism: journal entries are numbered per journal and fiscal year
(``document_sequence``: MEM2025-000042), wholesale documents per division, kind and
year (``document_counter``: SO2026-00012). A counter row is created or bumped with one
``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``: on PostgreSQL the row stays locked
until the transaction ends (a clerk inserting a new counter row makes the others wait
the same way), so concurrent clerks queue instead of taking the same number, and a
rolled-back document gives its number back (no gaps). On SQLite the write lock taken at
``BEGIN IMMEDIATE`` (transactional.database) does the same.

The statements are plain SQL on the two tables (no model imports), so this module sits
below every package that numbers documents.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlmodel import Session

# Wholesale document kind -> number prefix.
PREFIXES = {
    "quote": "QU",
    "sales_order": "SO",
    "delivery": "DL",
    "sales_return": "SR",
    "purchase_order": "PO",
    "goods_receipt": "GR",
    "supplier_return": "RS",
    "supply_contract": "CO",
    "stock_transfer": "TR",
    "stock_count": "CT",
    "revaluation": "RV",
    # Production (manufacturing) orders, docs/manufacturing.md §3: MO-2025-00001, apart from
    # purchase orders' PO2025-00001.
    "production": "MO-",
    "opening_stock": "OS",  # an opening-stock import (docs/manufacturing.md §7)
}

_NEXT_DOCUMENT = text(
    "INSERT INTO document_counter (division_id, kind, year, last_number) "
    "VALUES (:division_id, :kind, :year, 1) "
    "ON CONFLICT (division_id, kind, year) DO UPDATE "
    "SET last_number = document_counter.last_number + 1 "
    "RETURNING last_number"
)


def next_number(session: Session, division_id: int, kind: str, year: int) -> str:
    """Take the next number of a wholesale document ``kind`` for the division and year."""
    prefix = PREFIXES[kind]
    return f"{prefix}{year}-{next_counter(session, division_id, kind, year):05d}"


def next_counter(session: Session, division_id: int, kind: str, year: int = 0) -> int:
    """Take the next plain number of ``kind`` for the division (and year; 0 for a series
    that never restarts, as the top-side entries of a group level)."""
    number: int = session.execute(
        _NEXT_DOCUMENT, {"division_id": division_id, "kind": kind, "year": year}
    ).scalar_one()
    return number


def entry_document_number(journal_code: str, fiscal_year: int, number: int) -> str:
    """A journal entry's document number: journal, fiscal year, number (MEM2025-000042)."""
    return f"{journal_code}{fiscal_year}-{number:06d}"


class StaleMasterData(Exception):
    """The master-data token changed since the entries were checked: nothing was numbered."""


_TOKEN = text("select token from master_data_version where id = 1")


def allocate_entry_numbers(
    session: Session,
    series: list[tuple[int, int]],
    *,
    token: str | None = None,
    entry_ids: bool = False,
) -> tuple[list[int], list[int] | None]:
    """Take the next entry numbers: one per item of ``series`` ((journal id, fiscal year
    id) of each entry, in order), holding the counter rows' locks until commit.

    ``token``: take the numbers only if the master-data token (migration 0006) is still
    this one, else raise ``StaleMasterData`` with nothing taken. For one counter (a
    clerk's entry) the check is part of the upsert (``INSERT ... SELECT ... WHERE token =
    :token``), which runs with a fresh view of the committed data in either database
    (PostgreSQL read committed; SQLite under ``BEGIN IMMEDIATE``), so the master data the
    entries were checked against is what a fresh query would see when the numbers are
    taken.

    ``entry_ids`` (PostgreSQL): also take one journal_entry id per entry from its
    sequence in the same statement; returned as the second value (else None).
    """
    wanted: dict[tuple[int, int], int] = {}
    for key in series:
        wanted[key] = wanted.get(key, 0) + 1
    conn = session.connection()
    dialect = conn.dialect.name
    if token is not None and len(wanted) > 1:
        if conn.execute(_TOKEN).scalar_one() != token:
            raise StaleMasterData
        token = None
    last: dict[tuple[int, int], int] = {}
    ids: list[int] | None = None
    for i, ((journal_id, fy_id), count) in enumerate(sorted(wanted.items())):
        params: dict[str, Any] = {
            "journal_id": journal_id,
            "fiscal_year_id": fy_id,
            "last_number": count,
        }
        if token is not None:
            params["token"] = token
        if dialect == "postgresql":
            params["ids"] = len(series) if entry_ids and i == 0 else 0
            row = conn.execute(_NUMBERS[(dialect, token is not None)], params).one()
            new_last, taken = row[0], row[1]
            if i == 0 and entry_ids:
                ids = [int(x) for x in taken]
        else:
            new_last = conn.execute(_NUMBERS[(dialect, token is not None)], params).scalar()
        if new_last is None:
            raise StaleMasterData
        last[(journal_id, fy_id)] = new_last - count
    numbers = []
    for key in series:
        last[key] += 1
        numbers.append(last[key])
    return numbers, ids


def _number_sql(dialect: str, checked: bool) -> Any:
    """The counter's upsert, as text built once (building a Core upsert per call cost
    more than running it). ``checked``: only if the master-data token is ``:token``."""
    where = (
        " WHERE (SELECT token FROM master_data_version WHERE id = 1) = :token" if checked else ""
    )
    upsert = (
        "INSERT INTO document_sequence (journal_id, fiscal_year_id, last_number) "
        f"SELECT :journal_id, :fiscal_year_id, :last_number{where} "
        "ON CONFLICT (journal_id, fiscal_year_id) DO UPDATE "
        "SET last_number = document_sequence.last_number + excluded.last_number "
        "RETURNING last_number"
    )
    if dialect == "postgresql":
        # SQLite needs a WHERE in INSERT ... SELECT ... ON CONFLICT (parsing ambiguity).
        return text(
            f"WITH up AS ({upsert}) SELECT (SELECT last_number FROM up), "
            "ARRAY(SELECT nextval(pg_get_serial_sequence('journal_entry', 'id')) "
            "FROM generate_series(1, :ids))"
        )
    if not checked:
        upsert = upsert.replace(":last_number ", ":last_number WHERE true ")
    return text(upsert)


_NUMBERS = {
    (dialect, checked): _number_sql(dialect, checked)
    for dialect in ("postgresql", "sqlite")
    for checked in (False, True)
}
