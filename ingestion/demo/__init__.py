"""The deterministic demo-company generator.

``generate(database_url, seed=42, scale=0.05, end_date=date(2026, 10, 31))`` fills an
empty, migrated database with the Noordwind group (a Dutch holding, a Dutch trading
company, a US and a UK subsidiary, and a Dutch manufacturer) and about ``scale`` million
journal lines of activity over three fiscal years, all posted through the transactional
services, and returns the generator's own :class:`ControlTotals`.

Modules, by business thing: ``company`` (divisions, users, ledger set-up), ``relations``
(customers, suppliers, intercompany), ``rates`` (daily exchange rates), ``volumes`` and
``timeline`` (how much, when), ``sales``, ``purchases``, ``intercompany``,
``settlement`` (who pays when), ``recurring`` (the accountant's monthly entries),
``group`` (group chart, structure with acquisitions, investments and dividends),
``manufacturing`` (MF01: BOMs, routings, cost roll-up, production orders and their trade),
``books`` (the generator's own bookkeeping), ``activity`` (posting a month) and
``generator`` (the whole run).
"""

from ingestion.demo.control_totals import ControlTotals, read_control_totals, write_control_totals
from ingestion.demo.generator import generate

__all__ = ["ControlTotals", "generate", "read_control_totals", "write_control_totals"]
