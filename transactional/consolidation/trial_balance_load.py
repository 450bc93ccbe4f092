"""Loading the trial balance of a unit that keeps its books outside the ERP.

A group company with its own bookkeeping sends its trial balance per period (a CSV or
Excel file: ``ingestion.consolidation.files`` reads it into ``TrialBalanceRow`` rows).
The file says what the balances ARE at the period end; the ledger of the division must
then show the same. So the loader compares the two per (account, counterparty) and posts
the difference as one journal entry through the posting service: a first load posts
the whole trial balance, a corrected file posts only the corrections, the same file
again posts nothing. The ledger stays the one source the warehouse reads, and every
amount in it comes through the same checks as a clerk's entry.

Balances in the file are signed debit positive, in the division's currency:
balance-sheet accounts since the start of the books, profit-and-loss accounts for the
fiscal year to date. Earlier years' results sit in the file's retained earnings; in the
ledger they are still on the earlier years' P&L accounts, so the comparison adds them
to the division's account mapped to the group's retained-earnings account (as the
consolidated trial balance folds them: docs/consolidation.md section 2).

Load the periods in date order: a difference is dated the period's last day, so a
corrected earlier period changes the later ones' balances too (load them again).
"""

from __future__ import annotations

import calendar
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import case, func, or_
from sqlmodel import Session, col, select

from transactional.consolidation.models import GroupAccount, GroupAccountMap, TrialBalanceLoad
from transactional.errors import N_, ValidationError
from transactional.finance.lookups import Lookups
from transactional.finance.models import Account, Journal, JournalEntry, JournalLine
from transactional.finance.posting import EntryDraft, LineDraft, post_entry
from transactional.money import round_money
from transactional.organisation import rights
from transactional.organisation.models import Division, User

# What produced the entry (journal_entry.source_type): the warehouse and the ledger's
# drill-down tell a loaded trial balance from a clerk's entry by it.
SOURCE_TYPE = "trial_balance"
PERIOD_FORMAT = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True)
class TrialBalanceRow:
    """One row of a trial-balance file, read and typed.

    ``row`` is the row number in the file (the header is row 1), so a refusal names the
    row the user sees; ``balance`` is signed debit positive, in the division's currency.
    """

    row: int
    account: str
    balance: Decimal
    counterparty: str | None = None
    description: str = ""


@dataclass(frozen=True)
class TrialBalanceChange:
    """What a load changes on one (account, counterparty): the ledger's balance at the
    period end, the file's, and the difference posted."""

    account: str
    account_name: str
    counterparty: str | None
    ledger_balance: Decimal
    file_balance: Decimal
    account_id: int = 0
    counterparty_id: int | None = None

    @property
    def difference(self) -> Decimal:
        return self.file_balance - self.ledger_balance


@dataclass
class TrialBalanceResult:
    """The outcome of a load (or of a dry run: nothing written, ``load_id`` None)."""

    division: str
    period: str
    period_end: date
    currency: str
    changes: list[TrialBalanceChange] = field(default_factory=list)
    dry_run: bool = False
    # The same file was loaded for this division and period before and the ledger
    # still matches it: nothing was written, not even a load record.
    already_loaded: bool = False
    load_id: int | None = None
    entry_id: int | None = None
    document_number: str | None = None


@dataclass
class _Slot:
    """The file's side of one (account, counterparty)."""

    account: Account
    counterparty_id: int | None
    counterparty: str | None
    balance: Decimal = Decimal(0)
    description: str = ""
    rows: list[int] = field(default_factory=list)


def load_trial_balance(
    *,
    session: Session,
    user: User,
    division: str,
    period: str,
    rows: list[TrialBalanceRow],
    file_name: str,
    file_sha256: str,
    dry_run: bool = False,
) -> TrialBalanceResult:
    """Bring the division's ledger to the file's balances at the end of ``period``
    (``YYYY-MM``) with one journal entry; all or nothing.

    Refused, with nothing written, when the user may not consolidate in the division,
    the period is missing or closed, the file has no rows, an account does not exist, is
    blocked or is not mapped to the group chart (all unmapped accounts are listed), a
    counterparty is not another division, an amount has more decimals than the
    division's currency, or the file does not balance. ``dry_run`` makes the same checks
    and returns the changes without writing.
    """
    lookups = Lookups(session)
    div = lookups.division(division)
    assert div.id is not None
    rights.require(session, user, "consolidate", div.id)
    period_end = _period_end(period)
    ledger_period, fiscal_year = lookups.period(div, period_end, field="period")
    currency = lookups.currency(div.currency_code)
    if not rows:
        raise ValidationError(N_("The trial balance has no rows."), field="rows")

    slots = _file_slots(session, lookups, div, rows, currency.code, currency.decimals)
    _require_balanced(slots, currency.code, currency.decimals)
    ledger = _ledger_balances(session, div.id, period_end, fiscal_year.start_date)
    accounts: dict[int, Account] = {key[0]: s.account for key, s in slots.items()}
    missing_ids = {a for a, _ in ledger} - set(accounts)
    if missing_ids:
        for acc in session.exec(select(Account).where(col(Account.id).in_(missing_ids))).all():
            assert acc.id is not None
            accounts[acc.id] = acc
    earlier = _earlier_results(ledger, accounts)
    balances = {key: values[0] for key, values in ledger.items()}
    if earlier:
        folded = _retained_earnings_account(session, div, accounts, slots)
        assert folded.id is not None
        balances[(folded.id, None)] = balances.get((folded.id, None), Decimal(0)) + earlier
        accounts[folded.id] = folded

    names = _division_codes(
        session, {cp for _, cp in balances} | {s.counterparty_id for s in slots.values()}
    )
    changes: list[TrialBalanceChange] = []
    for key in sorted(
        set(balances) | set(slots), key=lambda k: (accounts[k[0]].code, names.get(k[1], ""))
    ):
        # In the currency's decimals (the ledger keeps four): exact, both already fit.
        in_ledger = round_money(balances.get(key, Decimal(0)), currency.decimals)
        in_file = round_money(slots[key].balance if key in slots else Decimal(0), currency.decimals)
        if in_ledger != in_file:
            acc = accounts[key[0]]
            changes.append(
                TrialBalanceChange(
                    acc.code,
                    acc.name,
                    names.get(key[1]),
                    in_ledger,
                    in_file,
                    account_id=key[0],
                    counterparty_id=key[1],
                )
            )
    # The entry posts on every account of the file and on the ledger's accounts the file
    # leaves out (brought to zero): all must reach the group chart.
    used = {accounts[a].id: accounts[a] for a, _ in slots} | {
        a: accounts[a] for (a, _), b in balances.items() if b != 0
    }
    _require_mapped(session, div, list(used.values()), slots)

    result = TrialBalanceResult(
        division=div.code,
        period=period,
        period_end=period_end,
        currency=currency.code,
        changes=changes,
        dry_run=dry_run,
    )
    if dry_run:
        return result
    if not changes and _loaded_before(session, div.id, ledger_period.id, file_sha256):
        result.already_loaded = True
        return result
    load = TrialBalanceLoad(
        division_id=div.id,
        period_id=ledger_period.id or 0,
        file_name=file_name[:255],
        file_sha256=file_sha256,
        lines_changed=len(changes),
        loaded_by=user.id or 0,
        loaded_at=datetime.now(UTC),
    )
    session.add(load)
    session.flush()
    result.load_id = load.id
    if changes:
        journal = _general_journal(session, div)
        descriptions = {k: s.description for k, s in slots.items()}
        entry = post_entry(
            session=session,
            user=user,
            entry=EntryDraft(
                division=div.id,
                journal=journal.code,
                entry_date=period_end,
                description=f"Trial balance {period} ({file_name})",
                source_type=SOURCE_TYPE,
                source_id=load.id,
                # A unit keeping its books elsewhere has its receivables and payables as
                # balances, not as invoices of this ERP: its control accounts are loaded too.
                allow_control_accounts=True,
                lines=[_line(c, descriptions) for c in changes],
            ),
        )
        load.entry_id = entry.id
        session.add(load)
        session.flush()
        result.entry_id = entry.id
        result.document_number = entry.document_number
    return result


def _period_end(period: str) -> date:
    found = PERIOD_FORMAT.fullmatch((period or "").strip())
    if found is None or not 1 <= int(found.group(2)) <= 12:
        raise ValidationError(
            N_("Period must be written YYYY-MM, like 2025-03, not '{period}'."),
            field="period",
            period=period,
        )
    year, month = int(found.group(1)), int(found.group(2))
    return date(year, month, calendar.monthrange(year, month)[1])


def _file_slots(
    session: Session,
    lookups: Lookups,
    div: Division,
    rows: list[TrialBalanceRow],
    currency: str,
    decimals: int,
) -> dict[tuple[int, int | None], _Slot]:
    """The file's balances per (account id, counterparty division id), checked row by row;
    rows on the same account and counterparty add up."""
    divisions = {d.code: d for d in session.exec(select(Division)).all()}
    slots: dict[tuple[int, int | None], _Slot] = {}
    for row in rows:
        acc = _account(lookups, div, row)
        if round_money(row.balance, decimals) != row.balance:
            raise ValidationError(
                N_("Row {row}: {amount} has more decimals than {currency} allows ({decimals})."),
                field="rows",
                row=row.row,
                amount=format(row.balance, "f"),
                currency=currency,
                decimals=decimals,
            )
        code = (row.counterparty or "").strip() or None
        counterparty_id = None
        if code is not None:
            other = divisions.get(code)
            if other is None:
                raise ValidationError(
                    N_("Row {row}: counterparty {counterparty} is not a division of the group."),
                    field="rows",
                    row=row.row,
                    counterparty=code,
                )
            if other.id == div.id:
                raise ValidationError(
                    N_(
                        "Row {row}: the counterparty {counterparty} is the division itself; leave "
                        "it empty."
                    ),
                    field="rows",
                    row=row.row,
                    counterparty=code,
                )
            counterparty_id = other.id
        assert acc.id is not None
        slot = slots.setdefault((acc.id, counterparty_id), _Slot(acc, counterparty_id, code))
        slot.balance += row.balance
        slot.description = slot.description or row.description.strip()
        slot.rows.append(row.row)
    return slots


def _account(lookups: Lookups, div: Division, row: TrialBalanceRow) -> Account:
    code = (row.account or "").strip()
    try:
        return lookups.account(div, code, field="rows")
    except ValidationError as err:
        # The lookup's own words name no row; the user must find the line in the file.
        if err.message_id == "Account {account} ({account_name}) is blocked.":
            raise ValidationError(
                N_("Row {row}: account {account} ({account_name}) is blocked."),
                field="rows",
                row=row.row,
                **err.params,
            ) from None
        raise ValidationError(
            N_("Row {row}: account {account} does not exist in division {division}."),
            field="rows",
            row=row.row,
            account=code or "''",
            division=div.code,
        ) from None


def _require_balanced(
    slots: dict[tuple[int, int | None], _Slot], currency: str, decimals: int
) -> None:
    debit = sum((s.balance for s in slots.values() if s.balance > 0), Decimal(0))
    credit = -sum((s.balance for s in slots.values() if s.balance < 0), Decimal(0))
    # Shown in the currency's decimals, as a clerk reads amounts (exact: the rows fit).
    debit, credit = round_money(debit, decimals), round_money(credit, decimals)
    if debit != credit:
        raise ValidationError(
            N_(
                "The trial balance does not balance: debit {debit} and credit {credit} "
                "{currency} differ by {difference} {currency}."
            ),
            field="rows",
            debit=format(debit, "f"),
            credit=format(credit, "f"),
            currency=currency,
            difference=format(abs(debit - credit), "f"),
        )


def _ledger_balances(
    session: Session, division_id: int, period_end: date, year_start: date
) -> dict[tuple[int, int | None], tuple[Decimal, Decimal]]:
    """Per (account id, counterparty id): (movement since the fiscal year's start, movement
    before it) up to the period end; which of the two counts depends on the account type."""
    earlier = case((col(JournalEntry.entry_date) < year_start, 1), else_=0)
    rows = session.exec(
        select(
            JournalLine.account_id,
            JournalLine.counterparty_division_id,
            earlier,
            func.sum(JournalLine.amount_base),
        )
        .join(JournalEntry, col(JournalEntry.id) == JournalLine.entry_id)
        .where(JournalLine.division_id == division_id, JournalEntry.entry_date <= period_end)
        .group_by(col(JournalLine.account_id), col(JournalLine.counterparty_division_id), earlier)
    ).all()
    found: dict[tuple[int, int | None], list[Decimal]] = defaultdict(
        lambda: [Decimal(0), Decimal(0)]
    )
    for account_id, counterparty_id, before, total in rows:
        found[(account_id, counterparty_id)][1 if before else 0] += total or Decimal(0)
    return {key: (this_year, before) for key, (this_year, before) in found.items()}


def _earlier_results(
    ledger: dict[tuple[int, int | None], tuple[Decimal, Decimal]],
    accounts: dict[int, Account],
) -> Decimal:
    """Moves the ledger's balance-sheet movements of earlier years into the per-key
    balance (they count since the start) and returns the P&L of earlier years (which the
    file holds in retained earnings)."""
    earlier = Decimal(0)
    for key, (this_year, before) in list(ledger.items()):
        if accounts[key[0]].account_type == "balance_sheet":
            ledger[key] = (this_year + before, Decimal(0))
        else:
            earlier += before
    return earlier


def _retained_earnings_account(
    session: Session,
    div: Division,
    accounts: dict[int, Account],
    slots: dict[tuple[int, int | None], _Slot],
) -> Account:
    """The division's account mapped to the group's retained earnings (role), where the
    ledger's earlier years' results are compared with the file; one in the file first."""
    candidates = _accounts_mapped_to_role(session, div, "retained_earnings")
    if not candidates:
        raise ValidationError(
            N_(
                "No account of division {division} is mapped to the group's retained earnings "
                "account, where the earlier years' results of its ledger belong; map one first."
            ),
            field="rows",
            division=div.code,
        )
    in_file = {s.account.id for s in slots.values()}
    candidates.sort(key=lambda a: (a.id not in in_file, a.code))
    return candidates[0]


def _accounts_mapped_to_role(session: Session, div: Division, role: str) -> list[Account]:
    """The division's accounts (own and shared) whose effective mapping is the group
    account with ``role``: a division's own mapping row overrides the shared one."""
    effective = _effective_mapping(session, div)
    group = session.exec(select(GroupAccount).where(GroupAccount.role == role)).first()
    if group is None:
        return []
    ids = [a for a, g in effective.items() if g == group.id]
    if not ids:
        return []
    return list(
        session.exec(
            select(Account).where(
                col(Account.id).in_(ids),
                col(Account.is_active),
                or_(col(Account.division_id).is_(None), col(Account.division_id) == div.id),
            )
        ).all()
    )


def _effective_mapping(session: Session, div: Division) -> dict[int, int]:
    """Account id -> group account id as it applies in the division."""
    rows = session.exec(
        select(GroupAccountMap).where(
            or_(
                col(GroupAccountMap.division_id).is_(None),
                col(GroupAccountMap.division_id) == div.id,
            )
        )
    ).all()
    mapping: dict[int, int] = {}
    for m in sorted(rows, key=lambda m: m.division_id is not None):
        mapping[m.account_id] = m.group_account_id
    return mapping


def _require_mapped(
    session: Session,
    div: Division,
    used: list[Account],
    slots: dict[tuple[int, int | None], _Slot],
) -> None:
    """Every account the file or the ledger has a balance on maps to the group chart, or
    the load is refused listing all of them (consolidation would refuse to run anyway)."""
    mapped = _effective_mapping(session, div)
    rows_of: dict[int, list[int]] = defaultdict(list)
    for slot in slots.values():
        assert slot.account.id is not None
        rows_of[slot.account.id] += slot.rows
    unmapped = sorted(
        {a.code: a for a in used if a.id not in mapped}.values(), key=lambda a: a.code
    )
    if unmapped:
        listed = []
        for acc in unmapped:
            assert acc.id is not None
            rows = sorted(rows_of.get(acc.id, []))
            where = " (row " + ", ".join(str(r) for r in rows) + ")" if rows else ""
            listed.append(f"{acc.code} {acc.name}{where}")
        raise ValidationError(
            N_(
                "Not mapped to the group chart: {accounts}. Map these accounts first (the "
                "account mapping form or erp consolidation load-mapping); nothing was loaded."
            ),
            field="rows",
            accounts="; ".join(listed),
        )


def _division_codes(session: Session, ids: set[int | None]) -> dict[int | None, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return {
        d.id: d.code
        for d in session.exec(select(Division).where(col(Division.id).in_(wanted))).all()
    }


def _loaded_before(session: Session, division_id: int, period_id: int | None, sha: str) -> bool:
    return (
        session.exec(
            select(TrialBalanceLoad.id).where(
                TrialBalanceLoad.division_id == division_id,
                TrialBalanceLoad.period_id == period_id,
                TrialBalanceLoad.file_sha256 == sha,
            )
        ).first()
        is not None
    )


def _general_journal(session: Session, div: Division) -> Journal:
    """The division's general journal (the first by code when it has several)."""
    journal = session.exec(
        select(Journal)
        .where(Journal.division_id == div.id, Journal.journal_type == "general")
        .order_by(col(Journal.code))
    ).first()
    if journal is None:
        raise ValidationError(
            N_(
                "Division {division} has no general journal to post the trial balance in; "
                "create one first."
            ),
            field="division",
            division=div.code,
        )
    return journal


def _line(change: TrialBalanceChange, descriptions: dict[tuple[int, int | None], str]) -> LineDraft:
    diff = change.difference
    return LineDraft(
        account=change.account_id,
        debit=diff if diff > 0 else None,
        credit=-diff if diff < 0 else None,
        description=descriptions.get((change.account_id, change.counterparty_id), ""),
        counterparty=change.counterparty,
    )
