"""Master data for the clerk forms' dropdowns, read from the transactional database.

Read-only: plain SQLModel selects, never a write and never a commit. On SQLite the
ledger's engine starts every transaction with ``BEGIN IMMEDIATE`` (the write lock, for
gap-free numbering); dropdown reads must not queue behind clerks posting, so they use an
engine without that hook. PostgreSQL reads through the ledger's own engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import Engine, create_engine, or_
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlmodel import Session, col, select

from transactional import settings
from transactional.database import engine_for
from transactional.finance.models import (
    Account,
    CostCentre,
    CostUnit,
    Invoice,
    Journal,
    VatCode,
)
from transactional.finance.payments import open_amounts
from transactional.organisation.models import Division, User
from transactional.relations.models import Relation


@lru_cache(maxsize=8)
def _read_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        return create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
    return engine_for(url)


class LedgerUnavailable(Exception):
    """The transactional database cannot be read (missing, or not migrated yet)."""


@contextmanager
def _reading() -> Iterator[Session]:
    with Session(_read_engine(settings.database_url())) as session:
        try:
            yield session
        except (OperationalError, ProgrammingError) as exc:
            raise LedgerUnavailable(
                "The transactional database is not set up yet: run `erp db upgrade` "
                "(and `erp generate` for the demo company)."
            ) from exc
        finally:
            session.rollback()


@dataclass(frozen=True)
class Choice:
    """One dropdown option: the code the service expects and what the clerk reads."""

    code: str
    label: str
    currency_code: str | None = None


@dataclass(frozen=True)
class DivisionChoice:
    id: int
    code: str
    name: str
    currency_code: str

    @property
    def label(self) -> str:
        return f"{self.code} · {self.name} ({self.currency_code})"


@dataclass(frozen=True)
class UserChoice:
    id: int
    username: str
    full_name: str
    role: str


@dataclass(frozen=True)
class OpenInvoice:
    """An invoice of one relation with an amount still open (invoice currency and base)."""

    id: int
    document_number: str
    invoice_date: date
    due_date: date
    currency_code: str
    amount_incl_vat: Decimal
    open_amount: Decimal
    open_amount_base: Decimal


def users() -> list[UserChoice]:
    """Active users, by id."""
    with _reading() as s:
        rows = s.exec(select(User).where(col(User.is_active)).order_by(col(User.id))).all()
        return [UserChoice(u.id or 0, u.username, u.full_name, u.role) for u in rows]


def divisions() -> list[DivisionChoice]:
    with _reading() as s:
        rows = s.exec(
            select(Division).where(col(Division.is_active)).order_by(col(Division.id))
        ).all()
        return [DivisionChoice(d.id or 0, d.code, d.name, d.currency_code) for d in rows]


def accounts(division_id: int, *, include_control: bool = False) -> list[Choice]:
    """Active accounts usable in the division (shared chart plus its own), by code."""
    with _reading() as s:
        stmt = select(Account).where(
            col(Account.is_active),
            or_(col(Account.division_id) == division_id, col(Account.division_id).is_(None)),
        )
        if not include_control:
            stmt = stmt.where(col(Account.is_control).is_(False))
        rows = s.exec(stmt.order_by(col(Account.code))).all()
        return [Choice(a.code, f"{a.code} · {a.name}") for a in rows]


def journals(division_id: int, types: tuple[str, ...]) -> list[Choice]:
    with _reading() as s:
        rows = s.exec(
            select(Journal)
            .where(Journal.division_id == division_id, col(Journal.journal_type).in_(types))
            .order_by(col(Journal.code))
        ).all()
        return [Choice(j.code, f"{j.code} · {j.name}", j.currency_code) for j in rows]


def relations(division_id: int, relation_types: tuple[str, ...]) -> list[Choice]:
    """Active customers/suppliers of the division (``both`` counts as either)."""
    with _reading() as s:
        rows = s.exec(
            select(Relation)
            .where(
                Relation.division_id == division_id,
                col(Relation.is_active),
                col(Relation.relation_type).in_((*relation_types, "both")),
            )
            .order_by(col(Relation.code))
        ).all()
        return [
            Choice(r.code, f"{r.code} · {r.name} ({r.currency_code})", r.currency_code)
            for r in rows
        ]


def vat_codes(vat_types: tuple[str, ...]) -> list[Choice]:
    with _reading() as s:
        rows = s.exec(
            select(VatCode).where(col(VatCode.vat_type).in_(vat_types)).order_by(col(VatCode.code))
        ).all()
        return [Choice(v.code, f"{v.code} · {v.name}") for v in rows]


def cost_centres(division_id: int) -> list[Choice]:
    with _reading() as s:
        rows = s.exec(
            select(CostCentre)
            .where(CostCentre.division_id == division_id)
            .order_by(col(CostCentre.code))
        ).all()
        return [Choice(c.code, f"{c.code} · {c.name}") for c in rows]


def cost_units(division_id: int) -> list[Choice]:
    with _reading() as s:
        rows = s.exec(
            select(CostUnit).where(CostUnit.division_id == division_id).order_by(col(CostUnit.code))
        ).all()
        return [Choice(c.code, f"{c.code} · {c.name}") for c in rows]


def open_invoices(division_id: int, relation_code: str, invoice_type: str) -> list[OpenInvoice]:
    """The relation's invoices with something still open, oldest due first.

    Open amounts come from the payment service's own ``open_amounts``.
    """
    with _reading() as s:
        invoices = s.exec(
            select(Invoice)
            .join(Relation, col(Relation.id) == Invoice.relation_id)
            .where(
                Invoice.division_id == division_id,
                Relation.code == relation_code,
                Invoice.invoice_type == invoice_type,
            )
            .order_by(col(Invoice.due_date), col(Invoice.id))
        ).all()
        open_by_id = open_amounts(s, [i.id for i in invoices if i.id is not None])
        result = []
        for inv in invoices:
            open_amount, open_base = open_by_id.get(inv.id or 0, (Decimal(0), Decimal(0)))
            if open_amount != 0:
                result.append(
                    OpenInvoice(
                        inv.id or 0,
                        inv.document_number,
                        inv.invoice_date,
                        inv.due_date,
                        inv.currency_code,
                        inv.amount_incl_vat,
                        open_amount,
                        open_base,
                    )
                )
        return result
