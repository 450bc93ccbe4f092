"""Reading the tables people bring as files: CSV or Excel into a header and raw rows, and
the cells of a row into typed values with refusals that name the row and column.

A file is CSV (comma or semicolon separated, UTF-8 with or without a byte-order mark, a
header row) or Excel (.xlsx, the first sheet, a header row). Column names are read
without regard to case, spaces or hyphens ("Ownership pct" is ``ownership_pct``). Numbers
are written as the file's people write them: in a semicolon file with a decimal comma
(``1.234,56``), otherwise with a decimal point (``1,234.56``); Excel's own numbers are
read as they are. A refusal names the file's row (the header is row 1) and column, in the
words the user sees in the file.

The consolidation files (``ingestion.consolidation.files``) and the manufacturing files
(``ingestion.manufacturing.files``) read their tables here, so both kinds of file accept
and refuse the same things in the same words.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from transactional.dates import parse_date
from transactional.errors import N_, ValidationError
from transactional.typed_numbers import canonical

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
# How a yes/no cell may be written (English, Dutch, French, a spreadsheet's TRUE, an x).
YES = ("yes", "y", "true", "1", "x", "ja", "j", "oui", "waar", "vrai")
NO = ("no", "n", "false", "0", "nee", "non", "onwaar", "faux")


@dataclass(frozen=True)
class Table:
    """A file's header and its non-blank rows as (row number, column -> raw cell)."""

    file_name: str
    columns: tuple[str, ...]
    rows: list[tuple[int, dict[str, Any]]]
    decimal_mark: str  # "," in a semicolon CSV, else "."


def file_sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


_Read = TypeVar("_Read")


def read_path(path: str | Path, reader: Callable[[bytes, str], _Read]) -> _Read:
    """``reader`` applied to the file at ``path`` (the command line's way in)."""
    target = Path(path)
    try:
        content = target.read_bytes()
    except OSError as err:
        raise ValidationError(
            N_("The file {file} cannot be read: {reason}."),
            field="file",
            file=str(target),
            reason=err.strerror or type(err).__name__,
        ) from None
    return reader(content, target.name)


def read_table(content: bytes, file_name: str) -> Table:
    """The header and rows of a CSV or Excel file, blank rows left out."""
    suffix = Path(file_name).suffix.lower()
    if suffix in EXCEL_SUFFIXES or (suffix != ".csv" and content[:2] == b"PK"):
        return _excel(content, file_name)
    if suffix == ".xls":
        raise ValidationError(
            N_("{file} is an old Excel file (.xls); save it as .xlsx or as CSV."),
            field="file",
            file=file_name,
        )
    return _csv(content, file_name)


def _csv(content: bytes, file_name: str) -> Table:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(
            N_("{file} is not UTF-8 text; save it as CSV UTF-8."), field="file", file=file_name
        ) from None
    lines = text.splitlines()
    header_line = next((line for line in lines if line.strip()), "")
    if not header_line:
        raise ValidationError(N_("{file} is empty."), field="file", file=file_name)
    # A semicolon file comes from a spreadsheet that writes a decimal comma.
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    start = next(i for i, r in enumerate(records) if any(c.strip() for c in r))
    columns = _columns(records[start])
    rows = []
    for index in range(start + 1, len(records)):
        record = records[index]
        if not any(c.strip() for c in record):
            continue
        rows.append((index + 1, _cells(columns, record, index + 1)))
    return Table(file_name, columns, rows, "," if delimiter == ";" else ".")


def _excel(content: bytes, file_name: str) -> Table:
    from openpyxl import load_workbook  # only loaded for Excel files

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError):
        raise ValidationError(
            N_("{file} cannot be read as an Excel workbook; save it as .xlsx or as CSV."),
            field="file",
            file=file_name,
        ) from None
    try:
        sheet = book.worksheets[0]
        records = [
            (number, list(values))
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
        ]
    finally:
        book.close()
    filled = [(n, r) for n, r in records if any(is_filled(c) for c in r)]
    if not filled:
        raise ValidationError(N_("{file} is empty."), field="file", file=file_name)
    header_number, header = filled[0]
    columns = _columns([cell_text(c) for c in header])
    rows = [(n, _cells(columns, r, n)) for n, r in filled[1:] if n > header_number]
    return Table(file_name, columns, rows, ".")


def _columns(header: list[str]) -> tuple[str, ...]:
    names = tuple(
        cell_text(h).lower().replace("-", "_").replace(" ", "_").replace("\ufeff", "")
        for h in header
    )
    # Trailing empty header cells (a spreadsheet's formatting) are no columns.
    while names and not names[-1]:
        names = names[:-1]
    for position, name in enumerate(names, start=1):
        if not name:
            raise ValidationError(
                N_("Column {position} of the header row has no name."),
                field="file",
                position=position,
            )
        if names.count(name) > 1:
            raise ValidationError(
                N_("The header row names the column {column} twice."), field="file", column=name
            )
    return names


def _cells(columns: tuple[str, ...], record: list[Any], number: int) -> dict[str, Any]:
    extra = [c for c in record[len(columns) :] if is_filled(c)]
    if extra:
        raise ValidationError(
            N_("Row {row} has more values than the header row has columns."),
            field="file",
            row=number,
        )
    return {name: (record[i] if i < len(record) else None) for i, name in enumerate(columns)}


def require_columns(
    table: Table, required: tuple[str, ...], known: tuple[str, ...], ignored: tuple[str, ...]
) -> None:
    """Refuse a column that is neither ``known`` nor ``ignored``, and a missing required
    one."""
    for column in table.columns:
        if column not in known and column not in ignored:
            raise ValidationError(
                N_("The column {column} is not one of: {columns}."),
                field="file",
                column=column,
                columns=", ".join(known),
            )
    for column in required:
        if column not in table.columns:
            raise ValidationError(
                N_("The file has no column {column}; the header row must name it."),
                field="file",
                column=column,
            )


def is_filled(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    """A cell as text; Excel's whole numbers (an account code 1100) without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


def _decimal(table: Table, value: Any, column: str) -> Decimal | None:
    """The cell as a number, or None when it is not one (the caller says how to write it)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        # Excel stores binary floats; the shortest repr is the figure the cell shows.
        return Decimal(repr(value))
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1]
    try:
        plain = canonical(
            text, "nl_NL" if table.decimal_mark == "," else "en", field=column, label=column
        )
        number = Decimal(plain)
    except (ValidationError, ArithmeticError, ValueError):
        return None
    if not number.is_finite():
        return None
    return -number if negative else number


def cell_amount(table: Table, row: int, column: str, value: Any) -> Decimal:
    """An amount cell; empty is zero."""
    if not is_filled(value):
        return Decimal(0)
    amount = _decimal(table, value, column)
    if amount is None:
        raise ValidationError(
            N_("Row {row}, column {column}: '{value}' is not an amount; write it like {example}."),
            field=column,
            row=row,
            column=column,
            value=str(value).strip(),
            example="1234,56" if table.decimal_mark == "," else "1234.56",
        )
    return amount


def cell_number(table: Table, row: int, column: str, value: Any) -> Decimal | None:
    """A quantity, hours or percentage cell (``10 %`` is 10); empty is None."""
    if isinstance(value, str):
        value = value.replace("%", "").strip()
    if not is_filled(value):
        return None
    number = _decimal(table, value, column)
    if number is None:
        raise ValidationError(
            N_("Row {row}, column {column}: '{value}' is not a number; write it like {example}."),
            field=column,
            row=row,
            column=column,
            value=str(value).strip(),
            example="12,5" if table.decimal_mark == "," else "12.5",
        )
    return number


def cell_integer(table: Table, row: int, column: str, value: Any) -> int | None:
    """A whole-number cell (a sequence, a number of days); empty is None."""
    number = cell_number(table, row, column, value)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise ValidationError(
            N_("Row {row}, column {column}: '{value}' is not a whole number."),
            field=column,
            row=row,
            column=column,
            value=cell_text(value),
        )
    return int(number)


def cell_flag(row: int, column: str, value: Any) -> bool | None:
    """A yes/no cell (yes, no, true, false, 1, 0, x, ja, nee, oui, non); empty is None."""
    if isinstance(value, bool):
        return value
    if not is_filled(value):
        return None
    word = cell_text(value).lower()
    if word in YES:
        return True
    if word in NO:
        return False
    raise ValidationError(
        N_("Row {row}, column {column}: '{value}' is not yes or no."),
        field=column,
        row=row,
        column=column,
        value=cell_text(value),
    )


def cell_date(row: int, column: str, value: Any) -> date | None:
    """A date cell (an Excel date, 2025-01-31 or 31-01-2025); empty is None."""
    if not is_filled(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return parse_date(cell_text(value), field=column, label=column)
    except ValidationError:
        raise ValidationError(
            N_("Row {row}, column {column}: '{value}' is not a date; write it like 2025-01-31."),
            field=column,
            row=row,
            column=column,
            value=cell_text(value),
        ) from None
