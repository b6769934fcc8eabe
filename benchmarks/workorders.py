"""Work-order search at scale: the search engine against a plain ``LIKE '%...%'`` scan.

Loads ``--orders`` generated orders (Chinese and English text of realistic lengths, see
``workorder_text.py``) into a temporary SQLite file and a temporary PostgreSQL database, both
migrated to head with the real migrations, through the real tables and index definitions
(bulk: executemany on SQLite, COPY on PostgreSQL, indexes built after the load). Each order is
indexed as the search index's adapter (``SqlSearchIndex.index``) would: number, caller key
(normalized phone), account number (a custom field) and category as fields; title and body as text.

Then it times, through the app's own search adapter (``SqlSearchIndex.find``) on an async
session, ``--queries`` searches of each kind: by number, by caller, by custom field, full text
by relevance and full text by date (2-4 character Chinese words, names, places, English words
and pairs). On the same data it times ``--baseline-queries`` of each kind done as a plain
``LIKE '%...%'`` scan. PostgreSQL is skipped with a message when it does not answer.

Run: ``.venv/bin/python benchmarks/workorders.py [--orders 1000000 --queries 200
--baseline-queries 10 --engines sqlite,postgresql --seed 1]``. The last line printed is one
JSON object with the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import secrets
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.table import Table
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

sys.path.insert(0, str(Path(__file__).resolve().parent))
from workorder_text import QUERIES_TEXT, Order, orders

from helpline.adapters.db import fulltext
from helpline.adapters.db.engine import make_engine, make_sessionmaker
from helpline.adapters.db.migrate import upgrade
from helpline.adapters.db.repositories.search import SqlSearchIndex
from helpline.domain.search import text as search

TENANT, KIND = "default", "workorder"
KINDS = ("number", "caller", "custom_field", "text", "text_by_date")
AIM_P95_MS = 50.0
PG_HOST, PG_PORT = "127.0.0.1", 5432
Query = tuple[str, dict[str, str], str]  # text, fields, order


def _fields(order: Order) -> dict[str, str]:
    return {
        "number": order.number,
        "caller": order.caller_key,
        "户号": order.account,
        "category": order.category,
    }


def queries(data: Sequence[Order], count: int, rng: random.Random) -> dict[str, list[Query]]:
    """``count`` searches of every kind, drawn from the loaded orders and what agents type."""
    picks = [rng.choice(data) for _ in range(count)]
    words = [rng.choice(QUERIES_TEXT) for _ in range(count)]
    return {
        "number": [("", {"number": o.number}, "relevance") for o in picks],
        "caller": [("", {"caller": o.caller_key}, "relevance") for o in picks],
        "custom_field": [("", {"户号": o.account}, "relevance") for o in picks],
        "text": [(w, {}, "relevance") for w in words],
        "text_by_date": [(w, {}, "date") for w in words],
    }


# ---- loading ------------------------------------------------------------------------------


def load_sqlite(path: str, data: Sequence[Order]) -> None:
    """Rows by executemany with the FTS triggers dropped, then one FTS rebuild and the term
    list read from it, then the triggers back: the index ends up exactly as the triggers and
    :meth:`helpline.adapters.db.repositories.search.SqlSearchIndex.index` would have made it."""
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        triggers = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'search_documents'"
        ).fetchall()
        for name, _ in triggers:
            conn.execute(f'DROP TRIGGER "{name}"')
        with conn:
            conn.executemany(
                "INSERT INTO search_documents (id, tenant_id, kind, ref_id, title, body, fields, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        i,
                        TENANT,
                        KIND,
                        o.number,
                        o.title,
                        o.body,
                        json.dumps(_fields(o)),
                        o.updated_at.strftime("%Y-%m-%d %H:%M:%S.%f"),
                    )
                    for i, o in enumerate(data, start=1)
                ),
            )
            conn.executemany(
                "INSERT INTO search_fields (tenant_id, doc_id, kind, name, value) VALUES (?, ?, ?, ?, ?)",
                ((TENANT, i, KIND, k, v) for i, o in enumerate(data, start=1) for k, v in _fields(o).items()),
            )
        with conn:
            conn.execute(fulltext.SQLITE_FTS_REBUILD)
            for statement in fulltext.SQLITE_TERMS_REBUILD:
                conn.execute(statement)
            for _, sql in triggers:
                conn.execute(sql)
    finally:
        conn.close()


def load_postgresql(conninfo: str, data: Sequence[Order]) -> None:
    """COPY with the secondary indexes dropped, then the same index definitions rebuilt."""
    tables = ["search_documents", "search_fields"]
    with psycopg.connect(conninfo, autocommit=True) as conn:
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            (tables,),
        ).fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')  # type: ignore[arg-type]
        with conn.cursor() as cur:
            with cur.copy(
                "COPY search_documents (id, tenant_id, kind, ref_id, title, body, fields, updated_at, grams) "
                "FROM STDIN"
            ) as copy:
                for i, o in enumerate(data, start=1):
                    copy.write_row(
                        (
                            i,
                            TENANT,
                            KIND,
                            o.number,
                            o.title,
                            o.body,
                            json.dumps(_fields(o)),
                            o.updated_at,
                            fulltext.grams(o.title, o.body),
                        )
                    )
            with cur.copy("COPY search_fields (tenant_id, doc_id, kind, name, value) FROM STDIN") as copy:
                for i, o in enumerate(data, start=1):
                    for name, value in _fields(o).items():
                        copy.write_row((TENANT, i, KIND, name, value))
        conn.execute("SET maintenance_work_mem = '1GB'")
        for _, definition in indexes:
            conn.execute(definition)  # type: ignore[arg-type]
        conn.execute("SELECT setval(pg_get_serial_sequence('search_documents', 'id'), %s)", (len(data),))
        conn.execute("VACUUM ANALYZE search_documents")
        conn.execute("VACUUM ANALYZE search_fields")


# ---- measuring ----------------------------------------------------------------------------


async def _engine_search(session: AsyncSession, query: Query) -> int:
    total, _ = await SqlSearchIndex(session, TENANT).find(KIND, query[0], fields=query[1], order=query[2])
    return total


async def _baseline_search(session: AsyncSession, query: Query) -> int:
    """What a search without an index does: scan every row with LIKE, then sort by date."""
    postgres = session.get_bind().dialect.name == "postgresql"
    like = "ILIKE" if postgres else "LIKE"
    conditions, params = [], {}
    for i, term in enumerate(search.parse_query(query[0])):
        conditions.append(f"(title {like} :t{i} OR body {like} :t{i})")
        params[f"t{i}"] = f"%{term}%"
    for i, value in enumerate(query[1].values()):
        conditions.append(f"{'fields::text' if postgres else 'fields'} LIKE :f{i}")
        params[f"f{i}"] = f"%{json.dumps(value)}%"
    where = " AND ".join(["tenant_id = :tenant", "kind = :kind", *conditions])
    rows = (
        await session.execute(
            text(f"SELECT ref_id, updated_at FROM search_documents WHERE {where}"),
            {"tenant": TENANT, "kind": KIND, **params},
        )
    ).all()
    _first_page = sorted(rows, key=lambda r: str(r[1]), reverse=True)[:20]
    return len(rows)


def _stats(samples: list[float]) -> tuple[float, float]:
    if len(samples) == 1:
        return samples[0], samples[0]
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return round(cuts[49], 2), round(cuts[94], 2)


async def _time(
    url: str, runs: list[Query], fn: Callable[[AsyncSession, Query], Coroutine[Any, Any, int]], warmup: int
) -> tuple[list[float], list[int]]:
    engine = make_engine(url)
    makers = make_sessionmaker(engine)
    took, totals = [], []
    try:
        for n, query in enumerate(runs[:warmup] + runs):
            started = time.perf_counter()
            async with makers() as session:
                total = await fn(session, query)
            if n >= warmup:
                took.append((time.perf_counter() - started) * 1000)
                totals.append(total)
    finally:
        await engine.dispose()
    return took, totals


def measure(url: str, runs: dict[str, list[Query]], baseline: int) -> dict[str, dict[str, float]]:
    """p50/p95 per kind for the engine and for the LIKE scan (first ``baseline`` queries)."""
    figures: dict[str, dict[str, float]] = {}
    for kind, kind_runs in runs.items():
        took, totals = asyncio.run(_time(url, kind_runs, _engine_search, warmup=min(10, len(kind_runs))))
        base, base_totals = asyncio.run(_time(url, kind_runs[:baseline], _baseline_search, warmup=0))
        capped = [min(t, search.MAX_RESULTS + 1) for t in base_totals]
        agree = sum(a == b for a, b in zip(totals, capped, strict=False)) / max(len(capped), 1)
        p50, p95 = _stats(took)
        b50, b95 = _stats(base)
        figures[kind] = {
            "p50_ms": p50,
            "p95_ms": p95,
            "baseline_p50_ms": b50,
            "baseline_p95_ms": b95,
            "speedup_p50": round(b50 / p50, 1),
            "mean_hits": round(statistics.mean(totals), 1),
            "baseline_agreement": agree,
        }
    return figures


# ---- the engines ----------------------------------------------------------------------------


def _pg_admin() -> str | None:
    for user in ("postgres", "root"):
        try:
            with psycopg.connect(host=PG_HOST, port=PG_PORT, user=user, dbname="postgres", connect_timeout=2):
                return user
        except psycopg.OperationalError:
            continue
    return None


def run_sqlite(data: Sequence[Order], runs: dict[str, list[Query]], baseline: int) -> dict[str, Any]:
    folder = tempfile.mkdtemp(prefix="helpline-bench-")
    path = f"{folder}/workorders.db"
    try:
        upgrade(f"sqlite:///{path}")
        started = time.perf_counter()
        load_sqlite(path, data)
        loaded = time.perf_counter() - started
        size = Path(path).stat().st_size / 1e6
        return {
            "load_s": round(loaded, 1),
            "size_mb": round(size),
            "kinds": measure(f"sqlite:///{path}", runs, baseline),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_postgresql(data: Sequence[Order], runs: dict[str, list[Query]], baseline: int) -> dict[str, Any]:
    user = _pg_admin()
    if user is None:
        return {"skipped": f"PostgreSQL not reachable at {PG_HOST}:{PG_PORT}"}
    name = f"helpline_bench_{secrets.token_hex(4)}"
    admin = f"host={PG_HOST} port={PG_PORT} user={user} dbname=postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
    try:
        url = f"postgresql+psycopg://{user}@{PG_HOST}:{PG_PORT}/{name}"
        upgrade(url)
        started = time.perf_counter()
        conninfo = f"host={PG_HOST} port={PG_PORT} user={user} dbname={name}"
        load_postgresql(conninfo, data)
        loaded = time.perf_counter() - started
        with psycopg.connect(conninfo) as conn:
            size = conn.execute("SELECT pg_database_size(current_database())").fetchone()
        kinds = measure(url, runs, baseline)
        return {"load_s": round(loaded, 1), "size_mb": round((size or [0])[0] / 1e6), "kinds": kinds}
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[arg-type]


def report(result: dict[str, Any], console: Console) -> None:
    table = Table(title=f"search over {result['orders']:,} work orders (ms)")
    for column in ("engine", "kind", "p50", "p95", "LIKE p50", "LIKE p95", "speed-up", "mean hits"):
        table.add_column(column, justify="left" if column in ("engine", "kind") else "right")
    for engine, figures in result["engines"].items():
        if "skipped" in figures:
            table.add_row(engine, figures["skipped"], *[""] * 6)
            continue
        for kind, f in figures["kinds"].items():
            table.add_row(
                engine,
                kind,
                f"{f['p50_ms']:.1f}",
                f"{f['p95_ms']:.1f}",
                f"{f['baseline_p50_ms']:.0f}",
                f"{f['baseline_p95_ms']:.0f}",
                f"{f['speedup_p50']:.0f}x",
                f"{f['mean_hits']:.0f}",
            )
    console.print(table)
    for engine, figures in result["engines"].items():
        if "load_s" in figures:
            console.print(f"{engine}: loaded in {figures['load_s']:.0f} s, {figures['size_mb']:,} MB")


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200, help="timed searches per kind")
    parser.add_argument("--baseline-queries", type=int, default=10, help="LIKE scans per kind")
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    started = time.perf_counter()
    data = list(orders(args.orders, seed=args.seed))
    console.print(f"generated {len(data):,} orders in {time.perf_counter() - started:.0f} s")
    runs = queries(data, args.queries, random.Random(args.seed))
    result: dict[str, Any] = {
        "orders": args.orders,
        "queries_per_kind": args.queries,
        "baseline_queries_per_kind": args.baseline_queries,
        "aim_p95_ms": AIM_P95_MS,
        "max_results": search.MAX_RESULTS,
        "engines": {},
    }
    for engine in args.engines.split(","):
        console.print(f"{engine}: loading and measuring …")
        runner = {"sqlite": run_sqlite, "postgresql": run_postgresql}[engine]
        result["engines"][engine] = runner(data, runs, args.baseline_queries)
    measured = [f for e in result["engines"].values() for f in e.get("kinds", {}).values()]
    result["meets_aim"] = bool(measured) and all(f["p95_ms"] < AIM_P95_MS for f in measured)
    report(result, console)
    print(json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
