"""The knowledge-base use cases on the in-memory fakes: the rules, without a database."""

from __future__ import annotations

import pytest

from fakes.unit_of_work import FakeUnits
from helpline.app.clock import VirtualClock
from helpline.app.knowledge import articles
from helpline.app.timefmt import as_datetime
from helpline.domain.errors import DomainError, Invalid, NotFound
from helpline.domain.knowledge.articles import Article

START = 1_795_000_000.0


async def _draft(units: FakeUnits, clock: VirtualClock, **values: str) -> Article:
    async with units("default") as uow:
        return await articles.create_article(
            uow, clock, "leader", {"title": "水价", "body": "5 元", **values}
        )


async def test_agents_never_see_drafts_in_reads_or_searches() -> None:
    units, clock = FakeUnits(), VirtualClock(START)
    draft = await _draft(units, clock)
    async with units("default") as uow:
        with pytest.raises(NotFound) as missing:
            await articles.get_article(uow, draft.id, include_drafts=False)
        assert missing.value.code == "article_not_found"
        found = await articles.search_articles(uow, "水价", include_drafts=False, filters={"status": "draft"})
        assert found == (0, [])
        assert (await articles.get_article(uow, draft.id)).id == draft.id  # a leader does


async def test_an_edit_with_a_stale_version_is_a_conflict_and_changes_nothing() -> None:
    units, clock = FakeUnits(), VirtualClock(START)
    draft = await _draft(units, clock)
    async with units("default") as uow:
        await articles.edit_article(uow, clock, draft.id, "a", {"body": "5.5 元"}, expected_version=1)
    async with units("default") as uow:
        with pytest.raises(DomainError) as stale:
            await articles.edit_article(uow, clock, draft.id, "b", {"body": "6 元"}, expected_version=1)
    assert (stale.value.code, stale.value.kind, stale.value.fields["version"]) == (
        "version_conflict",
        "conflict",
        2,
    )
    async with units("default") as uow:
        assert (await articles.get_article(uow, draft.id)).body == "5.5 元"


async def test_an_edit_that_changes_nothing_makes_no_version() -> None:
    units, clock = FakeUnits(), VirtualClock(START)
    draft = await _draft(units, clock, category="水务")
    async with units("default") as uow:
        same = await articles.edit_article(uow, clock, draft.id, "x", {"category": " 水务 ", "body": None})
    assert same.version == 1 and units.store.knowledge.versions.keys() == {(draft.id, 1)}


async def test_times_come_from_the_clock() -> None:
    units, clock = FakeUnits(), VirtualClock(START)
    draft = await _draft(units, clock)
    clock.advance(60)
    async with units("default") as uow:
        published = await articles.publish_article(uow, clock, draft.id, "boss")
    assert draft.created_at == as_datetime(START)
    assert published.published_at == published.updated_at == as_datetime(START + 60)


async def test_an_article_without_a_body_is_not_published() -> None:
    units, clock = FakeUnits(), VirtualClock(START)
    draft = await _draft(units, clock, body="  ")
    async with units("default") as uow:
        with pytest.raises(Invalid) as refused:
            await articles.publish_article(uow, clock, draft.id, "boss")
    assert refused.value.code == "article_body_required"


async def test_bad_fields_are_all_named_and_nothing_is_stored() -> None:
    units, clock = FakeUnits(), VirtualClock(START)
    async with units("default") as uow:
        with pytest.raises(Invalid) as refused:
            await articles.create_article(
                uow, clock, "x", {"title": " ", "basis": "rumour", "category": "c" * 101}
            )
    assert [p["field"] for p in refused.value.fields["errors"]] == ["title", "basis", "category"]
    assert units.store.knowledge.articles == {}


async def test_one_draft_per_solved_order() -> None:
    units, clock = FakeUnits(), VirtualClock(START)
    async with units("default") as uow:
        draft = await articles.draft_from_order(
            uow, clock, "小区停电\n三天了", "变压器老化", "已更换", "WO-1", created_by="agent"
        )
    assert (draft.title, draft.source_order_id, draft.status) == ("小区停电", "WO-1", "draft")
    assert draft.body.index("## 问题") < draft.body.index("## 原因") < draft.body.index("来源工单：WO-1")
    async with units("default") as uow:
        with pytest.raises(DomainError) as again:
            await articles.draft_from_order(uow, clock, "x", "", "y", "WO-1", created_by="agent")
        with pytest.raises(Invalid) as unsolved:
            await articles.draft_from_order(uow, clock, "x", "", " ", "WO-2", created_by="agent")
    assert again.value.code == "article_exists_for_order" and again.value.fields["article_id"] == draft.id
    assert unsolved.value.fields["errors"] == [{"field": "solution", "message": "required"}]


async def test_unpublishing_hides_it_again_and_keeps_its_history() -> None:
    units, clock = FakeUnits(), VirtualClock(START)
    draft = await _draft(units, clock)
    async with units("default") as uow:
        await articles.publish_article(uow, clock, draft.id, "boss")
    async with units("default") as uow:
        back = await articles.unpublish_article(uow, clock, draft.id, "boss")
        assert (back.status, back.published_version) == ("draft", 1)
    async with units("default") as uow:
        assert await articles.search_articles(uow, "水价", include_drafts=False) == (0, [])
        assert [v.published_by for v in await articles.list_versions(uow, draft.id)] == ["boss"]
