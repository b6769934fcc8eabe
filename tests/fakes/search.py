"""A search index in memory (the port of ``helpline.app.search.ports``): the same terms,
bound and scores as the database's, found by scanning."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from helpline.app.search.ports import Hits
from helpline.domain.search.text import (
    MAX_RESULTS,
    Document,
    check_page,
    field_values,
    parse_query,
    relevance,
)


@dataclass
class Indexed:
    tenant_id: str
    document: Document
    place: int  # first indexed: date order


@dataclass
class SearchTables:
    documents: dict[tuple[str, str, str], Indexed] = field(default_factory=dict)
    places: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


def _hits(text: str, term: str) -> int:
    folded = text.lower() if term != term.upper() else text
    return folded.count(term) * len(term)


class FakeSearchIndex:
    def __init__(self, tables: SearchTables, tenant_id: str) -> None:
        self.tables = tables
        self.tenant_id = tenant_id

    async def index(self, documents: Sequence[Document]) -> None:
        for d in documents:
            key = (self.tenant_id, d.kind, d.ref_id)
            old = self.tables.documents.get(key)
            place = old.place if old else next(self.tables.places)
            stored = Document(d.kind, d.ref_id, d.title, d.body, field_values(d.fields))
            self.tables.documents[key] = Indexed(self.tenant_id, stored, place)

    async def remove(self, kind: str, ref_id: str) -> None:
        self.tables.documents.pop((self.tenant_id, kind, ref_id), None)

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
        terms, exact = parse_query(query), field_values(fields or {})
        found = [
            i
            for (tenant, k, _), i in self.tables.documents.items()
            if tenant == self.tenant_id
            and k == kind
            and all(i.document.fields.get(n) == v for n, v in exact.items())
            and all(_hits(i.document.title, t) or _hits(i.document.body, t) for t in terms)
        ]
        found.sort(key=lambda i: i.place, reverse=True)  # newest first
        if len(found) > MAX_RESULTS:
            page = found[:MAX_RESULTS][offset : offset + min(limit, max(0, MAX_RESULTS - offset))]
            return MAX_RESULTS + 1, [(i.document.ref_id, self._score(terms, i)) for i in page]
        scored = [(i.document.ref_id, self._score(terms, i)) for i in found]
        if order == "relevance":
            scored.sort(key=lambda hit: hit[1], reverse=True)
        return len(found), scored[offset : offset + limit]

    @staticmethod
    def _score(terms: list[str], indexed: Indexed) -> float:
        d = indexed.document
        row: list[int] = [len(d.body)]
        for term in terms:
            row += [_hits(d.title, term), _hits(d.body, term)]
        return relevance(terms, row)
