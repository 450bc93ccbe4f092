"""What the generator believes it posted, kept from its own bookkeeping.

Tests and the pipeline's reconciliations compare these figures with the ledger and the
marts: a mismatch means a service, an extract or a model lost or changed something.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any


@dataclass
class ControlTotals:
    """Figures per division code (and fiscal year), in the division's base currency.

    ``revenue``: credits to revenue accounts (8000/8100), positive. ``costs``: net debits
    to every P&L expense class (cost of sales, expenses, other expenses incl. exchange
    differences, tax), positive. Open items are the base amounts still open at the end.
    """

    seed: int
    scale: float
    end_date: date
    revenue: dict[str, dict[int, Decimal]] = field(default_factory=dict)
    costs: dict[str, dict[int, Decimal]] = field(default_factory=dict)
    open_receivables: dict[str, Decimal] = field(default_factory=dict)
    open_payables: dict[str, Decimal] = field(default_factory=dict)
    journal_lines: int = 0
    journal_entries: int = 0
    invoices: int = 0
    payments: int = 0
    # Wholesale (trading divisions only), per division and year: revenue billed on item
    # lines (credit notes negative), cost of sales posted by deliveries less customer
    # returns, and document counts (orders, deliveries, returns, receipts); the stock
    # value per division at the end.
    wholesale_revenue: dict[str, dict[int, Decimal]] = field(default_factory=dict)
    wholesale_cost_of_sales: dict[str, dict[int, Decimal]] = field(default_factory=dict)
    wholesale_documents: dict[str, dict[int, dict[str, int]]] = field(default_factory=dict)
    closing_stock: dict[str, Decimal] = field(default_factory=dict)
    # Budget versions and their lines (every division and year).
    budget_versions: int = 0
    budget_lines: int = 0
    # Manufacturing (MF01), per division and year: production orders closed, units
    # completed per item code, actual cost into work in progress (material issued, hours,
    # outsourced work, overhead absorbed), variances posted at close per variance account
    # (material, labour, machine; debit positive); the WIP per division at the end.
    production_orders_closed: dict[str, dict[int, int]] = field(default_factory=dict)
    production_output: dict[str, dict[int, dict[str, Decimal]]] = field(default_factory=dict)
    production_cost: dict[str, dict[int, Decimal]] = field(default_factory=dict)
    production_variances: dict[str, dict[int, dict[str, Decimal]]] = field(
        default_factory=dict
    )
    closing_wip: dict[str, Decimal] = field(default_factory=dict)

    def to_json(self) -> str:
        def per_year(d: dict[str, dict[int, Decimal]]) -> dict[str, dict[str, str]]:
            return {div: {str(y): str(v) for y, v in years.items()} for div, years in d.items()}

        def per_year_kinds(
            d: dict[str, dict[int, dict[str, Decimal]]],
        ) -> dict[str, dict[str, dict[str, str]]]:
            return {
                div: {str(y): {k: str(v) for k, v in kinds.items()} for y, kinds in ys.items()}
                for div, ys in d.items()
            }

        return json.dumps(
            {
                "seed": self.seed,
                "scale": self.scale,
                "end_date": self.end_date.isoformat(),
                "revenue": per_year(self.revenue),
                "costs": per_year(self.costs),
                "open_receivables": {k: str(v) for k, v in self.open_receivables.items()},
                "open_payables": {k: str(v) for k, v in self.open_payables.items()},
                "journal_lines": self.journal_lines,
                "journal_entries": self.journal_entries,
                "invoices": self.invoices,
                "payments": self.payments,
                "wholesale_revenue": per_year(self.wholesale_revenue),
                "wholesale_cost_of_sales": per_year(self.wholesale_cost_of_sales),
                "wholesale_documents": {
                    div: {str(y): dict(kinds) for y, kinds in years.items()}
                    for div, years in self.wholesale_documents.items()
                },
                "closing_stock": {k: str(v) for k, v in self.closing_stock.items()},
                "budget_versions": self.budget_versions,
                "budget_lines": self.budget_lines,
                "production_orders_closed": {
                    div: {str(y): n for y, n in years.items()}
                    for div, years in self.production_orders_closed.items()
                },
                "production_output": per_year_kinds(self.production_output),
                "production_cost": per_year(self.production_cost),
                "production_variances": per_year_kinds(self.production_variances),
                "closing_wip": {k: str(v) for k, v in self.closing_wip.items()},
            },
            indent=2,
        )

    @classmethod
    def from_json(cls, text: str) -> ControlTotals:
        raw: dict[str, Any] = json.loads(text)

        def per_year(d: dict[str, dict[str, str]]) -> dict[str, dict[int, Decimal]]:
            return {div: {int(y): Decimal(v) for y, v in ys.items()} for div, ys in d.items()}

        def per_year_kinds(
            d: dict[str, dict[str, dict[str, str]]],
        ) -> dict[str, dict[int, dict[str, Decimal]]]:
            return {
                div: {int(y): {k: Decimal(v) for k, v in kinds.items()} for y, kinds in ys.items()}
                for div, ys in d.items()
            }

        return cls(
            seed=int(raw["seed"]),
            scale=float(raw["scale"]),
            end_date=date.fromisoformat(raw["end_date"]),
            revenue=per_year(raw["revenue"]),
            costs=per_year(raw["costs"]),
            open_receivables={k: Decimal(v) for k, v in raw["open_receivables"].items()},
            open_payables={k: Decimal(v) for k, v in raw["open_payables"].items()},
            journal_lines=int(raw["journal_lines"]),
            journal_entries=int(raw["journal_entries"]),
            invoices=int(raw.get("invoices", 0)),
            payments=int(raw.get("payments", 0)),
            wholesale_revenue=per_year(raw.get("wholesale_revenue", {})),
            wholesale_cost_of_sales=per_year(raw.get("wholesale_cost_of_sales", {})),
            wholesale_documents={
                div: {int(y): {k: int(n) for k, n in kinds.items()} for y, kinds in ys.items()}
                for div, ys in raw.get("wholesale_documents", {}).items()
            },
            closing_stock={k: Decimal(v) for k, v in raw.get("closing_stock", {}).items()},
            budget_versions=int(raw.get("budget_versions", 0)),
            budget_lines=int(raw.get("budget_lines", 0)),
            production_orders_closed={
                div: {int(y): int(n) for y, n in ys.items()}
                for div, ys in raw.get("production_orders_closed", {}).items()
            },
            production_output=per_year_kinds(raw.get("production_output", {})),
            production_cost=per_year(raw.get("production_cost", {})),
            production_variances=per_year_kinds(raw.get("production_variances", {})),
            closing_wip={k: Decimal(v) for k, v in raw.get("closing_wip", {}).items()},
        )

    def table(self) -> str:
        """A plain-text table for the console."""
        years = sorted({y for d in self.revenue.values() for y in d})
        head = f"{'division':<9}{'figure':<10}" + "".join(f"{y:>16}" for y in years)
        rows = [head, "-" * len(head)]
        for div in self.revenue:
            for label, figures in (("revenue", self.revenue), ("costs", self.costs)):
                values = figures.get(div, {})
                rows.append(f"{div:<9}{label:<10}"
                            + "".join(f"{values.get(y, Decimal(0)):>16,.2f}" for y in years))
        rows.append("")
        rows.append(f"{'division':<9}{'open receivables':>20}{'open payables':>20}")
        for div in self.open_receivables:
            rows.append(f"{div:<9}{self.open_receivables[div]:>20,.2f}"
                        f"{self.open_payables.get(div, Decimal(0)):>20,.2f}")
        rows.append("")
        rows.append(f"journal entries {self.journal_entries:,}"
                    f"  journal lines {self.journal_lines:,}  invoices {self.invoices:,}"
                    f"  payments {self.payments:,}")
        if self.budget_versions:
            rows.append(f"budget versions {self.budget_versions:,}"
                        f"  budget lines {self.budget_lines:,}")
        if self.wholesale_revenue:
            rows.append("")
            rows.append(f"{'wholesale':<10}{'figure':<10}" + "".join(f"{y:>15}" for y in years))
            rows.append("-" * len(head))
            for div in self.wholesale_revenue:
                for label, figures in (("revenue", self.wholesale_revenue),
                                       ("cost", self.wholesale_cost_of_sales)):
                    values = figures.get(div, {})
                    rows.append(f"{div:<9}{label:<10}"
                                + "".join(f"{values.get(y, Decimal(0)):>16,.2f}" for y in years))
                docs = self.wholesale_documents.get(div, {})
                for kind in ("orders", "deliveries", "returns", "receipts"):
                    rows.append(f"{div:<9}{kind:<10}"
                                + "".join(f"{docs.get(y, {}).get(kind, 0):>16,}" for y in years))
                stock = self.closing_stock.get(div, Decimal(0))
                rows.append(f"{div:<9}{'stock':<10}{stock:>16,.2f}  (closing stock value)")
        if self.production_cost:
            rows.append("")
            rows.append(f"{'production':<19}" + "".join(f"{y:>16}" for y in years))
            rows.append("-" * len(head))
            for div in self.production_cost:
                closed = self.production_orders_closed.get(div, {})
                rows.append(f"{div:<9}{'closed':<10}"
                            + "".join(f"{closed.get(y, 0):>16,}" for y in years))
                cost = self.production_cost[div]
                rows.append(f"{div:<9}{'cost':<10}"
                            + "".join(f"{cost.get(y, Decimal(0)):>16,.2f}" for y in years))
                variances = self.production_variances.get(div, {})
                for kind in ("material", "labour", "machine"):
                    rows.append(f"{div:<9}{kind[:9]:<10}" + "".join(
                        f"{variances.get(y, {}).get(kind, Decimal(0)):>16,.2f}" for y in years))
                wip = self.closing_wip.get(div, Decimal(0))
                rows.append(f"{div:<9}{'wip':<10}{wip:>16,.2f}  (closing work in progress)")
        rows.append(f"seed {self.seed}  scale {self.scale}  end date {self.end_date.isoformat()}")
        return "\n".join(rows)

    def __str__(self) -> str:
        return self.table()


def write_control_totals(totals: ControlTotals, path: str | Path) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(totals.to_json() + "\n", encoding="utf-8")
    return target


def read_control_totals(path: str | Path) -> ControlTotals:
    return ControlTotals.from_json(Path(path).read_text(encoding="utf-8"))
