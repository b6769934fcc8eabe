"""The knowledge ports: the in-memory fakes and the database adapters (SQLite and PostgreSQL)
keep articles and versions alike, and find articles through the unit's search index alike."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime

import pytest

from fakes.unit_of_work import FakeUnits
from helpline.app.clock import VirtualClock
from helpline.app.knowledge import articles
from helpline.app.knowledge.ports import KnowledgeUnit
from helpline.bootstrap import Container
from helpline.domain.knowledge.articles import Article
from helpline.domain.people.accounts import Tenant

Units = Callable[[str], AbstractAsyncContextManager[KnowledgeUnit]]
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
CLOCK = VirtualClock(T0.timestamp())


def _article(title: str, body: str = "正文", source_order_id: str | None = None) -> Article:
    return Article(
        id="",
        title=title,
        body=body,
        created_by="u1",
        updated_by="u1",
        created_at=T0,
        updated_at=T0,
        source_order_id=source_order_id,
    )


class KnowledgeContract:
    async def test_an_added_article_is_found_by_id_and_source_order(self, units: Units) -> None:
        async with units("default") as uow:
            added = await uow.articles.add(_article("路灯不亮", source_order_id="WO-7"))
            await uow.commit()
        assert added.id
        async with units("default") as uow:
            assert await uow.articles.get(added.id) == added
            assert await uow.articles.by_source_order("WO-7") == added.id
            assert await uow.articles.by_source_order("WO-8") is None
            assert await uow.articles.get_many([added.id, "missing"]) == [added]

    async def test_every_version_is_kept_and_listed_newest_first(self, units: Units) -> None:
        async with units("default") as uow:
            article = await articles.add_article(uow, CLOCK, "u1", {"title": "水价", "body": "5 元"})
            await uow.commit()
        async with units("default") as uow:
            await articles.edit_article(uow, CLOCK, article.id, "u2", {"body": "5.5 元"}, expected_version=1)
        async with units("default") as uow:
            versions = await uow.article_versions.of_article(article.id)
            first = await uow.article_versions.get(article.id, 1)
            stored = await uow.articles.get(article.id)
        assert [(v.version, v.body, v.created_by) for v in versions] == [
            (2, "5.5 元", "u2"),
            (1, "5 元", "u1"),
        ]
        assert first == versions[1]
        assert stored is not None and (stored.version, stored.body, stored.updated_by) == (2, "5.5 元", "u2")

    async def test_publishing_stamps_the_version_it_published(self, units: Units) -> None:
        async with units("default") as uow:
            article = await articles.add_article(uow, CLOCK, "u1", {"title": "水价", "body": "5 元"})
            await uow.commit()
        async with units("default") as uow:
            await articles.publish_article(uow, CLOCK, article.id, "boss")
        async with units("default") as uow:
            await articles.edit_article(uow, CLOCK, article.id, "u1", {"title": "水价 2026"})
        async with units("default") as uow:
            stored = await uow.articles.get(article.id)
            versions = await uow.article_versions.of_article(article.id)
        assert stored is not None
        assert (stored.status, stored.version, stored.published_version) == ("published", 2, 1)
        assert stored.published_at == T0
        assert [(v.version, v.published_by, v.published_at) for v in versions] == [
            (2, None, None),
            (1, "boss", T0),
        ]

    async def test_search_finds_chinese_substrings_in_title_and_body(self, units: Units) -> None:
        async with units("default") as uow:
            power = await articles.add_article(uow, CLOCK, "u1", {"title": "停电怎么办", "body": "先看电表"})
            water = await articles.add_article(
                uow, CLOCK, "u1", {"title": "水价", "body": "阶梯水价，停电不影响"}
            )
            await articles.publish(uow, CLOCK, water.id, "boss")
            await uow.commit()
        async with units("default") as uow:
            total, hits = await articles.search_articles(uow, "停电", include_drafts=True)
            assert total == 2 and [a.id for a, _ in hits] == [power.id, water.id]  # title first
            _, published = await articles.search_articles(uow, "停电", include_drafts=False)
            assert [a.id for a, _ in published] == [water.id]
            _, both_terms = await articles.search_articles(uow, "电表 停电", include_drafts=True)
            assert [a.id for a, _ in both_terms] == [power.id]
            _, drafts = await articles.search_articles(
                uow, "", include_drafts=True, filters={"status": "draft"}
            )
            assert [a.id for a, _ in drafts] == [power.id]

    async def test_removing_forgets_the_article_its_versions_and_its_index_entry(self, units: Units) -> None:
        async with units("default") as uow:
            article = await articles.add_article(uow, CLOCK, "u1", {"title": "停电", "body": "x"})
            await uow.commit()
        async with units("default") as uow:
            await articles.delete_article(uow, article.id)
        async with units("default") as uow:
            assert await uow.articles.get(article.id) is None
            assert await uow.article_versions.of_article(article.id) == []
            assert await articles.search_articles(uow, "停电", include_drafts=True) == (0, [])

    async def test_a_tenant_sees_only_its_own_articles(self, units: Units) -> None:
        async with units("default") as uow:
            article = await articles.add_article(uow, CLOCK, "u1", {"title": "停电", "body": "x"})
            await uow.commit()
        async with units("other") as uow:
            assert await uow.articles.get(article.id) is None
            assert await uow.articles.get_many([article.id]) == []
            assert await uow.article_versions.of_article(article.id) == []
            assert await articles.search_articles(uow, "停电", include_drafts=True) == (0, [])

    async def test_nothing_is_kept_without_a_commit(self, units: Units) -> None:
        async with units("default") as uow:
            article = await articles.add_article(uow, CLOCK, "u1", {"title": "停电", "body": "x"})
        async with units("default") as uow:
            assert await uow.articles.get(article.id) is None
            assert await articles.search_articles(uow, "停电", include_drafts=True) == (0, [])


class TestFakes(KnowledgeContract):
    @pytest.fixture
    def units(self) -> Units:
        return FakeUnits()


class TestDatabase(KnowledgeContract):
    @pytest.fixture
    async def units(self, container: Container) -> Units:
        async with container.units("default") as uow:  # an article's tenant must exist
            await uow.tenants.add(Tenant("other", "Other"))
            await uow.commit()
        return container.units
