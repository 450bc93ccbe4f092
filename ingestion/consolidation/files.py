"""Reading the consolidation files a group accountant loads: CSV or Excel into typed rows.

Three files (docs/consolidation.md section 4): a non-ERP unit's trial balance, the group
structure and the account mapping. A file is CSV (comma or semicolon separated, UTF-8
with or without a byte-order mark, a header row) or Excel (.xlsx, the first sheet, a
header row). Column names are read without regard to case, spaces or hyphens
("Ownership pct" is ``ownership_pct``). Amounts are written as the file's people write
them: in a semicolon file with a decimal comma (``1.234,56``), otherwise with a decimal
point (``1,234.56``); Excel's own numbers are read as they are. A refusal names the
file's row (the header is row 1) and column, in the words the user sees in the file;
nothing is loaded then.

Reading checks the form of each value; whether an account, division or period exists
is for the loaders (``transactional.consolidation``), which name the row too.
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

from transactional.consolidation.account_mapping_load import AccountMappingRow
from transactional.consolidation.group_structure_load import GroupStructureRow
from transactional.consolidation.trial_balance_load import TrialBalanceRow
from transactional.dates import parse_date
from transactional.errors import N_, ValidationError
from transactional.typed_numbers import canonical

EXCEL_SUFFIXES = (".xlsx", ".xlsm")
# The columns of each file; the first ones listed are required.
TRIAL_BALANCE_COLUMNS = ("account", "debit", "credit", "balance", "counterparty", "description")
# Exports often carry the account's name beside its code: read past it.
TRIAL_BALANCE_IGNORED = ("name", "account_name")
STRUCTURE_COLUMNS = (
    "division",
    "name",
    "currency",
    "country",
    "parent",
    "ownership_pct",
    "method",
    "valid_from",
    "valid_to",
    "acquisition_date",
    "investment_cost",
    "investment_account",
)
MAPPING_COLUMNS = ("division", "account", "group_account")
MAPPING_IGNORED = ("name", "account_name", "group_account_name")


@dataclass(frozen=True)
class Table:
    """A file's header and its non-blank rows as (row number, column -> raw cell)."""

    file_name: str
    columns: tuple[str, ...]
    rows: list[tuple[int, dict[str, Any]]]
    decimal_mark: str  # "," in a semicolon CSV, else "."


@dataclass(frozen=True)
class TrialBalanceFile:
    """A trial-balance file read: its rows, and its name and sha256 for the load record."""

    file_name: str
    sha256: str
    rows: list[TrialBalanceRow]


def file_sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def read_trial_balance(content: bytes, file_name: str) -> TrialBalanceFile:
    """The rows of a trial-balance file, each balance signed debit positive."""
    table = read_table(content, file_name)
    _require_columns(table, ("account",), TRIAL_BALANCE_COLUMNS, TRIAL_BALANCE_IGNORED)
    has_balance = "balance" in table.columns
    has_sides = "debit" in table.columns or "credit" in table.columns
    if has_balance and has_sides:
        raise ValidationError(
            N_("The file has a balance column and debit/credit columns; keep one of the two."),
            field="file",
        )
    if not has_balance and not has_sides:
        raise ValidationError(
            N_("The file needs a balance column, or debit and credit columns."), field="file"
        )
    rows = []
    for number, cells in table.rows:
        account = _text(cells.get("account"))
        if not account:
            raise ValidationError(
                N_("Row {row}, column account: the account code is missing."),
                field="account",
                row=number,
            )
        if has_balance:
            balance = _amount(table, number, "balance", cells.get("balance"))
        else:
            debit = _amount(table, number, "debit", cells.get("debit"))
            credit = _amount(table, number, "credit", cells.get("credit"))
            for column, value in (("debit", debit), ("credit", credit)):
                if value < 0:
                    raise ValidationError(
                        N_(
                            "Row {row}, column {column}: {value} is negative; write a debit in "
                            "the debit column and a credit in the credit column."
                        ),
                        field=column,
                        row=number,
                        column=column,
                        value=format(value, "f"),
                    )
            balance = debit - credit
        rows.append(
            TrialBalanceRow(
                row=number,
                account=account,
                balance=balance,
                counterparty=_text(cells.get("counterparty")) or None,
                description=_text(cells.get("description")),
            )
        )
    if not rows:
        raise ValidationError(N_("The trial balance has no rows."), field="rows")
    return TrialBalanceFile(file_name=file_name, sha256=file_sha256(content), rows=rows)


def read_group_structure(content: bytes, file_name: str) -> list[GroupStructureRow]:
    """The rows of a group-structure file (one company per row)."""
    table = read_table(content, file_name)
    _require_columns(table, ("division",), STRUCTURE_COLUMNS, ())
    rows = []
    for number, cells in table.rows:
        pct_cell = cells.get("ownership_pct")
        cost = cells.get("investment_cost")
        rows.append(
            GroupStructureRow(
                row=number,
                division=_text(cells.get("division")),
                name=_text(cells.get("name")),
                currency=_text(cells.get("currency")).upper(),
                country=_text(cells.get("country")).upper(),
                parent=_text(cells.get("parent")) or None,
                ownership_pct=_percent(table, number, pct_cell) if _filled(pct_cell) else None,
                method=_text(cells.get("method")).lower() or "full",
                valid_from=_date(number, "valid_from", cells.get("valid_from")),
                valid_to=_date(number, "valid_to", cells.get("valid_to")),
                acquisition_date=_date(number, "acquisition_date", cells.get("acquisition_date")),
                investment_cost=(
                    _amount(table, number, "investment_cost", cost) if _filled(cost) else Decimal(0)
                ),
                investment_account=_text(cells.get("investment_account")) or None,
            )
        )
    if not rows:
        raise ValidationError(N_("The group structure has no rows."), field="rows")
    return rows


def read_account_mapping(content: bytes, file_name: str) -> list[AccountMappingRow]:
    """The rows of an account-mapping file (division optional)."""
    table = read_table(content, file_name)
    _require_columns(table, ("account", "group_account"), MAPPING_COLUMNS, MAPPING_IGNORED)
    rows = []
    for number, cells in table.rows:
        for column in ("account", "group_account"):
            if not _text(cells.get(column)):
                raise ValidationError(
                    N_("Row {row}, column {column}: the code is missing."),
                    field=column,
                    row=number,
                    column=column,
                )
        rows.append(
            AccountMappingRow(
                row=number,
                account=_text(cells.get("account")),
                group_account=_text(cells.get("group_account")),
                division=_text(cells.get("division")) or None,
            )
        )
    if not rows:
        raise ValidationError(N_("The account mapping has no rows."), field="rows")
    return rows


_Row = TypeVar("_Row")


def read_path(path: str | Path, reader: Callable[[bytes, str], _Row]) -> _Row:
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
    filled = [(n, r) for n, r in records if any(_filled(c) for c in r)]
    if not filled:
        raise ValidationError(N_("{file} is empty."), field="file", file=file_name)
    header_number, header = filled[0]
    columns = _columns([_text(c) for c in header])
    rows = [(n, _cells(columns, r, n)) for n, r in filled[1:] if n > header_number]
    return Table(file_name, columns, rows, ".")


def _columns(header: list[str]) -> tuple[str, ...]:
    names = tuple(
        _text(h).lower().replace("-", "_").replace(" ", "_").replace("\ufeff", "") for h in header
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
    extra = [c for c in record[len(columns) :] if _filled(c)]
    if extra:
        raise ValidationError(
            N_("Row {row} has more values than the header row has columns."),
            field="file",
            row=number,
        )
    return {name: (record[i] if i < len(record) else None) for i, name in enumerate(columns)}


def _require_columns(
    table: Table, required: tuple[str, ...], known: tuple[str, ...], ignored: tuple[str, ...]
) -> None:
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


def _filled(value: Any) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _text(value: Any) -> str:
    """A cell as text; Excel's whole numbers (an account code 1100) without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


def _amount(table: Table, row: int, column: str, value: Any) -> Decimal:
    """An amount cell; empty is zero."""
    if not _filled(value):
        return Decimal(0)
    if isinstance(value, bool):
        value = str(value)
    if isinstance(value, int | Decimal):
        return Decimal(value)
    if isinstance(value, float):
        # Excel stores binary floats; the shortest repr is the figure the cell shows.
        return Decimal(repr(value))
    text = str(value).strip().replace("\u00a0", "").replace(" ", "")
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1]
    example = "1234,56" if table.decimal_mark == "," else "1234.56"
    try:
        plain = canonical(
            text, "nl_NL" if table.decimal_mark == "," else "en", field=column, label=column
        )
        amount = Decimal(plain)
    except (ValidationError, ArithmeticError, ValueError):
        raise ValidationError(
            N_("Row {row}, column {column}: '{value}' is not an amount; write it like {example}."),
            field=column,
            row=row,
            column=column,
            value=str(value).strip(),
            example=example,
        ) from None
    if not amount.is_finite():
        raise ValidationError(
            N_("Row {row}, column {column}: '{value}' is not an amount; write it like {example}."),
            field=column,
            row=row,
            column=column,
            value=str(value).strip(),
            example=example,
        )
    return -amount if negative else amount


def _percent(table: Table, row: int, value: Any) -> Decimal:
    """A percentage as written: ``80``, ``80 %`` or ``80,5``; 80 means 80 %."""
    if isinstance(value, str):
        value = value.replace("%", "").strip()
    return _amount(table, row, "ownership_pct", value)


def _date(row: int, column: str, value: Any) -> date | None:
    if not _filled(value):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return parse_date(_text(value), field=column, label=column)
    except ValidationError:
        raise ValidationError(
            N_("Row {row}, column {column}: '{value}' is not a date; write it like 2025-01-31."),
            field=column,
            row=row,
            column=column,
            value=_text(value),
        ) from None
