"""Alembic environment: migrates the database named by ERP_DATABASE_URL (or -x url=...)."""

from __future__ import annotations

from alembic import context

from transactional.database import make_engine
from transactional.schema import metadata

config = context.config


def run_migrations_online() -> None:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    connectable = config.attributes.get("connection")
    if connectable is not None:
        _run(connectable)
        return
    engine = make_engine(url)
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _include(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    # Tables made by hand in a migration, outside the models (see 0006).
    return not (type_ == "table" and name in UNMODELLED_TABLES)


UNMODELLED_TABLES = {"master_data_version"}


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_include,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
