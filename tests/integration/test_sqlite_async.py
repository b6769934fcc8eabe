"""The app's SQLite driver (aiosqlite, one thread hop per statement) on a real file: rows,
many rows, RETURNING, errors as SQLAlchemy's, streamed results, rollback, and the hop count
that is its reason to be."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from helpline.adapters.db import sqlite_async
from helpline.adapters.db.engine import make_engine, sync_url
from helpline.adapters.db.sqlite_async import DRIVER


async def _engine(tmp_path: Path) -> AsyncEngine:
    engine = make_engine(f"sqlite:///{tmp_path / 'one-hop.db'}")
    assert engine.url.drivername == f"sqlite+{DRIVER}"
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL UNIQUE)"))
    return engine


def test_statements_rows_and_errors(tmp_path: Path) -> None:
    async def run() -> None:
        engine = await _engine(tmp_path)
        try:
            async with engine.begin() as conn:
                many = await conn.execute(
                    text("INSERT INTO notes (body) VALUES (:body)"), [{"body": "停电"}, {"body": "水压低"}]
                )
                assert many.rowcount == 2
                one = await conn.execute(text("INSERT INTO notes (body) VALUES ('噪音') RETURNING id"))
                assert one.scalar_one() == 3
                rows = await conn.execute(text("SELECT id, body FROM notes ORDER BY id"))
                assert [tuple(r) for r in rows] == [(1, "停电"), (2, "水压低"), (3, "噪音")]
                changed = await conn.execute(text("UPDATE notes SET body = body || '!' WHERE id > 1"))
                assert changed.rowcount == 2
            with pytest.raises(IntegrityError):
                async with engine.begin() as conn:
                    await conn.execute(text("INSERT INTO notes (body) VALUES ('停电')"))
            with pytest.raises(OperationalError, match="no such table"):
                async with engine.connect() as conn:
                    await conn.execute(text("SELECT * FROM missing_table"))
            with pytest.raises(RuntimeError):  # a rolled-back transaction leaves nothing
                async with engine.begin() as conn:
                    await conn.execute(text("DELETE FROM notes"))
                    raise RuntimeError
            async with engine.connect() as conn:
                streamed = await conn.stream(text("SELECT body FROM notes ORDER BY id"))
                assert [r[0] async for r in streamed] == ["停电", "水压低!", "噪音!"]
        finally:
            await engine.dispose()

    asyncio.run(run())


def test_a_statement_is_one_call_into_the_connections_thread(tmp_path: Path) -> None:
    async def run() -> list[int]:
        engine = await _engine(tmp_path)
        calls: list[int] = []
        try:
            async with engine.connect() as conn:
                raw: Any = (await conn.get_raw_connection()).driver_connection
                original = raw._execute

                async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
                    calls[-1] += 1
                    return await original(fn, *args, **kwargs)

                raw._execute = counted
                for statement in (
                    "SELECT 1",
                    "SELECT count(*) FROM notes",
                    "INSERT INTO notes (body) VALUES ('x')",
                ):
                    calls.append(0)
                    await conn.execute(text(statement))
                raw._execute = original
        finally:
            await engine.dispose()
        return calls

    assert asyncio.run(run()) == [1, 1, 1]  # SQLAlchemy's own adapter makes 3-4 each


def test_migrations_and_tools_get_the_plain_driver() -> None:
    assert sync_url(f"sqlite+{DRIVER}:///var/helpline.db") == "sqlite:///var/helpline.db"


def test_inside_here_only_the_first_write_and_the_commit_go_to_the_thread(tmp_path: Path) -> None:
    async def run() -> tuple[list[int], list[Any]]:
        engine = await _engine(tmp_path)
        calls: list[int] = []
        try:
            async with AsyncSession(engine) as session:
                raw: Any = (await (await session.connection()).get_raw_connection()).driver_connection
                original = raw._execute

                async def counted(fn: Any, *args: Any, **kwargs: Any) -> Any:
                    calls[-1] += 1
                    return await original(fn, *args, **kwargs)

                raw._execute = counted
                with sqlite_async.here():
                    for statement in (
                        "SELECT count(*) FROM notes",  # a read: never waits for a lock
                        "INSERT INTO notes (body) VALUES ('a')",  # takes the write lock: may wait
                        "INSERT INTO notes (body) VALUES ('b')",  # holds it: no wait
                        "SELECT body FROM notes ORDER BY id",
                    ):
                        calls.append(0)
                        await session.execute(text(statement))
                    calls.append(0)
                    await session.commit()
                raw._execute = original
                rows = list(await session.execute(text("SELECT body FROM notes ORDER BY id")))
        finally:
            await engine.dispose()
        return calls, [r[0] for r in rows]

    calls, bodies = asyncio.run(run())
    assert calls[:4] == [0, 1, 0, 0] and bodies == ["a", "b"]
    assert calls[4] >= 1  # the commit (and the pool's reset of the returned connection)
