"""Configuration by environment, shared by the services, dagster, dbt and the dashboards.

Only two settings exist, both optional for the embedded default:
- ``ERP_DATABASE_URL``: the transactional store (default: SQLite file ``data/erp.db``).
- ``ERP_WAREHOUSE_DIR``: where dagster builds and publishes the DuckDB warehouse
  (default: ``data/warehouse``).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"


def database_url() -> str:
    """The transactional database URL (SQLAlchemy form)."""
    url = os.environ.get("ERP_DATABASE_URL")
    if url:
        return url
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DATA_DIR / 'erp.db'}"


def warehouse_dir() -> Path:
    """The folder holding the working warehouse and its published copies."""
    path = Path(os.environ.get("ERP_WAREHOUSE_DIR", str(DATA_DIR / "warehouse"))).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path
