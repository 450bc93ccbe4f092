"""Configuration by environment, shared by the services, dagster, dbt and the dashboards.

Only two settings exist, both optional for the embedded default:
- ``ERP_DATABASE_URL``: the transactional store (default: SQLite file ``data/erp.db``).
  PostgreSQL may be written ``postgresql+psycopg://``, ``postgresql://`` or ``postgres://``
  (the form Heroku-style hosts hand out); all mean the psycopg 3 driver.
- ``ERP_WAREHOUSE_DIR``: where dagster builds and publishes the DuckDB warehouse
  (default: ``data/warehouse``). Everything derived lives under it: the build and
  published files, the refresh's and dbt's logs (``logs/``), the demo's control totals
  and, unless ``DAGSTER_HOME`` names another, the dagster instance (``dagster_home/``).
- ``ERP_WAREHOUSE_ENGINE``: which engine builds the marts, ``duckdb`` (default, in
  process) or ``spark`` (dbt-spark; docs/spark.md). The dashboards read DuckDB either way.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"


# The PostgreSQL schemes users write: SQLAlchemy knows no "postgres" dialect, and a plain
# "postgresql://" would pick psycopg2, which is not installed.
_POSTGRES_SCHEME = re.compile(r"^postgres(?:ql)?(?:\+psycopg)?://", re.IGNORECASE)


def normalise_url(url: str) -> str:
    """``url`` in the one SQLAlchemy form the code expects (PostgreSQL through psycopg 3).

    Only the scheme changes: the rest, percent-encoded user and password included, is kept
    byte for byte.
    """
    return _POSTGRES_SCHEME.sub("postgresql+psycopg://", url.strip(), count=1)


def database_url() -> str:
    """The transactional database URL (SQLAlchemy form)."""
    url = os.environ.get("ERP_DATABASE_URL")
    if url and url.strip():
        return normalise_url(url)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DATA_DIR / 'erp.db'}"


def warehouse_dir() -> Path:
    """The folder holding the working warehouse and its published copies."""
    path = Path(os.environ.get("ERP_WAREHOUSE_DIR", str(DATA_DIR / "warehouse"))).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def logs_dir() -> Path:
    """Log files of the refresh and of dbt: ``<ERP_WAREHOUSE_DIR>/logs``."""
    path = warehouse_dir() / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def control_totals_path() -> Path:
    """Where ``erp generate`` saves the demo's control totals (beside the warehouse that
    is checked against them)."""
    return warehouse_dir() / "control_totals.json"


def dagster_home() -> Path:
    """The dagster instance's folder: ``DAGSTER_HOME``, else
    ``<ERP_WAREHOUSE_DIR>/dagster_home``."""
    configured = os.environ.get("DAGSTER_HOME", "").strip()
    return Path(configured).resolve() if configured else warehouse_dir() / "dagster_home"


DEFAULT_SESSION_IDLE_HOURS = 8.0


def session_idle_hours() -> float:
    """How long a dashboards session lasts without a click before the user signs in again
    (``ERP_SESSION_IDLE_HOURS``, default 8)."""
    raw = os.environ.get("ERP_SESSION_IDLE_HOURS", "").strip()
    if not raw:
        return DEFAULT_SESSION_IDLE_HOURS
    try:
        hours = float(raw)
    except ValueError:
        raise ValueError(f"ERP_SESSION_IDLE_HOURS must be a number of hours, not {raw!r}") from None
    if hours <= 0:
        raise ValueError(f"ERP_SESSION_IDLE_HOURS must be more than 0, not {raw!r}")
    return hours


ENGINES = ("duckdb", "spark")


def warehouse_engine() -> str:
    """The engine that builds the marts: ``ERP_WAREHOUSE_ENGINE`` (duckdb or spark)."""
    value = (os.environ.get("ERP_WAREHOUSE_ENGINE") or "duckdb").strip().lower()
    if value not in ENGINES:
        raise ValueError(
            f"ERP_WAREHOUSE_ENGINE is {value!r}; it must be one of: {', '.join(ENGINES)}."
        )
    return value


def spark_dir() -> Path:
    """Spark's working folder: ``<ERP_WAREHOUSE_DIR>/spark`` (raw Parquet files, the
    tables' files, the metastore). Absolute: Derby's metastore path must be."""
    path = warehouse_dir() / "spark"
    path.mkdir(parents=True, exist_ok=True)
    return path
