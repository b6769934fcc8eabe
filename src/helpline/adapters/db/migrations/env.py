"""Alembic environment: uses the connection handed over by ``helpline.adapters.db.migrate``,
or opens one from ``attributes['database_url']`` (e.g. for ``alembic`` run by hand)."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from helpline.adapters.db import tables  # noqa: F401  (registers every table on Base.metadata)
from helpline.adapters.db.base import Base
from helpline.adapters.db.engine import make_sync_engine
from helpline.adapters.db.fulltext import include_object

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_sync_engine(config.attributes["database_url"])
    try:
        with engine.begin() as new_connection:
            _run(new_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported")
run_migrations_online()
