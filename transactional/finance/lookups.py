"""Resolving what a clerk types (codes, dates) into ledger records, with clear errors.

One ``Lookups`` lives for one service call (or one batch), caching master data so a
batch of thousands of entries does not re-read the chart for every line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import or_
from sqlmodel import Session, col, select

from transactional.audit import set_actor
from transactional.errors import N_, ValidationError
from transactional.finance import posting_roles
from transactional.finance.document_rates import DocumentRates
from transactional.finance.master_data import MasterData
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
from transactional.organisation import rights
from transactional.organisation.models import Currency, Division, ExchangeRate, User
from transactional.relations.models import Relation

# What Lookups._by_code finds: a division's records known by code.
_ByCode = TypeVar("_ByCode", Journal, Relation, CostCentre, CostUnit)


@dataclass(frozen=True)
class _PeriodInYear:
    """A period with its fiscal year, as the posting-date rule (open_period_on) reads it."""

    period: Period
    fiscal_year: FiscalYear

    @property
    def start_date(self) -> date:
        return self.period.start_date

    @property
    def end_date(self) -> date:
        return self.period.end_date

    @property
    def number(self) -> int:
        return self.period.number

    @property
    def status(self) -> str:
        return self.period.status

    @property
    def year(self) -> int:
        return self.fiscal_year.year

    @property
    def year_status(self) -> str:
        return self.fiscal_year.status


class Lookups(DocumentRates):
    """Cached resolution of codes to records within one service call."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._divisions: dict[object, Division] = {}
        self._accounts: dict[tuple[int, str], Account] = {}
        self._accounts_by_id: dict[int, Account] = {}
        self._journals: dict[tuple[int, str], Journal] = {}
        self._periods: dict[int, list[_PeriodInYear]] = {}
        self._currencies: dict[str, Currency] = {}
        self._rates: dict[tuple[str, date], Decimal] = {}
        self._relations: dict[tuple[int, str], Relation] = {}
        self._relations_by_id: dict[int, Relation] = {}
        self._by_role: dict[tuple[int, str], Account] = {}
        self._allowed: set[tuple[int | None, str, int]] = set()
        self._vat: dict[str, VatCode] = {}
        self._centres: dict[tuple[int, str], CostCentre] = {}
        self._units: dict[tuple[int, str], CostUnit] = {}
        self._master: MasterData | None = None

    def master(self) -> MasterData:
        """The posting's master-data copy (``transactional.finance.master_data``), read
        on first use: codes resolve without a query, records come from the session."""
        if self._master is None:
            self._master = MasterData(self.session)
        return self._master

    def require(self, user: User, action: str, division_id: int) -> None:
        """``rights.require``, checked once per user, action and division in this batch.

        A batch is one transaction, so the answer cannot change within it; without this a
        batch of thousands of documents re-reads the user's divisions for every one.
        """
        key = (user.id, action, division_id)
        if key in self._allowed:
            assert user.id is not None
            set_actor(self.session, user.id)
            return
        master = self.master()
        rights.require(
            self.session,
            user,
            action,
            division_id,
            scope=lambda: None if user.role == "admin" else master.division_scope(user.id),
        )
        self._allowed.add(key)

    def division(self, ref: int | str) -> Division:
        if ref in self._divisions:
            return self._divisions[ref]
        found = self.session.get(Division, self.master().division(ref).id)
        if found is None:  # pragma: no cover - the copy is as current as a query
            raise ValidationError(N_("Division '{ref}' does not exist."), field="division", ref=ref)
        self._divisions[ref] = found
        return found

    def account(self, division: Division, ref: int | str, *, field: str = "account") -> Account:
        assert division.id is not None
        if isinstance(ref, int):
            acc = self._accounts_by_id.get(ref) or self.session.get(Account, ref)
            if acc is None or acc.division_id not in (None, division.id):
                raise ValidationError(N_("Account id {ref} does not exist."), field=field, ref=ref)
        else:
            code = str(ref or "").strip()
            if not code:
                raise ValidationError(N_("Account is required."), field=field)
            key = (division.id, code)
            acc = self._accounts.get(key)
            if acc is None:
                rows = list(
                    self.session.exec(
                        select(Account).where(
                            Account.code == code,
                            or_(
                                col(Account.division_id) == division.id,
                                col(Account.division_id).is_(None),
                            ),
                        )
                    ).all()
                )
                # A division's own account overrides the shared one with the same code.
                rows.sort(key=lambda a: a.division_id is None)
                if not rows:
                    raise ValidationError(
                        N_("Account {code} does not exist in division {division}."),
                        field=field,
                        code=code,
                        division=division.code,
                    )
                acc = rows[0]
                self._accounts[key] = acc
        if not acc.is_active:
            raise ValidationError(
                N_("Account {account} ({account_name}) is blocked."),
                field=field,
                account=acc.code,
                account_name=acc.name,
            )
        assert acc.id is not None
        self._accounts_by_id[acc.id] = acc
        return acc

    def account_for_role(self, division: Division, role: str) -> Account:
        """The division's account for a posting role (``posting_roles.account_for_role``)."""
        assert division.id is not None
        key = (division.id, role)
        if key in self._by_role:
            return self._by_role[key]
        # The answer depends on the chart only: kept with the master-data copy.
        known = self.master().memo("account_for_role")
        found = self.session.get(Account, known[key]) if key in known else None
        if found is None:
            found = posting_roles.account_for_role(self.session, division.id, role)
            known[key] = found.id
        self._by_role[key] = found
        return found

    def journal(self, division: Division, code: str, *, types: tuple[str, ...] = ()) -> Journal:
        assert division.id is not None
        code = str(code or "").strip()
        if not code:
            raise ValidationError(N_("Journal is required."), field="journal")
        jr = self._by_code(self._journals, Journal, "Journal", division, code, field="journal")
        if types and jr.journal_type not in types:
            raise ValidationError(
                N_("Journal {code} is a {journal_type} journal; use a {types} journal here."),
                field="journal",
                code=code,
                journal_type=jr.journal_type,
                types=" or ".join(types),
            )
        return jr

    def first_journal(self, division: Division, journal_type: str) -> Journal:
        jr = self.session.exec(
            select(Journal)
            .where(Journal.division_id == division.id, Journal.journal_type == journal_type)
            .order_by(Journal.code)
        ).first()
        if jr is None:
            raise ValidationError(
                N_("Division {division} has no {journal_type} journal."),
                field="journal",
                division=division.code,
                journal_type=journal_type,
            )
        return jr

    def period(
        self, division: Division, on: date, *, field: str = "date"
    ) -> tuple[Period, FiscalYear]:
        assert division.id is not None
        periods = self._periods.get(division.id)
        if periods is None:
            rows = self.session.exec(
                select(Period, FiscalYear)
                .join(FiscalYear, col(Period.fiscal_year_id) == FiscalYear.id)
                .where(Period.division_id == division.id)
            ).all()
            periods = [_PeriodInYear(p, fy) for p, fy in rows]
            self._periods[division.id] = periods
        found = open_period_on(division.code, on, periods, field=field)
        return found.period, found.fiscal_year

    def currency(self, code: str | None, *, field: str = "currency") -> Currency:
        code = str(code or "").strip().upper()
        cur = self._currencies.get(code)
        if cur is None:
            cur = self.session.get(Currency, code)
            if cur is None:
                raise ValidationError(N_("Currency '{code}' is not known."), field=field, code=code)
            self._currencies[code] = cur
        return cur

    def _reference_rate(self, currency: str, on: date, field: str) -> Decimal:
        key = (currency, on)
        if key in self._rates:
            return self._rates[key]
        value: Decimal | None = self.session.exec(
            select(col(ExchangeRate.rate))
            .where(ExchangeRate.currency_code == currency, ExchangeRate.rate_date <= on)
            .order_by(col(ExchangeRate.rate_date).desc())
            .limit(1)
        ).first()
        if value is None:
            # The reference currency itself has no rows: it is worth 1 by definition.
            has_any = self.session.exec(
                select(ExchangeRate.id).where(ExchangeRate.currency_code == currency).limit(1)
            ).first()
            if has_any is None and currency == reference_currency(self.session):
                value = Decimal(1)
            else:
                raise ValidationError(
                    N_("No exchange rate for {currency} on or before {date}."),
                    field=field,
                    currency=currency,
                    date=on.isoformat(),
                )
        self._rates[key] = value
        return value

    def relation(self, division: Division, ref: int | str, *, field: str = "relation") -> Relation:
        assert division.id is not None
        if isinstance(ref, int):
            rel = self._relations_by_id.get(ref) or self.session.get(Relation, ref)
            if rel is None or rel.division_id != division.id:
                raise ValidationError(
                    N_("Relation id {ref} does not exist in division {division}."),
                    field=field,
                    ref=ref,
                    division=division.code,
                )
            self._relations_by_id[ref] = rel
            return rel
        code = str(ref or "").strip()
        if not code:
            raise ValidationError(N_("Customer or supplier is required."), field=field)
        return self._by_code(self._relations, Relation, "Relation", division, code, field=field)

    def vat_code(self, code: str, *, field: str = "vat_code") -> VatCode:
        code = str(code).strip()
        vat = self._vat.get(code)
        if vat is None:
            vat = self.session.exec(select(VatCode).where(VatCode.code == code)).first()
            if vat is None:
                raise ValidationError(N_("VAT code {code} does not exist."), field=field, code=code)
            self._vat[code] = vat
        return vat

    def cost_centre(
        self, division: Division, code: str, *, field: str = "cost_centre"
    ) -> CostCentre:
        return self._by_code(
            self._centres, CostCentre, "Cost centre", division, str(code).strip(), field=field
        )

    def cost_unit(self, division: Division, code: str, *, field: str = "cost_unit") -> CostUnit:
        return self._by_code(
            self._units, CostUnit, "Cost unit", division, str(code).strip(), field=field
        )

    def _by_code(
        self,
        cache: dict[tuple[int, str], _ByCode],
        model: type[_ByCode],
        label: str,
        division: Division,
        code: str,
        *,
        field: str,
    ) -> _ByCode:
        """A division's journal, relation, cost centre or cost unit by its code, read once
        per batch (``cache``) and refused in one wording when the division has none."""
        assert division.id is not None
        key = (division.id, code)
        found = cache.get(key)
        if found is None:
            found = self.session.exec(
                select(model).where(model.division_id == division.id, model.code == code)
            ).first()
            if found is None:
                raise ValidationError(
                    N_("{label} {code} does not exist in division {division}."),
                    field=field,
                    label=label,
                    code=code,
                    division=division.code,
                )
            cache[key] = found
        return found


def reference_currency(session: Session) -> str:
    """The currency rates are quoted against: the top division's (the group's) currency."""
    top = session.exec(
        select(Division.currency_code)
        .where(col(Division.parent_id).is_(None))
        .order_by(col(Division.id))
    ).first()
    return top or "EUR"
