"""The PostgreSQL half of search: finding matches with GIN, or by walking the newest rows.

GIN finds *all* the matches of a term (about 0.3 µs each), then the heap is read for the
ones needed; walking the newest documents checks each row (about 2 µs) and stops when it has
enough. The first wins for rare terms, the second for common ones: a word in half the
documents would cost 150 ms through GIN. :func:`probe` looks at a sample of the newest
documents to tell which. See docs/adr/0004-search.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.fulltext import SHORT, Condition, field_conditions
from helpline.adapters.db.tables.search import SearchDocument

PG_TEXT = "(search_documents.title || ' ' || search_documents.body)"
"""The expression the trigram index covers; queries must spell it exactly so."""
PG_GRAMS = "search_documents.grams"
"""The second column of the same index: the document's characters and character pairs."""
_docs = SearchDocument.__table__

PG_SAMPLE, PG_COMMON = 300, 24
"""The newest ``PG_SAMPLE`` documents are checked first; when ``PG_COMMON`` (8 %) or more of
them match, the query is common and is answered by walking the newest documents."""
PG_BITMAP_ONLY = {"enable_seqscan": "off", "enable_indexscan": "off", "work_mem": "32MB"}
"""Planner settings for the GIN probe; ``work_mem`` keeps a bitmap of 100,000 matches exact."""


def _pg_checks(terms: list[str], title: ColumnElement[str], body: ColumnElement[str]) -> list[Condition]:
    """Row-by-row tests no index serves. Chinese has no case, so its terms skip ``lower()``,
    which copies the kilobyte of text it folds."""
    checks: list[Condition] = []
    for term in terms:
        caseless = term == term.upper()
        in_title, in_body = (title, body) if caseless else (func.lower(title), func.lower(body))
        checks.append(or_(func.strpos(in_title, term) > 0, func.strpos(in_body, term) > 0))
    return checks


def _pg_indexed(terms: list[str]) -> list[Condition]:
    """The GIN-served forms: ``LIKE`` (``ILIKE`` for terms with case) on the trigram index
    for 3+ characters, ``grams`` for 1-2."""
    conditions: list[Condition] = []
    for i, term in enumerate(terms):
        key = f"p{i}"
        if len(term) >= SHORT:
            like = "LIKE" if term == term.upper() else "ILIKE"
            conditions.append(text(f"{PG_TEXT} {like} :{key}").bindparams(**{key: f"%{term}%"}))
        else:
            conditions.append(text(f"{PG_GRAMS} @> ARRAY[CAST(:{key} AS TEXT)]").bindparams(**{key: term}))
    return conditions


async def probe(
    session: AsyncSession, tenant_id: str, kind: str, terms: list[str], fields: dict[str, str], limit: int
) -> tuple[list[int], bool]:
    """Up to ``limit`` matching ids and whether they are newest first.

    A GIN index finds all the matches of a term at about 0.3 µs each, a walk over the newest
    documents checks each at about 2 µs: the first wins for rare terms, the second for
    common ones (a word in half the documents would cost 150 ms the first way). A look at
    the newest ``PG_SAMPLE`` documents tells which.
    """
    scope = [_docs.c.tenant_id == tenant_id, _docs.c.kind == kind]
    if terms:
        recent = select(_docs.c.id, _docs.c.title, _docs.c.body).where(*scope)
        recent_sq = recent.order_by(_docs.c.id.desc()).limit(PG_SAMPLE).subquery("recent")
        sampled, _ = await field_conditions(session, tenant_id, kind, fields, doc_id=recent_sq.c.id)
        checks = _pg_checks(terms, recent_sq.c.title, recent_sq.c.body)
        sample = select(func.count()).select_from(recent_sq).where(*checks, *sampled)
        if int((await session.execute(sample)).scalar_one()) >= PG_COMMON:
            return await newest(session, tenant_id, kind, terms, fields, 0, limit), True
    conditions, _ = await field_conditions(session, tenant_id, kind, fields, lead=limit - 1)
    probe = select(_docs.c.id).where(*scope, *conditions, *_pg_indexed(terms)).limit(limit)
    if not terms:
        return list((await session.scalars(probe)).all()), False
    return await _bitmap_only(session, probe), False


async def _bitmap_only(session: AsyncSession, statement: Select[Any]) -> list[int]:
    """Run ``statement`` with only bitmap scans allowed. The planner rates the text tests on
    kilobyte rows as nearly free and, with a LIMIT, prefers a scan that runs them on thousands
    of rows over the bitmap of the GIN index; the settings are put back afterwards."""
    names = list(PG_BITMAP_ONLY)
    before = await _pg_settings(session, PG_BITMAP_ONLY)
    try:
        return list((await session.scalars(statement)).all())
    finally:
        await _pg_settings(session, dict(zip(names, before, strict=True)))


async def _pg_settings(session: AsyncSession, settings: dict[str, str]) -> list[str]:
    """``SET LOCAL`` each setting; returns the values they had (read first, left to right)."""
    reads = [f"current_setting('{name}')" for name in settings]
    writes = [f"set_config('{name}', :v{i}, true)" for i, name in enumerate(settings)]
    values = {f"v{i}": value for i, value in enumerate(settings.values())}
    row = (await session.execute(text(f"SELECT {', '.join(reads + writes)}"), values)).one()
    return [str(value) for value in row[: len(settings)]]


async def newest(
    session: AsyncSession,
    tenant_id: str,
    kind: str,
    terms: list[str],
    fields: dict[str, str],
    offset: int,
    limit: int,
    *,
    probed: Sequence[int] = (),
) -> list[int]:
    """Matching ids, newest first. Either the (tenant, kind, id) index is walked backwards
    with every row checked, which ends with the page, or all matches come from the GIN
    indexes and are sorted. ``probed``, the ids the GIN probe found (the first matches in the
    heap, so roughly those with the lowest ids), tells the density of matches, hence which
    is cheaper."""
    scope = [_docs.c.tenant_id == tenant_id, _docs.c.kind == kind]
    if probed and max(probed) > 0:
        density = len(probed) / max(probed)
        last = int((await session.execute(select(func.max(_docs.c.id)))).scalar_one() or 0)
        if (offset + limit) / density > density * last:  # walking would check more rows
            conditions, _ = await field_conditions(session, tenant_id, kind, fields, lead=limit - 1)
            matches = select(_docs.c.id).where(*scope, *conditions, *_pg_indexed(terms))
            return await _bitmap_only(
                session, matches.order_by(_docs.c.id.desc()).offset(offset).limit(limit)
            )
    conditions, _ = await field_conditions(session, tenant_id, kind, fields)
    walk = select(_docs.c.id).where(*scope, *conditions, *_pg_checks(terms, _docs.c.title, _docs.c.body))
    walk = walk.order_by(_docs.c.id.desc()).offset(offset).limit(limit)
    return list((await session.scalars(walk)).all())
