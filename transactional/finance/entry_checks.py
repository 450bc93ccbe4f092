"""Checking a journal entry against the ledger rules, before anything is written.

What a clerk (or a service) hands in is an ``EntryDraft`` of ``LineDraft`` lines; the
check resolves every code against the master-data copy (transactional.finance.master_data),
checks the acting user's right in the division, refuses a closed or missing period, an
amount with more decimals than its currency, a control account outside the invoice and
payment services and an entry that does not balance in the division's base currency, and
returns a ``CheckedEntry``: the rows to write, without numbers. Any refusal is a
DomainError naming the field; nothing has been written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from transactional import audit
from transactional.dates import parse_date
from transactional.errors import N_, UnbalancedEntry, ValidationError
from transactional.finance.master_data import MasterData
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
    # The group company on the other side (division code or id), e.g. for an
    # intercompany loan or dividend; default: the relation's group company, if any.
    counterparty: str | int | None = None
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
class CheckedEntry:
    """An entry that passed the checks: its resolved ids and the line rows to write."""

    draft: EntryDraft
    division_id: int
    journal_id: int
    fiscal_year_id: int
    period_id: int
    fiscal_year: int
    journal_code: str
    entry_date: date
    lines: list[dict[str, Any]] = field(default_factory=list)


def check_entry(
    *, session: Session, user: User, master: MasterData, draft: EntryDraft, action: str
) -> CheckedEntry:
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
        raise ValidationError(N_("An entry needs at least two lines."), field="lines")

    checked = CheckedEntry(
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
                N_(
                    "Line {line}: account {account} ({account_name}) is a control account; post it "
                    "through a sales/purchase invoice or a payment."
                ),
                field=f"lines.{n}.account",
                line=n,
                account=acc.code,
                account_name=acc.name,
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
        relation_id = (
            master.relation_id(division, line.relation, field=f"lines.{n}.relation")
            if line.relation is not None and line.relation != ""
            else None
        )
        if line.counterparty is not None and line.counterparty != "":
            counterparty_id: int | None = master.counterparty_id(
                division, line.counterparty, field=f"lines.{n}.counterparty"
            )
        elif relation_id is not None:
            # Invoices and payments between group companies: every line of the entry names
            # the relation, so both sides carry the counterparty for the eliminations.
            counterparty_id = master.relation_group_company(relation_id)
        else:
            counterparty_id = None
        checked.lines.append(
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
                "relation_id": relation_id,
                "counterparty_division_id": counterparty_id,
                "vat_code_id": master.vat_code_id(line.vat_code, field=f"lines.{n}.vat_code")
                if line.vat_code
                else None,
                "invoice_id": line.invoice_id,
            }
        )
    if total != 0:
        debit = sum(
            (ln["amount_base"] for ln in checked.lines if ln["amount_base"] > 0), Decimal(0)
        )
        credit = -sum(
            (ln["amount_base"] for ln in checked.lines if ln["amount_base"] < 0), Decimal(0)
        )
        raise UnbalancedEntry(
            N_(
                "The entry does not balance: debit {debit} and credit {credit} {currency} differ "
                "by {total} {currency}."
            ),
            field="lines",
            debit=debit,
            credit=credit,
            currency=base_code,
            total=abs(total),
        )
    return checked


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
            N_("Line {line}: enter either a debit or a credit amount, not both."),
            field=f"lines.{n}.debit",
            line=n,
        )
    if not has_debit and not has_credit:
        raise ValidationError(
            N_("Line {line}: enter a debit or a credit amount."), field=f"lines.{n}.debit", line=n
        )
    if has_debit:
        return to_decimal(line.debit, field=f"lines.{n}.debit", label=f"{where}: debit")
    return -to_decimal(line.credit, field=f"lines.{n}.credit", label=f"{where}: credit")
