"""The dialect-specific half of search: how each database finds a term inside a text.

Chinese has no spaces, so both engines match **substrings** (停电 inside 小区停电三天了), not
words, and both treat a query as words made of letters and digits (``words``):

* SQLite: the FTS5 table ``search_fts`` (``tokenize='trigram'``), contentless and kept in sync
  with ``search_documents`` by triggers. A term of 3+ characters is a phrase of trigrams. A
  term of 1-2 characters has no trigram of its own: it becomes the OR of the indexed trigrams
  that *start* with it (each column is indexed with two trailing spaces, so a term at the very
  end still starts one), looked up in ``search_fts_terms``, the list of every trigram ever
  indexed, which :func:`upsert_documents` extends. (FTS5's own ``fts5vocab`` lists them too,
  but reads every posting to count them: 50 ms for a word in half the documents.)
* PostgreSQL: ``pg_trgm`` GIN on ``title || ' ' || body`` for 3+ characters (``LIKE``, or
  ``ILIKE`` for terms with case); for 1-2 characters, the same index's second column, the
  array ``grams``: every character and character pair of the document's words, written by
  :func:`grams` when the document is indexed. The queries are in
  :mod:`helpline.adapters.db.fulltext_pg`.

Each engine answers the probe of :func:`helpline.adapters.db.repositories.search.search_documents`: at most
``limit`` matching ids, cheaply, whatever the number of matches.

See docs/adr/0004-search.md for the measurements behind these choices.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Integer,
    Text,
    TextClause,
    and_,
    any_,
    bindparam,
    column,
    exists,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.types import ARRAY

from helpline.adapters.db.base import UTCDateTime
from helpline.adapters.db.tables.search import SearchDocument, SearchField
from helpline.domain.search.text import words

FTS_TABLE = "search_fts"
SHORT = 3
"""Terms shorter than this have no trigram: they go through the term list (SQLite) or
``grams`` (PostgreSQL)."""
EXPAND_LIMIT = 256
"""A 1-2 character term that starts more distinct trigrams than this is too common to
expand; SQLite then checks it row by row on the candidates the other terms found."""

SQLITE_FTS_REBUILD = (
    f"INSERT INTO {FTS_TABLE}(rowid, title, body) "
    "SELECT id, title || '  ', body || '  ' FROM search_documents"
)
"""Refill the (emptied) FTS5 table from ``search_documents``: for bulk loads and repairs."""
TERMS_TABLE = "search_fts_terms"
SQLITE_TERMS_REBUILD = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.search_fts_vocab USING fts5vocab(main, {FTS_TABLE}, 'row')",
    f"INSERT OR IGNORE INTO {TERMS_TABLE} (term) SELECT term FROM temp.search_fts_vocab",
    "DROP TABLE temp.search_fts_vocab",
)
"""Refill the term list from the FTS index itself (after a bulk load that bypassed
:func:`upsert_documents`): slow, as it reads every posting, but complete."""
Condition = ColumnElement[bool] | TextClause
RAW_INDEXES = frozenset({"ix_search_documents_text"})


def trigrams(title: str, body: str) -> set[str]:
    """The trigrams SQLite's FTS5 table indexes for a document (columns padded as the
    triggers pad them), for the term list that 1-2 character terms are expanded from."""
    found: set[str] = set()
    for part in (title, body):
        padded = (part + "  ").lower()
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return found


def grams(title: str, body: str) -> list[str]:
    """Every character and pair of adjacent characters inside the words of a document,
    sorted (PostgreSQL's index for 1-2 character terms)."""
    found: set[str] = set()
    for word in words(title) + words(body):
        found.update(word)
        found.update(word[i : i + 2] for i in range(len(word) - 1))
    return sorted(found)


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic filter: the FTS5 tables, the ``grams`` column and the raw GIN indexes are made by
    the migration's SQL, not by the models, so model comparisons leave them out."""
    if type_ == "table" and name is not None and name.startswith(FTS_TABLE):
        return False
    if type_ == "index" and name in RAW_INDEXES:
        return False
    table = getattr(obj, "table", None)
    return not (type_ == "column" and name == "grams" and getattr(table, "name", "") == "search_documents")


# ---- writing ----------------------------------------------------------------------------

_PG_UPSERT = text(
    "INSERT INTO search_documents (tenant_id, kind, ref_id, title, body, fields, updated_at, grams) "
    "VALUES (:tenant_id, :kind, :ref_id, :title, :body, :fields, :updated_at, :grams) "
    "ON CONFLICT (tenant_id, kind, ref_id) DO UPDATE SET title = excluded.title, body = excluded.body, "
    "fields = excluded.fields, updated_at = excluded.updated_at, grams = excluded.grams"
).bindparams(
    bindparam("fields", type_=JSON),
    bindparam("updated_at", type_=UTCDateTime()),
    bindparam("grams", type_=ARRAY(Text)),
)
_SQLITE_UPSERT = text(
    "INSERT INTO search_documents (tenant_id, kind, ref_id, title, body, fields, updated_at) "
    "VALUES (:tenant_id, :kind, :ref_id, :title, :body, :fields, :updated_at) "
    "ON CONFLICT (tenant_id, kind, ref_id) DO UPDATE SET title = excluded.title, body = excluded.body, "
    "fields = excluded.fields, updated_at = excluded.updated_at"
).bindparams(bindparam("fields", type_=JSON), bindparam("updated_at", type_=UTCDateTime()))


async def upsert_documents(session: AsyncSession, documents: Sequence[dict[str, Any]]) -> list[int]:
    """Insert or replace document rows (one statement for them all, then one to read their
    ids); the database's own machinery (triggers on SQLite, index maintenance on PostgreSQL)
    updates the text index. On SQLite the trigrams go to the term list too. Returns the row
    ids, in the documents' order."""
    if not documents:
        return []
    if session.get_bind().dialect.name == "postgresql":
        params = [{**values, "grams": grams(values["title"], values["body"])} for values in documents]
        await session.execute(_PG_UPSERT, params)
    else:
        await session.execute(_SQLITE_UPSERT, list(documents))
        new_terms = set().union(*(trigrams(values["title"], values["body"]) for values in documents))
        if new_terms:
            await session.execute(
                text(f"INSERT OR IGNORE INTO {TERMS_TABLE} (term) VALUES (:term)"),
                [{"term": term} for term in sorted(new_terms)],
            )
    ids: dict[tuple[str, str, str], int] = {}
    for tenant_id, kind in dict.fromkeys((values["tenant_id"], values["kind"]) for values in documents):
        refs = [v["ref_id"] for v in documents if (v["tenant_id"], v["kind"]) == (tenant_id, kind)]
        rows = await session.execute(
            select(_docs.c.id, _docs.c.ref_id).where(
                _docs.c.tenant_id == tenant_id, _docs.c.kind == kind, _docs.c.ref_id.in_(refs)
            )
        )
        ids.update({(tenant_id, kind, str(ref_id)): int(doc_id) for doc_id, ref_id in rows})
    return [ids[(values["tenant_id"], values["kind"], values["ref_id"])] for values in documents]


# ---- fields -----------------------------------------------------------------------------

_docs = SearchDocument.__table__


def field_match(tenant_id: str, kind: str, name: str, value: str) -> ColumnElement[bool]:
    return and_(
        SearchField.tenant_id == tenant_id,
        SearchField.kind == kind,
        SearchField.name == name,
        SearchField.value == value,
    )


async def field_conditions(
    session: AsyncSession,
    tenant_id: str,
    kind: str,
    fields: dict[str, str],
    *,
    lead: int = 0,
    doc_id: ColumnElement[int] = _docs.c.id,
) -> tuple[list[Condition], bool]:
    """One condition per field, and whether one of them leads the plan. With ``lead``, a
    field value held by at most that many documents becomes ``IN``: its index finds them.
    Other values are ``EXISTS``, an index probe per document that something else found."""
    conditions: list[Condition] = []
    leads = False
    for name, value in fields.items():
        match = field_match(tenant_id, kind, name, value)
        capped = select(SearchField.id).where(match).limit(lead + 1).subquery()
        if (
            lead
            and int((await session.execute(select(func.count()).select_from(capped))).scalar_one()) <= lead
        ):
            conditions.append(doc_id.in_(select(SearchField.doc_id).where(match)))
            leads = True
        else:
            conditions.append(exists().where(match, SearchField.doc_id == doc_id))
    return conditions, leads


# ---- SQLite -------------------------------------------------------------------------------


def _phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


async def _sqlite_match(session: AsyncSession, terms: list[str]) -> tuple[str | None, list[str]]:
    """The FTS5 MATCH expression for ``terms`` and the terms too common to expand. ``""``
    when a term occurs nowhere; ``None`` when there are no terms to match."""
    parts: list[str] = []
    unexpanded: list[str] = []
    for term in terms:
        if len(term) >= SHORT:
            parts.append(_phrase(term))
            continue
        found = (
            await session.scalars(
                text(f"SELECT term FROM {TERMS_TABLE} WHERE term >= :lo AND term < :hi LIMIT :n"),
                {"lo": term, "hi": term + "\U0010ffff", "n": EXPAND_LIMIT + 1},
            )
        ).all()
        if not found:
            return "", []
        if len(found) > EXPAND_LIMIT:
            unexpanded.append(term)
        else:
            parts.append("(" + " OR ".join(_phrase(t) for t in found) + ")")
    return (" AND ".join(parts) or None), unexpanded


def _sqlite_scope(tenant_id: str, kind: str, *, lead: bool) -> list[Condition]:
    """The tenant and kind conditions. ``lead=False`` hides them from the index (unary ``+``)
    so that the FTS table or a field list leads: SQLite keeps no statistics and would
    otherwise walk every document of the tenant's kind."""
    plus = "" if lead else "+"
    return [
        text(f"{plus}search_documents.tenant_id = :scope_tenant").bindparams(scope_tenant=tenant_id),
        text(f"{plus}search_documents.kind = :scope_kind").bindparams(scope_kind=kind),
    ]


async def sqlite_probe(
    session: AsyncSession, tenant_id: str, kind: str, terms: list[str], fields: dict[str, str], limit: int
) -> list[int] | None:
    """Up to ``limit`` matching ids, newest first (None: a term occurs nowhere). The FTS
    table streams its matches in rowid order, so no list of all matches is ever built and a
    word in half the documents costs no more than a rare one."""
    match, unexpanded = await _sqlite_match(session, terms)
    if match == "":
        return None
    checks: list[Condition] = [
        or_(func.instr(func.lower(_docs.c.title), term) > 0, func.instr(func.lower(_docs.c.body), term) > 0)
        for term in unexpanded
    ]
    if match:
        conditions, _ = await field_conditions(session, tenant_id, kind, fields)
        fts = table(FTS_TABLE, column("rowid"))
        probe = (
            select(_docs.c.id)
            .select_from(fts.join(_docs, _docs.c.id == fts.c.rowid))
            .where(text(f"{FTS_TABLE} MATCH :fts").bindparams(fts=match))
            .where(*_sqlite_scope(tenant_id, kind, lead=False), *conditions, *checks)
            .order_by(fts.c.rowid.desc())
        )
    else:
        conditions, leads = await field_conditions(session, tenant_id, kind, fields, lead=limit - 1)
        scope = _sqlite_scope(tenant_id, kind, lead=not leads)
        probe = select(_docs.c.id).where(*scope, *conditions, *checks).order_by(_docs.c.id.desc())
    return list((await session.scalars(probe.limit(limit))).all())


def among(session: AsyncSession, column: ColumnElement[int], ids: Sequence[int]) -> ColumnElement[bool]:
    """``column IN ids`` as one parameter (a PostgreSQL array, a JSON array on SQLite): a list
    of a thousand ids would be a thousand parameters, parsed and bound on every search."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam("ids", list(ids), type_=ARRAY(Integer)))
    return column.in_(select(literal_column("value")).select_from(func.json_each(json.dumps(list(ids)))))


# ---- relevance ----------------------------------------------------------------------------


def hit_columns(
    terms: list[str], title: ColumnElement[str], body: ColumnElement[str]
) -> list[ColumnElement[int]]:
    """Per term, how many characters its hits cover in the title and in the body (the length
    lost by deleting them): two columns per term, for :func:`helpline.domain.search.text.relevance`.
    Cheap string functions, evaluated only on the rows a search returns."""
    columns: list[ColumnElement[int]] = []
    for i, term in enumerate(terms):
        for name, field in (("t", title), ("b", body)):
            folded = func.lower(field) if term != term.upper() else field  # Chinese has no case
            columns.append(
                (func.length(field) - func.length(func.replace(folded, term, ""))).label(f"{name}{i}")
            )
    return columns
