"""The knowledge base (知识库): articles and every version of them.

An inquiry is answered citing a basis (NORMS §4.5): an article of the center's own knowledge,
a law or a policy. Each edit keeps the previous text as a version, so that an answer given
last month can still be read as it was then.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from helpline.adapters.db.base import Base, TenantScoped, UTCDateTime, utcnow

BASIS_KINDS = ("knowledge", "law", "policy")
STATUSES = ("draft", "published")


def _id() -> str:
    return str(uuid.uuid4())


class Article(TenantScoped, Base):
    """The current state of an article; ``version`` is the number of its latest version."""

    __tablename__ = "kb_articles"
    __table_args__ = (
        CheckConstraint("basis IN ('knowledge', 'law', 'policy')", name="basis"),
        CheckConstraint("status IN ('draft', 'published')", name="status"),
        UniqueConstraint("tenant_id", "source_order_id"),
        Index("ix_kb_articles_tenant_status", "tenant_id", "status", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_id)
    category: Mapped[str] = mapped_column(String(100), default="")
    basis: Mapped[str] = mapped_column(String(16), default="knowledge")
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1)
    published_version: Mapped[int | None] = mapped_column(Integer, default=None)
    source_order_id: Mapped[str | None] = mapped_column(String(64), default=None)
    created_by: Mapped[str] = mapped_column(String(36))
    updated_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class ArticleVersion(TenantScoped, Base):
    """The content of one version, as it was written; ``published_at`` once it went live."""

    __tablename__ = "kb_article_versions"
    __table_args__ = (UniqueConstraint("article_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    article_id: Mapped[str] = mapped_column(String(36), ForeignKey("kb_articles.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(100), default="")
    basis: Mapped[str] = mapped_column(String(16), default="knowledge")
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_by: Mapped[str | None] = mapped_column(String(36), default=None)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
