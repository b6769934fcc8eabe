"""What the knowledge base needs from storage: one tenant's articles and their versions, and
the search index the articles are found through."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from helpline.app.search.ports import SearchUnit
from helpline.domain.knowledge.articles import Article, ArticleVersion


class ArticleRepository(Protocol):
    """Articles of the unit's tenant; another tenant's article is simply not there."""

    async def get(self, article_id: str) -> Article | None: ...

    async def get_many(self, article_ids: Sequence[str]) -> list[Article]:
        """The stored ones among ``article_ids``, in one read (a page of search hits)."""
        ...

    async def by_source_order(self, order_id: str) -> str | None:
        """The id of the article drafted from that work order, if any."""
        ...

    async def add(self, article: Article) -> Article:
        """Store a new article (its id is filled in)."""
        ...

    async def save(self, article: Article) -> None:
        """Store the changed fields of an article loaded from this repository."""
        ...

    async def remove(self, article_id: str) -> None:
        """Forget the article and every version of it."""
        ...


class ArticleVersionRepository(Protocol):
    """The kept text of every version of the tenant's articles."""

    async def add(self, version: ArticleVersion) -> None: ...

    async def get(self, article_id: str, number: int) -> ArticleVersion | None: ...

    async def of_article(self, article_id: str) -> list[ArticleVersion]:
        """Every version, newest first."""
        ...

    async def save(self, version: ArticleVersion) -> None:
        """Store who published a version and when."""
        ...


class KnowledgeUnit(SearchUnit, Protocol):
    @property
    def articles(self) -> ArticleRepository: ...

    @property
    def article_versions(self) -> ArticleVersionRepository: ...
