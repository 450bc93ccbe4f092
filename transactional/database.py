"""Engines and sessions for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.orm import sessionmaker
from sqlmodel import Session

from transactional import settings
from transactional.sqlite_writer_queue import QueuedWriterConnection


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine with the settings the ledger rules rely on."""
    url = settings.normalise_url(url) if url else settings.database_url()
    if url.startswith("sqlite"):
        connect_args: dict[str, Any] = {"check_same_thread": False, "timeout": 60}
        if sqlite_file(make_url(url)) is not None:
            # Writers queue on <database>.write-lock instead of SQLite's busy handler,
            # whose back-off leaves the lock idle between clerks (sqlite_writer_queue).
            connect_args["factory"] = QueuedWriterConnection
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    # pool_pre_ping costs one round trip per transaction (~7% of a one-entry posting on
    # PostgreSQL, docs/performance-posting.md) and is kept: the dashboards are a
    # long-running process, and after a database restart a clerk's next save must go
    # through, not fail on a connection the server dropped while it sat in the pool.
    # pool_recycle also renews connections older than 30 minutes, before idle timeouts of
    # the server, a proxy or a firewall drop them. Tested in
    # tests/transactional/test_posting_round_trips.py.
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_recycle", 1800)
    return create_engine(url, **kwargs)


def sqlite_file(url: URL) -> str | None:
    """The file of an SQLite URL, or None: in-memory databases and URI file names."""
    database = url.database or ""
    if (
        database in ("", ":memory:")
        or url.query.get("mode") == "memory"
        or database.startswith("file:")
    ):
        return None
    return database


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (below) instead of pysqlite's lazy BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # Take the write lock at the start: numbering reads-then-writes must not interleave,
        # and an upgrade from a read lock can deadlock under concurrent clerks.
        dbapi_connection = connection.connection.dbapi_connection
        if isinstance(dbapi_connection, QueuedWriterConnection):
            dbapi_connection.queue_for_write()
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            if isinstance(dbapi_connection, QueuedWriterConnection):
                dbapi_connection.leave_queue()
            raise


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """One engine (and pool) per URL for the process."""
    return make_engine(url)


def default_engine() -> Engine:
    return engine_for(settings.database_url())


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session committed on success and rolled back on any error."""
    factory = sessionmaker(bind=engine or default_engine(), class_=Session, expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
