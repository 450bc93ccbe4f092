"""The accountant's monthly entries: opening balance, equipment and depreciation,
payroll and its payment, petty cash, cash deposits, bank charges and the VAT return.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ingestion.demo.books import Books, money
from ingestion.demo.company import DivisionSpec
from ingestion.demo.timeline import Month, last_business_day
from transactional.finance.posting import EntryDraft, LineDraft

CAPITAL_MONTHS = 4  # paid-in capital: four months of expected sales
EQUIPMENT_SHARE = (Decimal("1.4"), Decimal("0.5"))  # months of sales: first year, later years
DEPRECIATION_MONTHS = 60
WAGE_SHARE = Decimal("0.16")  # of expected monthly sales
HOLDING_WAGE_SHARE = Decimal("0.30")
SOCIAL_CHARGES = Decimal("0.24")
WAGE_SPLIT = (("SALES", Decimal("0.3")), ("OPS", Decimal("0.5")), ("ADMIN", Decimal("0.2")))
DECEMBER_BONUS = Decimal("1.5")


@dataclass
class ManualEntry:
    division: str
    journal: str
    on: date
    description: str
    lines: list[tuple[str, Decimal, str | None]]  # account, debit-positive amount, cost centre

    def draft(self, accounts: dict[str, int]) -> EntryDraft:
        return EntryDraft(
            division=self.division, journal=self.journal, entry_date=self.on,
            description=self.description,
            lines=[
                LineDraft(account=accounts[acc], debit=amt if amt > 0 else None,
                          credit=-amt if amt < 0 else None, cost_centre=centre)
                for acc, amt, centre in self.lines
            ],
        )


@dataclass
class DivisionState:
    """What the accountant carries from month to month for one division."""

    equipment: Decimal = Decimal(0)
    social_charges_due: Decimal = Decimal(0)


def paid_in_capital(first_monthly_revenue: Decimal) -> Decimal:
    """A division's paid-in capital: CAPITAL_MONTHS of its first month's expected sales, in
    tens of thousands (at least one)."""
    tens_of_thousands = (first_monthly_revenue * CAPITAL_MONTHS / 10_000).quantize(Decimal(1))
    return money(max(Decimal(1), tens_of_thousands) * 10_000)


@dataclass
class Accountant:
    books: Books
    states: dict[str, DivisionState] = field(default_factory=dict)

    def month_entries(
        self, *, spec: DivisionSpec, month: Month, monthly_revenue: Decimal,
        wage_base: Decimal, rng: random.Random,
    ) -> list[ManualEntry]:
        """The division's manual entries of the month, in date order; booked in ``books``."""
        state = self.states.setdefault(spec.code, DivisionState())
        days = month.business_days()
        last = last_business_day(month)
        if not days or last is None:
            return []
        code = spec.code
        entries: list[ManualEntry] = []
        if month.index == 0:
            capital = paid_in_capital(monthly_revenue)
            entries.append(ManualEntry(code, "BNK", month.first, "Opening balance: paid-in capital",
                                       [("1100", capital, None), ("0500", -capital, None)]))
        if month.month == 1:
            months = EQUIPMENT_SHARE[0] if month.index == 0 else EQUIPMENT_SHARE[1]
            equipment = money(monthly_revenue * months)
            state.equipment += equipment
            entries.append(ManualEntry(code, "BNK", days[0], f"Equipment purchase {month.year}",
                                       [("0100", equipment, None), ("1100", -equipment, None)]))
        entries += self._payroll(spec, month, wage_base, state, rng)
        petty = money(Decimal(rng.randint(30_000, 90_000)) / 100)
        entries.append(ManualEntry(code, "BNK", days[min(2, len(days) - 1)], "Petty cash top-up",
                                   [("1000", petty, None), ("1100", -petty, None)]))
        first_half = money(petty * Decimal(rng.randint(30, 70)) / 100)
        for n, amount in enumerate((first_half, petty - first_half)):
            on = days[min(len(days) - 1, 6 + 10 * n)]
            entries.append(ManualEntry(code, "KAS", on, "Petty cash expenses",
                                       [("4400", amount, "ADMIN"), ("1000", -amount, None)]))
        entries += self._vat_return(spec, month)
        charges = money(Decimal(rng.randint(2_500, 9_000)) / 100)
        entries.append(ManualEntry(code, "BNK", last, "Bank charges",
                                   [("9000", charges, "ADMIN"), ("1100", -charges, None)]))
        if state.equipment:
            depreciation = money(state.equipment / DEPRECIATION_MONTHS)
            entries.append(ManualEntry(code, "MEM", last, "Depreciation", [
                ("4800", depreciation, "OPS"), ("0190", -depreciation, None)]))
        entries.sort(key=lambda e: e.on)
        for entry in entries:
            self.books.book_entry(code, entry.on, [(a, amt) for a, amt, _ in entry.lines])
        return entries

    def cash_deposit(self, spec: DivisionSpec, month: Month) -> ManualEntry | None:
        """Cash received at the counter goes to the bank on the month's last business day."""
        last = last_business_day(month)
        received = self.books.cash_receipts.get((spec.code, month.year, month.month), Decimal(0))
        if last is None or not received:
            return None
        entry = ManualEntry(spec.code, "BNK", last, "Cash deposited at the bank",
                            [("1100", received, None), ("1000", -received, None)])
        self.books.book_entry(spec.code, last, [(a, amt) for a, amt, _ in entry.lines])
        return entry

    def _payroll(
        self, spec: DivisionSpec, month: Month, wage_base: Decimal, state: DivisionState,
        rng: random.Random,
    ) -> list[ManualEntry]:
        code = spec.code
        entries: list[ManualEntry] = []
        if state.social_charges_due and month.day(20) <= month.last:
            due = state.social_charges_due
            entries.append(ManualEntry(code, "BNK", month.day(20), "Social charges paid",
                                       [("1700", due, None), ("1100", -due, None)]))
            state.social_charges_due = Decimal(0)
        payday = month.day(24)
        if payday > month.last:
            return entries
        share = HOLDING_WAGE_SHARE if spec.parent is None else WAGE_SHARE
        wages = wage_base * share * Decimal(rng.randint(97, 103)) / 100
        if month.month == 12:
            wages *= DECEMBER_BONUS
        lines: list[tuple[str, Decimal, str | None]] = []
        total_wages = total_social = Decimal(0)
        for centre, part in WAGE_SPLIT:
            wage = money(wages * part)
            social = money(wage * SOCIAL_CHARGES)
            lines += [("4000", wage, centre), ("4100", social, centre)]
            total_wages += wage
            total_social += social
        lines.append(("1700", -(total_wages + total_social), None))
        entries.append(ManualEntry(code, "MEM", payday, f"Payroll {month.year}-{month.month:02d}",
                                   lines))
        payment_day = month.day(25)
        if payment_day <= month.last:  # else the wages are still owed at the end date
            entries.append(ManualEntry(code, "BNK", payment_day, "Net wages paid",
                                       [("1700", total_wages, None), ("1100", -total_wages, None)]))
        state.social_charges_due += total_social
        return entries

    def _vat_return(self, spec: DivisionSpec, month: Month) -> list[ManualEntry]:
        """The previous quarter's VAT, settled on the 25th of the quarter's next month."""
        on = month.day(25)
        if not spec.charges_vat or month.month not in (1, 4, 7, 10) or on > month.last:
            return []
        year, quarter = (month.year - 1, 4) if month.month == 1 else (month.year, month.month // 3)
        output, input_vat = self.books.vat_due(spec.code, year, quarter)
        net = output - input_vat
        lines: list[tuple[str, Decimal, str | None]] = []
        if output:
            lines.append(("1650", output, None))
        if input_vat:
            lines.append(("1500", -input_vat, None))
        if net:
            lines.append(("1100", -net, None))
        if len(lines) < 2:
            return []
        return [ManualEntry(spec.code, "BNK", on, f"VAT return {year} Q{quarter}", lines)]
