"""Articles and their versions in the database (the ports of ``helpline.app.knowledge.ports``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update

from helpline.adapters.db.repositories.base import TenantRepositoryBase
from helpline.adapters.db.tables.knowledge import Article as ArticleRow
from helpline.adapters.db.tables.knowledge import ArticleVersion as VersionRow
from helpline.domain.knowledge.articles import Article, ArticleVersion

_ARTICLE_FIELDS = (
    "title",
    "body",
    "category",
    "basis",
    "status",
    "version",
    "published_version",
    "published_at",
    "source_order_id",
    "created_by",
    "updated_by",
    "created_at",
    "updated_at",
)


def _article(row: ArticleRow) -> Article:
    return Article(id=row.id, **{name: getattr(row, name) for name in _ARTICLE_FIELDS})


def _version(row: VersionRow) -> ArticleVersion:
    return ArticleVersion(
        article_id=row.article_id,
        version=row.version,
        title=row.title,
        body=row.body,
        category=row.category,
        basis=row.basis,
        created_by=row.created_by,
        created_at=row.created_at,
        published_by=row.published_by,
        published_at=row.published_at,
    )


class SqlArticleRepository(TenantRepositoryBase[ArticleRow]):
    model = ArticleRow

    async def get(self, article_id: str) -> Article | None:
        row = await self._row(article_id)
        return None if row is None else _article(row)

    async def get_many(self, article_ids: Sequence[str]) -> list[Article]:
        if not article_ids:
            return []
        rows = await self.session.scalars(self._select().where(ArticleRow.id.in_(article_ids)))
        return [_article(row) for row in rows]

    async def by_source_order(self, order_id: str) -> str | None:
        found: str | None = await self.session.scalar(
            select(ArticleRow.id).where(
                ArticleRow.tenant_id == self.tenant_id, ArticleRow.source_order_id == order_id
            )
        )
        return found

    async def add(self, article: Article) -> Article:
        row = ArticleRow(tenant_id=self.tenant_id, **{n: getattr(article, n) for n in _ARTICLE_FIELDS})
        await self._add_row(row)
        return _article(row)

    async def save(self, article: Article) -> None:
        row = await self._row(article.id)
        if row is None:
            raise ValueError(f"article {article.id!r} is not stored in tenant {self.tenant_id!r}")
        for name in _ARTICLE_FIELDS:
            setattr(row, name, getattr(article, name))
        await self.session.flush()

    async def remove(self, article_id: str) -> None:
        row = await self._row(article_id)
        if row is not None:
            await self.session.delete(row)  # its versions go with it (ON DELETE CASCADE)
            await self.session.flush()


class SqlArticleVersionRepository(TenantRepositoryBase[VersionRow]):
    model = VersionRow

    async def add(self, version: ArticleVersion) -> None:
        row = VersionRow(
            tenant_id=self.tenant_id,
            article_id=version.article_id,
            version=version.version,
            title=version.title,
            body=version.body,
            category=version.category,
            basis=version.basis,
            created_by=version.created_by,
            created_at=version.created_at,
            published_by=version.published_by,
            published_at=version.published_at,
        )
        self.session.add(row)  # flushed with the next statement, as before

    async def get(self, article_id: str, number: int) -> ArticleVersion | None:
        row = await self.session.scalar(
            self._select().where(VersionRow.article_id == article_id, VersionRow.version == number)
        )
        return None if row is None else _version(row)

    async def of_article(self, article_id: str) -> list[ArticleVersion]:
        stmt = self._select().where(VersionRow.article_id == article_id).order_by(VersionRow.version.desc())
        return [_version(row) for row in await self.session.scalars(stmt)]

    async def save(self, version: ArticleVersion) -> None:
        await self.session.execute(
            update(VersionRow)
            .where(
                VersionRow.tenant_id == self.tenant_id,
                VersionRow.article_id == version.article_id,
                VersionRow.version == version.version,
            )
            .values(published_by=version.published_by, published_at=version.published_at)
        )
