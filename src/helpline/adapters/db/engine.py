"""Engines and sessions from a database URL, for SQLite (aiosqlite) and PostgreSQL (psycopg 3).

Operators write plain URLs (``sqlite:///var/helpline.db``, ``postgresql://...``); the async
driver for the app and the sync driver for Alembic are chosen here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import URL, Engine, create_engine, event, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from helpline.adapters.db import sqlite_async

_ASYNC_DRIVERS = {
    "sqlite": f"sqlite+{sqlite_async.DRIVER}",
    "sqlite+pysqlite": f"sqlite+{sqlite_async.DRIVER}",
    "sqlite+aiosqlite": f"sqlite+{sqlite_async.DRIVER}",
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "postgresql+psycopg2": "postgresql+psycopg",
}
_SYNC_DRIVERS = {
    "sqlite+aiosqlite": "sqlite",
    f"sqlite+{sqlite_async.DRIVER}": "sqlite",
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "postgresql+asyncpg": "postgresql+psycopg",
}
SQLITE_BUSY_TIMEOUT_MS = 5000
# Connections kept open: on SQLite each is a thread, and opening one past the pool (an
# "overflow" connection, closed when returned) costs a thread and the pragmas, so the pool
# holds enough for a busy floor's screen pops and work orders at once.
POOL_SIZE, MAX_OVERFLOW = 20, 20


def _render(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def async_url(database_url: str) -> str:
    """The URL with an async driver: ``sqlite:///`` gets aiosqlite, in one thread hop per
    statement (:mod:`helpline.adapters.db.sqlite_async`)."""
    url = make_url(database_url)
    return _render(url.set(drivername=_ASYNC_DRIVERS.get(url.drivername, url.drivername)))


def sync_url(database_url: str) -> str:
    """The URL with a sync driver, for Alembic and test set-up (psycopg 3 serves both)."""
    url = make_url(database_url)
    return _render(url.set(drivername=_SYNC_DRIVERS.get(url.drivername, url.drivername)))


def is_sqlite(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "sqlite"


def ensure_sqlite_dir(database_url: str) -> None:
    """Create the folder of a SQLite file (``var/`` on a first run); SQLite will not."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, *, foreign_keys: bool) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
    finally:
        cursor.close()


def make_engine(database_url: str, *, echo: bool = False) -> AsyncEngine:
    """The app's engine. On SQLite: foreign keys enforced, WAL, and a busy timeout so that
    concurrent writers wait instead of failing."""
    ensure_sqlite_dir(database_url)
    url = make_url(database_url)
    in_memory = url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")
    # an in-memory database is one connection (SQLAlchemy's static pool): no pool to size
    pool = {} if in_memory else {"pool_size": POOL_SIZE, "max_overflow": MAX_OVERFLOW}
    # a server's connection can drop while idle; a local file's cannot (a ping is a thread hop)
    ping = not is_sqlite(database_url)
    engine = create_async_engine(async_url(database_url), echo=echo, pool_pre_ping=ping, **pool)
    if is_sqlite(database_url):
        event.listen(
            engine.sync_engine,
            "connect",
            lambda conn, rec: _sqlite_pragmas(conn, rec, foreign_keys=True),
        )
    return engine


def make_sync_engine(database_url: str, *, foreign_keys: bool = False) -> Engine:
    """A sync engine for migrations (and the event recorder's thread). Foreign keys stay off on
    SQLite for migrations: batch mode copies tables and would trip over them (Alembic's own
    advice); the recorder asks for them on, as the app has them. A ping only where a connection
    can drop while idle (a server's, not a local file's)."""
    ensure_sqlite_dir(database_url)
    engine = create_engine(sync_url(database_url), pool_pre_ping=not is_sqlite(database_url))
    if is_sqlite(database_url):
        event.listen(
            engine, "connect", lambda conn, rec: _sqlite_pragmas(conn, rec, foreign_keys=foreign_keys)
        )
    return engine


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded values after commit, so handlers can still read them."""
    return async_sessionmaker(engine, expire_on_commit=False)
