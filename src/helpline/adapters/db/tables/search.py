"""The search index (检索): one row per searchable document, plus its exact-match fields.

Work orders, knowledge-base articles and whatever comes next share these tables, told apart
by ``kind``. The text indexes proper are not SQLAlchemy objects: on SQLite an FTS5 table
``search_fts`` fed by triggers, on PostgreSQL GIN indexes and a ``grams`` column. They live in
the migration and :mod:`helpline.adapters.db.fulltext` (see docs/adr/0004-search.md).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpline.adapters.db.base import Base, TenantScoped, UTCDateTime, utcnow


class SearchDocument(TenantScoped, Base):
    """What is searchable of one object: ``ref_id`` points back at it (an order, an article)."""

    __tablename__ = "search_documents"
    __table_args__ = (
        UniqueConstraint("tenant_id", "kind", "ref_id"),
        Index("ix_search_documents_recent", "tenant_id", "kind", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    ref_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SearchField(TenantScoped, Base):
    """One exact-match field of a document (status, category, caller, a custom field).

    A side table rather than a JSON expression index: one index serves every field name,
    and it works the same on SQLite and PostgreSQL.
    """

    __tablename__ = "search_fields"
    __table_args__ = (
        Index("ix_search_fields_lookup", "tenant_id", "kind", "name", "value", "doc_id"),
        Index("ix_search_fields_doc", "doc_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    doc_id: Mapped[int] = mapped_column(Integer, ForeignKey("search_documents.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(String(255))
