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
is for the loaders (``transactional.consolidation``), which name the row too. Tables and
cells are read by ``ingestion.table_files``, shared with the manufacturing files.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ingestion.table_files import Table, file_sha256, read_table
from ingestion.table_files import cell_amount as _amount
from ingestion.table_files import cell_date as _date
from ingestion.table_files import cell_text as _text
from ingestion.table_files import is_filled as _filled
from ingestion.table_files import read_path as read_path
from ingestion.table_files import require_columns as _require_columns
from transactional.consolidation.account_mapping_load import AccountMappingRow
from transactional.consolidation.group_structure_load import GroupStructureRow
from transactional.consolidation.trial_balance_load import TrialBalanceRow
from transactional.errors import N_, ValidationError

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
class TrialBalanceFile:
    """A trial-balance file read: its rows, and its name and sha256 for the load record."""

    file_name: str
    sha256: str
    rows: list[TrialBalanceRow]


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


def _percent(table: Table, row: int, value: Any) -> Decimal:
    """A percentage as written: ``80``, ``80 %`` or ``80,5``; 80 means 80 %."""
    if isinstance(value, str):
        value = value.replace("%", "").strip()
    return _amount(table, row, "ownership_pct", value)
