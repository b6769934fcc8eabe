"""Full-text search (检索) over work orders, knowledge-base articles and any other ``kind``.

The owner of an object calls :func:`index_document` whenever the object changes and
:func:`remove_document` when it goes; :func:`search_documents` answers queries. A query is
words (letters and digits; anything else separates them), each matched as a case-insensitive
**substring** of the title or the body, all of them required: ``停电 朝阳`` finds 小区停电三天了
in 朝阳区. ``fields`` adds exact matches on the document's fields.

"Newest" means first indexed most recently: a document keeps its place when it is indexed again,
so work orders sort by when they were opened. A search yields at most :data:`MAX_RESULTS`
documents. With that many or fewer matches, all of them are ranked (relevance, or newest
first) and ``total`` is exact. With more, the query is too broad to rank: ``total`` is
``MAX_RESULTS + 1`` ("more than"), results come newest first whatever the order asked, and
pages end at ``MAX_RESULTS``. This bounds the work of every query on both engines
(docs/adr/0004-search.md has the measurements).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db import fulltext, fulltext_pg
from helpline.adapters.db.base import utcnow
from helpline.adapters.db.tables.search import SearchDocument, SearchField
from helpline.domain.errors import Invalid

MAX_RESULTS = 1000
MAX_TERMS = 8
MAX_TERM_LENGTH = 64
FIELD_NAME_LENGTH = 64
FIELD_VALUE_LENGTH = 255
ORDERS = ("relevance", "date")

_docs = SearchDocument.__table__


def parse_query(query: str) -> list[str]:
    """The terms of a query: its words, lower-cased, without repeats, at most ``MAX_TERMS``."""
    terms: list[str] = []
    for word in fulltext.words(query):
        term = word[:MAX_TERM_LENGTH]
        if term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


def _field_value(value: Any) -> str:
    return str(value).strip()[:FIELD_VALUE_LENGTH]


class Document(NamedTuple):
    """What makes an object findable: its title, body and fields (exact matches)."""

    tenant_id: str
    kind: str
    ref_id: str
    title: str
    body: str
    fields: dict[str, str]


async def index_document(
    session: AsyncSession,
    tenant_id: str,
    kind: str,
    ref_id: str,
    title: str,
    body: str,
    fields: dict[str, str],
) -> None:
    """Make the object ``(kind, ref_id)`` findable by its title, body and fields, replacing
    what was indexed for it before (it keeps its place in date order). Call it in the
    transaction that changes the object, so that the index never disagrees with it."""
    await index_documents(session, [Document(tenant_id, kind, ref_id, title, body, fields)])


async def index_documents(session: AsyncSession, documents: Sequence[Document]) -> None:
    """:func:`index_document` of many objects in a few statements (e.g. a round of call orders)."""
    if not documents:
        return
    documents = [Document(*d) for d in documents]  # (plain tuples too: :mod:`wo_search` sends them)
    now = utcnow()
    fields = [{str(k)[:FIELD_NAME_LENGTH]: _field_value(v) for k, v in d.fields.items()} for d in documents]
    doc_ids = await fulltext.upsert_documents(
        session,
        [
            {
                "tenant_id": d.tenant_id,
                "kind": d.kind,
                "ref_id": d.ref_id,
                "title": d.title,
                "body": d.body,
                "fields": f,
                "updated_at": now,
            }
            for d, f in zip(documents, fields, strict=True)
        ],
    )
    await session.execute(delete(SearchField).where(SearchField.doc_id.in_(doc_ids)))
    rows = [
        {"tenant_id": d.tenant_id, "doc_id": doc_id, "kind": d.kind, "name": name, "value": value}
        for d, f, doc_id in zip(documents, fields, doc_ids, strict=True)
        for name, value in f.items()
        if value
    ]
    if rows:
        await session.execute(insert(SearchField), rows)


async def remove_document(session: AsyncSession, tenant_id: str, kind: str, ref_id: str) -> None:
    """Forget the object; searching no longer finds it. Removing an unknown one is a no-op."""
    doc = (
        select(SearchDocument.id)
        .where(SearchDocument.tenant_id == tenant_id, SearchDocument.kind == kind)
        .where(SearchDocument.ref_id == ref_id)
        .scalar_subquery()
    )
    await session.execute(delete(SearchField).where(SearchField.doc_id == doc))
    await session.execute(
        delete(SearchDocument).where(
            SearchDocument.tenant_id == tenant_id,
            SearchDocument.kind == kind,
            SearchDocument.ref_id == ref_id,
        )
    )


async def _scored(session: AsyncSession, terms: list[str], ids: Sequence[int]) -> list[tuple[str, float]]:
    """``(ref_id, score)`` of the documents ``ids``, in that order (one removed meanwhile by
    another transaction is left out)."""
    if not ids:
        return []
    columns = [
        _docs.c.id,
        _docs.c.ref_id,
        func.length(_docs.c.body).label("body_length"),
        *fulltext.hit_columns(terms, _docs.c.title, _docs.c.body),
    ]
    chosen = select(*columns).where(fulltext.among(session, _docs.c.id, ids))
    rows = {row[0]: row for row in await session.execute(chosen)}
    return [(rows[i][1], relevance(terms, rows[i][2:])) for i in ids if i in rows]


async def search_documents(
    session: AsyncSession,
    tenant_id: str,
    kind: str,
    query: str,
    *,
    fields: dict[str, str] | None = None,
    order: str = "relevance",
    offset: int = 0,
    limit: int = 20,
) -> tuple[int, list[tuple[str, float]]]:
    """``(total, [(ref_id, score), ...])`` for one page of the documents of ``kind`` that
    contain every term of ``query`` and have every ``fields`` value.

    ``order``: ``"relevance"`` (best first; ties newest first) or ``"date"`` (newest first).
    An empty query with no fields lists every document of the kind. See the module docstring
    for what happens past :data:`MAX_RESULTS` matches.
    """
    if order not in ORDERS:
        raise Invalid("invalid_order", "order is relevance or date", field="order")
    if offset < 0 or limit < 1:
        raise Invalid("invalid_page", "offset is 0 or more and limit 1 or more", field="offset")
    terms = parse_query(query)
    fields = {str(k)[:FIELD_NAME_LENGTH]: _field_value(v) for k, v in (fields or {}).items()}
    postgres = session.get_bind().dialect.name == "postgresql"
    # At most MAX_RESULTS + 1 matches: enough to know the total or that there are more.
    if postgres:
        ids, newest_first = await fulltext_pg.probe(session, tenant_id, kind, terms, fields, MAX_RESULTS + 1)
    else:
        found = await fulltext.sqlite_probe(session, tenant_id, kind, terms, fields, MAX_RESULTS + 1)
        ids, newest_first = found or [], True
    if not ids:
        return 0, []
    if len(ids) <= MAX_RESULTS:
        ids.sort(reverse=True)  # newest first
        if order == "date":
            return len(ids), await _scored(session, terms, ids[offset : offset + limit])
        ranked = sorted(await _scored(session, terms, ids), key=lambda hit: hit[1], reverse=True)
        return len(ids), ranked[offset : offset + limit]  # a stable sort: ties stay newest first
    if offset >= MAX_RESULTS:
        return MAX_RESULTS + 1, []
    size = min(limit, MAX_RESULTS - offset)
    if newest_first:
        page = ids[offset : offset + size]
    else:
        page = await fulltext_pg.newest(session, tenant_id, kind, terms, fields, offset, size, probed=ids)
    return MAX_RESULTS + 1, await _scored(session, terms, page)


def relevance(terms: Sequence[str], row: Sequence[Any]) -> float:
    """A BM25-like score from the body length and, per term, the hits in the title and the
    body (:func:`fulltext.hit_columns`): hits in the title, where NORMS §4.3 puts the place and
    the event, weigh double; hits in the body saturate and count less in long bodies. All
    terms are required, so there is no IDF."""
    total = 0.0
    damping = 1.2 * (0.25 + 0.75 * (row[0] or 0) / 200.0)
    for i, term in enumerate(terms):
        in_title = (row[1 + 2 * i] or 0) / len(term)
        in_body = (row[2 + 2 * i] or 0) / len(term)
        total += 2.0 * in_title / (in_title + 1.2) + in_body / (in_body + damping)
    return round(total, 6)


# ---- presentation -----------------------------------------------------------------------


def _pattern(terms: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted(set(terms), key=len, reverse=True)  # the longest match wins at a position
    return re.compile("|".join(re.escape(t) for t in ordered), re.IGNORECASE) if ordered else None


def highlight(text: str, terms: Sequence[str], *, width: int = 0) -> str:
    """``text`` as HTML-escaped text with every term in ``<mark>``. With ``width``, only a
    window of about that many characters around the first hit (or the start), with ``…``
    where it was cut: a snippet for a result list."""
    pattern = _pattern(terms)
    start, end = 0, len(text)
    if width:
        first = pattern.search(text) if pattern else None
        centre = first.start() if first else 0
        start = max(0, min(centre - width // 3, len(text) - width))
        end = min(len(text), start + width)
    window = text[start:end]
    out: list[str] = ["…" if start > 0 else ""]
    position = 0
    for hit in pattern.finditer(window) if pattern else ():
        out.append(html.escape(window[position : hit.start()]))
        out.append(f"<mark>{html.escape(hit.group())}</mark>")
        position = hit.end()
    out.append(html.escape(window[position:]))
    out.append("…" if end < len(text) else "")
    return "".join(out)
