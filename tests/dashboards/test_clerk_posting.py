"""The plain side of the forms: reading grids, renumbering errors, running totals, amounts."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from dashboards.amounts import format_amount, format_change
from dashboards.forms.form_feedback import FieldErrors
from dashboards.writeback.clerk_posting import (
    INVOICE_LINE_COLUMNS,
    JOURNAL_LINE_COLUMNS,
    _renumbered,
    filled_rows,
    totals,
)
from transactional.errors import N_, UnbalancedEntry, ValidationError


def _grid(rows: list[dict[str, object]], columns: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame([{c: r.get(c) for c in columns} for r in rows])


def test_blank_rows_are_skipped_but_keep_their_grid_numbers() -> None:
    grid = _grid(
        [
            {"account": "4300", "debit": "10"},
            {},
            {"account": " 1100 ", "credit": float("nan"), "description": None},
        ],
        JOURNAL_LINE_COLUMNS,
    )
    rows = filled_rows(grid, JOURNAL_LINE_COLUMNS)
    assert [n for n, _ in rows] == [1, 3]
    assert rows[1][1]["account"] == "1100" and rows[1][1]["credit"] == ""


def test_a_defaulted_quantity_alone_is_not_a_line() -> None:
    grid = _grid([{"quantity": "1"}, {"account": "8000", "quantity": "1"}], INVOICE_LINE_COLUMNS)
    assert [n for n, _ in filled_rows(grid, INVOICE_LINE_COLUMNS)] == [2]


def test_service_line_numbers_become_grid_rows() -> None:
    err = ValidationError(
        N_("Line {line}: debit must be a number, not '{value}'."),
        field="lines.2.debit",
        line=2,
        value="x",
    )
    moved = _renumbered(err, "lines", [1, 3], "Line")
    assert isinstance(moved, ValidationError)
    # Same message id (the catalog still finds it), the grid's row as its line.
    assert (moved.field, moved.message_id, moved.params) == (
        "lines.3.debit",
        err.message_id,
        {"line": 3, "value": "x"},
    )
    assert moved.message == "Line 3: debit must be a number, not 'x'."
    # A shared check's label that names the line ("Line 2 credit") follows the row too.
    label = ValidationError(
        N_("{label}: {amount} has more decimals than {currency} allows ({decimals})."),
        field="lines.2.credit",
        label="Line 2 credit",
        amount="1.001",
        currency="EUR",
        decimals=2,
    )
    assert _renumbered(label, "lines", [1, 5], "Line").message == (
        "Line 5 credit: 1.001 has more decimals than EUR allows (2)."
    )
    # A message that names no line gets the row in front, the refusal itself as a parameter.
    unknown = _renumbered(
        ValidationError(N_("Account {code} does not exist."), field="lines.1.account", code="9"),
        "lines",
        [4],
        "Line",
    )
    assert (unknown.field, unknown.message) == (
        "lines.4.account",
        "Line 4: Account 9 does not exist.",
    )
    assert unknown.message_id == "Line {line}: {error}"
    assert unknown.params["error"] == "Account 9 does not exist."
    # A whole row (a stock movement's refusal names the line, not a cell).
    row = _renumbered(
        ValidationError(N_("Line {line}: only 2 pcs in stock."), field="lines.1", line=1),
        "lines",
        [2],
        "Line",
    )
    assert (row.field, row.message) == ("lines.2", "Line 2: only 2 pcs in stock.")
    whole = UnbalancedEntry(N_("The entry does not balance."), field="lines")
    assert _renumbered(whole, "lines", [1, 2], "Line") is whole


def test_running_totals_read_amounts_as_typed() -> None:
    grid = _grid(
        [{"debit": "1.234,5"}, {"debit": "1234,50"}, {"credit": "0.5"}, {"credit": "abc"}],
        JOURNAL_LINE_COLUMNS,
    )
    result = totals(grid, ("debit", "credit"))
    assert result["debit"] == Decimal("1234.50")
    assert result["credit"] == Decimal("0.5")
    assert result["unreadable"] == ["row 1 debit", "row 4 credit"]


def test_errors_find_the_slot_of_their_field() -> None:
    errors = FieldErrors({"entry_date": "invoice_date"})
    errors._slots = {"invoice_date": None, "lines": None, "": None}  # type: ignore[dict-item]
    assert errors.target("entry_date") == "invoice_date"
    assert errors.target("lines.3.quantity") == "lines"
    assert errors.target("allocations.1.amount") == ""
    assert errors.target(None) == ""


def test_amounts_read_like_money() -> None:
    assert format_amount(1234.5, "EUR") == "€1,234.50"
    assert format_amount(-0.004, "USD") == "$0.00"
    assert format_amount(None, "EUR") == "–"
    assert format_change(-12.345, "GBP") == "-£12.35"
    assert format_change(float("nan"), "GBP") is None
