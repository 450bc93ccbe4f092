"""Database URLs as users write them: ``postgres://`` and a percent-encoded password.

``postgres://`` is what many hosts hand out, but SQLAlchemy knows no "postgres" dialect;
an encoded password (``p%40ss`` for ``p@ss``) broke ``alembic_config``, whose options go
through configparser interpolation. The server here trusts every local login, so a wrong
password would connect too: the tests prove the URL reaches the server unchanged (the user
it names, the password decoded exactly once) rather than the password check.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url, text

from tests.conftest import PG_ADMIN_URL, create_pg_database, drop_pg_database, pg_execute
from transactional import settings
from transactional.database import make_engine
from transactional.migrate import alembic_config, upgrade

PROJECT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("written", "normalised"),
    [
        ("postgres://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgres+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        (
            "POSTGRES://u:p%40ss@h/db?sslmode=require",
            "postgresql+psycopg://u:p%40ss@h/db?sslmode=require",
        ),
        (" postgresql://u@h/db\n", "postgresql+psycopg://u@h/db"),  # pasted with blanks
        ("postgresql+psycopg2://u@h/db", "postgresql+psycopg2://u@h/db"),  # said explicitly
        ("sqlite:////tmp/erp.db", "sqlite:////tmp/erp.db"),
        ("sqlite:///postgres://x.db", "sqlite:///postgres://x.db"),  # only the scheme
    ],
)
def test_urls_are_normalised_to_psycopg(written: str, normalised: str) -> None:
    assert settings.normalise_url(written) == normalised


def test_the_setting_is_normalised(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ERP_DATABASE_URL", "postgres://erp:p%40ss@db.example:5432/erp")
    assert settings.database_url() == "postgresql+psycopg://erp:p%40ss@db.example:5432/erp"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://erp:p%40ss@127.0.0.1:5432/erp",
        "postgresql+psycopg://erp:100%25%20sure@127.0.0.1/erp",
        "sqlite:////tmp/100%/erp.db",
    ],
)
def test_alembic_config_keeps_the_url_unchanged(url: str) -> None:
    assert alembic_config(url).get_main_option("sqlalchemy.url") == url


def test_alembic_config_takes_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ERP_DATABASE_URL", "postgres://erp:p%40ss@127.0.0.1/erp")
    expected = "postgresql+psycopg://erp:p%40ss@127.0.0.1/erp"
    assert alembic_config().get_main_option("sqlalchemy.url") == expected


def test_the_extract_hands_libpq_the_password_encoded_once() -> None:
    from ingestion.extract_load import _libpq_uri

    uri = _libpq_uri("postgresql+psycopg://erp:p%40ss%25@127.0.0.1:5432/erp?sslmode=disable")
    assert uri == "postgresql://erp:p%40ss%25@127.0.0.1:5432/erp?sslmode=disable"
    assert make_url(uri).password == "p@ss%"


@pytest.fixture
def role_with_password() -> Iterator[str]:
    """A login role with password 'p@ss' owning a fresh database: the URL to reach it as
    users write it (``postgres://``, the '@' percent-encoded)."""
    role = f"erp_pw_{uuid.uuid4().hex[:8]}"
    pg_execute(f"CREATE ROLE {role} LOGIN PASSWORD 'p@ss'")
    database = create_pg_database()
    pg_execute(f'ALTER DATABASE "{database}" OWNER TO {role}')
    host = make_url(PG_ADMIN_URL)
    try:
        yield f"postgres://{role}:p%40ss@{host.host}:{host.port or 5432}/{database}"
    finally:
        from transactional.database import engine_for

        engine_for.cache_clear()
        drop_pg_database(database)
        pg_execute(f"DROP ROLE IF EXISTS {role}")


@pytest.mark.postgres
def test_upgrade_and_extract_through_an_encoded_password(
    role_with_password: str, tmp_path: Path
) -> None:
    from ingestion.extract_load import extract_load

    url = role_with_password
    role = make_url(settings.normalise_url(url)).username
    # As a user runs it: the URL in the environment, `erp db upgrade`.
    result = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "db", "upgrade"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "ERP_DATABASE_URL": url},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "p@ss" not in result.stdout and "p%40ss" not in result.stdout  # not shown
    upgrade(url)  # and through the API: already at head, nothing to do
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("select current_user")).scalar() == role
            owner = connection.execute(
                text("select tableowner from pg_tables where tablename = 'journal_line'")
            ).scalar()
            assert owner == role  # the migrations ran as the URL's user
    finally:
        engine.dispose()
    counts = extract_load(url, tmp_path / "warehouse.duckdb")
    assert counts["account"] == 0 and "journal_line" in counts
