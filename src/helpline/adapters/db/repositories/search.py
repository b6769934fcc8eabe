"""The search index in the database (the port of ``helpline.app.search.ports``): SQLite FTS5
trigrams or PostgreSQL pg_trgm (``adapters/db/fulltext*.py``), bounded as
:mod:`helpline.domain.search.text` says."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db import fulltext, fulltext_pg
from helpline.adapters.db.base import utcnow
from helpline.adapters.db.tables.search import SearchDocument, SearchField
from helpline.app.search.ports import Hits
from helpline.domain.search.text import (
    MAX_RESULTS,
    Document,
    check_page,
    field_values,
    parse_query,
    relevance,
)

_docs = SearchDocument.__table__


class SqlSearchIndex:
    def __init__(self, session: AsyncSession, tenant_id: str, max_results: int = MAX_RESULTS) -> None:
        self.session = session
        self.tenant_id = tenant_id
        self.max_results = max_results  # the bound of every query (smaller in tests)

    async def index(self, documents: Sequence[Document]) -> None:
        if not documents:
            return
        now = utcnow()
        fields = [field_values(d.fields) for d in documents]
        doc_ids = await fulltext.upsert_documents(
            self.session,
            [
                {
                    "tenant_id": self.tenant_id,
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
        await self.session.execute(delete(SearchField).where(SearchField.doc_id.in_(doc_ids)))
        rows = [
            {"tenant_id": self.tenant_id, "doc_id": doc_id, "kind": d.kind, "name": name, "value": value}
            for d, f, doc_id in zip(documents, fields, doc_ids, strict=True)
            for name, value in f.items()
            if value
        ]
        if rows:
            await self.session.execute(insert(SearchField), rows)

    async def remove(self, kind: str, ref_id: str) -> None:
        mine = (SearchDocument.tenant_id == self.tenant_id, SearchDocument.kind == kind)
        doc = select(SearchDocument.id).where(*mine, SearchDocument.ref_id == ref_id).scalar_subquery()
        await self.session.execute(delete(SearchField).where(SearchField.doc_id == doc))
        await self.session.execute(delete(SearchDocument).where(*mine, SearchDocument.ref_id == ref_id))

    async def find(
        self,
        kind: str,
        query: str,
        *,
        fields: dict[str, str] | None = None,
        order: str = "relevance",
        offset: int = 0,
        limit: int = 20,
    ) -> Hits:
        check_page(order, offset, limit)
        terms = parse_query(query)
        exact = field_values(fields or {})
        ids, newest_first = await self._probe(kind, terms, exact)
        if not ids:
            return 0, []
        if len(ids) <= self.max_results:
            ids.sort(reverse=True)  # newest first
            if order == "date":
                return len(ids), await self._scored(terms, ids[offset : offset + limit])
            ranked = sorted(await self._scored(terms, ids), key=lambda hit: hit[1], reverse=True)
            return len(ids), ranked[offset : offset + limit]  # a stable sort: ties stay newest first
        if offset >= self.max_results:
            return self.max_results + 1, []
        size = min(limit, self.max_results - offset)
        if newest_first:
            page = ids[offset : offset + size]
        else:
            page = await fulltext_pg.newest(
                self.session, self.tenant_id, kind, terms, exact, offset, size, probed=ids
            )
        return self.max_results + 1, await self._scored(terms, page)

    async def _probe(self, kind: str, terms: list[str], exact: dict[str, str]) -> tuple[list[int], bool]:
        """At most ``self.max_results + 1`` matches: enough to know the total or that there are more."""
        if self.session.get_bind().dialect.name == "postgresql":
            return await fulltext_pg.probe(
                self.session, self.tenant_id, kind, terms, exact, self.max_results + 1
            )
        found = await fulltext.sqlite_probe(
            self.session, self.tenant_id, kind, terms, exact, self.max_results + 1
        )
        return found or [], True

    async def _scored(self, terms: list[str], ids: Sequence[int]) -> list[tuple[str, float]]:
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
        chosen = select(*columns).where(fulltext.among(self.session, _docs.c.id, ids))
        rows = {row[0]: row for row in await self.session.execute(chosen)}
        return [(rows[i][1], relevance(terms, rows[i][2:])) for i in ids if i in rows]
