"""The deterministic demo-company generator.

``generate(database_url, seed=42, scale=0.05, end_date=date(2026, 10, 31))`` fills an
empty, migrated database with a group of four divisions and about ``scale`` million
journal lines of activity, all posted through the transactional services, and returns
the generator's own :class:`ControlTotals`.
"""

from ingestion.demo.control_totals import ControlTotals, read_control_totals, write_control_totals
from ingestion.demo.generator import generate

__all__ = ["ControlTotals", "generate", "read_control_totals", "write_control_totals"]
