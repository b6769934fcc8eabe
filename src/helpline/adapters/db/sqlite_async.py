"""SQLite for the async app: SQLAlchemy's aiosqlite dialect, one thread hop per statement.

aiosqlite runs each SQLite call in the connection's own thread; SQLAlchemy's adapter makes four
such calls per query (open a cursor, execute, fetch, close), and each comes back to the event
loop as a callback that waits for its turn. On a loop that also serves a thousand WebSockets a
turn can take milliseconds, so a work order drafted in a dozen statements took a dozen times
four turns, and the SQLite write lock was held across many of them. This cursor does the whole
statement (cursor, execute, fetch, close) in one call in the connection's thread: one turn.

Hot paths of many small statements (a round of call work orders, a screen pop) go further
inside :func:`here`: the statements that cannot wait for a lock run in the calling thread,
with no hop at all: reads (in WAL mode a reader never waits), and writes once their
transaction holds the database's one write lock (it is taken by the transaction's first
write, which, like the commit, still goes through the connection's thread). They are index
lookups and small inserts of a fraction of a millisecond, far less than a turn of a busy loop,
and the write lock, which the call recorder waits for, is held for two turns, not twenty.

Registered as ``sqlite+helpline_aiosqlite``; :func:`helpline.adapters.db.engine.async_url`
picks it for plain ``sqlite://`` URLs. Server-side cursors (streamed results) are the
dialect's own.
"""

from __future__ import annotations

import collections
import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from typing import Any

from sqlalchemy.dialects import registry
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
    SQLiteDialect_aiosqlite,
)
from sqlalchemy.util.concurrency import await_

DRIVER = "helpline_aiosqlite"

Outcome = tuple[Any, int, int | None, list[Any] | None]  # description, rowcount, lastrowid, rows
_here: ContextVar[bool] = ContextVar("helpline_sqlite_here", default=False)


@contextlib.contextmanager
def here() -> Iterator[None]:
    """Within: SQLite statements that cannot wait for a lock run in the calling thread (the
    small statements of a hot path); elsewhere this changes nothing. For ``AsyncSession`` work:
    ``AsyncConnection.execute`` insists that a statement awaits (SQLAlchemy's AwaitRequired)."""
    token = _here.set(True)
    try:
        yield
    finally:
        _here.reset(token)


def _run(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> Outcome:
    """In the connection's thread: the statement from cursor to close."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else None
        return description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneHopCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statement runs in one call to the connection's thread."""

    __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: Any) -> None:  # no aiosqlite cursor: nothing to open
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = {}  # type: ignore[assignment]
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None
        self._arraysize = 1

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _async_soft_close(self) -> None:
        return None  # nothing stays open in the thread

    def close(self) -> None:
        self._rows.clear()

    def _go(self, operation: Any, parameters: Any, many: bool) -> Any:
        conn = self._connection._conn
        try:
            # (a transaction begins at its first write, which takes the write lock)
            if _here.get() and (conn.in_transaction or operation.lstrip()[:6].upper() == "SELECT"):
                outcome: Outcome = _run(conn, operation, parameters, many)
            else:
                outcome = await_(self._connection._execute(_run, conn, operation, parameters, many))
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._description, self._rowcount, self._lastrowid, rows = outcome
        self._rows = collections.deque(rows or ())
        return None

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        return self._go(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        return self._go(operation, seq_of_parameters, many=True)


class OneHopConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneHopCursor


class OneHopDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> OneHopConnection:
        adapted = super().connect(*arg, **kw)
        return OneHopConnection(self, adapted._connection)


class OneHopDialect(SQLiteDialect_aiosqlite):
    driver = DRIVER
    supports_statement_cache = True

    @classmethod
    def import_dbapi(cls) -> OneHopDBAPI:
        return OneHopDBAPI(__import__("aiosqlite"), __import__("sqlite3"))


registry.register(f"sqlite.{DRIVER}", __name__, "OneHopDialect")
