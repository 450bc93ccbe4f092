"""Run the Alembic migrations programmatically (``erp db upgrade`` and the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from transactional import settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    url = settings.normalise_url(url) if url else settings.database_url()
    # Alembic's options go through configparser, whose interpolation reads "%" as the
    # start of "%(name)s": a percent-encoded password ("p%40ss") must be written "%%".
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the database at ``url`` to the latest schema."""
    command.upgrade(alembic_config(url), revision)


def revision(message: str, url: str) -> None:
    """Autogenerate a new migration by comparing ``url`` with the models (developers)."""
    command.revision(alembic_config(url), message=message, autogenerate=True)
