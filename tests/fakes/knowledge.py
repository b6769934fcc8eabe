"""Articles and their versions in memory (the ports of ``helpline.app.knowledge.ports``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from helpline.domain.knowledge.articles import Article, ArticleVersion


@dataclass
class KnowledgeTables:
    articles: dict[str, tuple[str, Article]] = field(default_factory=dict)  # id -> (tenant, article)
    versions: dict[tuple[str, int], tuple[str, ArticleVersion]] = field(default_factory=dict)


class FakeArticleRepository:
    def __init__(self, tables: KnowledgeTables, tenant_id: str) -> None:
        self.tables = tables
        self.tenant_id = tenant_id

    async def get(self, article_id: str) -> Article | None:
        tenant, found = self.tables.articles.get(article_id, ("", None))
        return replace(found) if found is not None and tenant == self.tenant_id else None

    async def get_many(self, article_ids: Sequence[str]) -> list[Article]:
        return [a for i in article_ids if (a := await self.get(i)) is not None]

    async def by_source_order(self, order_id: str) -> str | None:
        return next(
            (
                a.id
                for tenant, a in self.tables.articles.values()
                if tenant == self.tenant_id and a.source_order_id == order_id
            ),
            None,
        )

    async def add(self, article: Article) -> Article:
        stored = replace(article, id=str(uuid.uuid4()))
        self.tables.articles[stored.id] = (self.tenant_id, stored)
        return replace(stored)

    async def save(self, article: Article) -> None:
        if await self.get(article.id) is None:
            raise ValueError(f"article {article.id!r} is not stored in tenant {self.tenant_id!r}")
        self.tables.articles[article.id] = (self.tenant_id, replace(article))

    async def remove(self, article_id: str) -> None:
        if await self.get(article_id) is not None:
            del self.tables.articles[article_id]
            for key in [k for k in self.tables.versions if k[0] == article_id]:
                del self.tables.versions[key]


class FakeArticleVersionRepository:
    def __init__(self, tables: KnowledgeTables, tenant_id: str) -> None:
        self.tables = tables
        self.tenant_id = tenant_id

    async def add(self, version: ArticleVersion) -> None:
        key = (version.article_id, version.version)
        if key in self.tables.versions:
            raise ValueError(f"article {version.article_id!r} already has version {version.version}")
        self.tables.versions[key] = (self.tenant_id, replace(version))

    async def get(self, article_id: str, number: int) -> ArticleVersion | None:
        tenant, found = self.tables.versions.get((article_id, number), ("", None))
        return replace(found) if found is not None and tenant == self.tenant_id else None

    async def of_article(self, article_id: str) -> list[ArticleVersion]:
        mine = [
            replace(v)
            for (article, _), (tenant, v) in self.tables.versions.items()
            if article == article_id and tenant == self.tenant_id
        ]
        return sorted(mine, key=lambda v: v.version, reverse=True)

    async def save(self, version: ArticleVersion) -> None:
        stored = await self.get(version.article_id, version.version)
        if stored is not None:
            stored.published_by, stored.published_at = version.published_by, version.published_at
            self.tables.versions[(version.article_id, version.version)] = (self.tenant_id, stored)
