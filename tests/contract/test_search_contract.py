"""The search port: the in-memory fake and the database adapters (SQLite FTS5, PostgreSQL
pg_trgm) find the same documents, in the same order, with the same scores."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import pytest

from fakes.unit_of_work import FakeUnits
from helpline.app.search.ports import SearchUnit
from helpline.bootstrap import Container
from helpline.domain.errors import Invalid
from helpline.domain.search.text import Document, relevance

Units = Callable[[str], AbstractAsyncContextManager[SearchUnit]]
ORDERS = [
    Document("workorder", "1", "朝阳区小区停电", "三号楼停电三天了", {"category": "complaint"}),
    Document("workorder", "2", "Water outage", "no water since Monday, 停电 too", {"category": "inquiry"}),
    Document("workorder", "3", "路灯不亮", "朝阳路的路灯坏了", {"category": "inquiry"}),
    Document("kb", "k1", "停电怎么办", "先看电表", {}),
]


async def _load(units: Units, tenant: str = "default") -> None:
    async with units(tenant) as uow:
        await uow.search.index(ORDERS)
        await uow.commit()


async def _find(
    units: Units, query: str, tenant: str = "default", **options: object
) -> tuple[int, list[str]]:
    async with units(tenant) as uow:
        total, hits = await uow.search.find("workorder", query, **options)  # type: ignore[arg-type]
    return total, [ref for ref, _ in hits]


class SearchContract:
    async def test_every_term_is_required_in_title_or_body(self, units: Units) -> None:
        await _load(units)
        assert await _find(units, "停电") == (2, ["1", "2"])
        assert await _find(units, "停电 朝阳") == (1, ["1"])
        assert await _find(units, "WATER monday") == (1, ["2"])
        assert await _find(units, "地铁") == (0, [])

    async def test_date_order_is_newest_first_and_fields_match_exactly(self, units: Units) -> None:
        await _load(units)
        assert await _find(units, "", order="date") == (3, ["3", "2", "1"])
        assert await _find(units, "", fields={"category": "inquiry"}, order="date") == (2, ["3", "2"])

    async def test_scores_are_the_domains_relevance(self, units: Units) -> None:
        await _load(units)
        async with units("default") as uow:
            _, hits = await uow.search.find("workorder", "停电")
        scores = dict(hits)
        assert scores["1"] > scores["2"] > 0  # a title hit outweighs a body hit
        # per term: characters its hits cover in the title, then in the body; first the body's length
        one, two = ORDERS[0], ORDERS[1]
        assert scores == {
            "1": relevance(["停电"], [len(one.body), 2, 2]),
            "2": relevance(["停电"], [len(two.body), 0, 2]),
        }

    async def test_reindexing_replaces_and_removing_forgets(self, units: Units) -> None:
        await _load(units)
        async with units("default") as uow:
            await uow.search.index([Document("workorder", "1", "已修复", "恢复供电", {})])
            await uow.search.remove("workorder", "3")
            await uow.search.remove("workorder", "never")
            await uow.commit()
        assert await _find(units, "停电") == (1, ["2"])
        assert await _find(units, "", order="date") == (2, ["2", "1"])  # "1" keeps its place

    async def test_tenants_do_not_see_each_other(self, units: Units) -> None:
        await _load(units)
        assert await _find(units, "停电", tenant="other") == (0, [])

    async def test_nothing_is_indexed_without_a_commit(self, units: Units) -> None:
        async with units("default") as uow:
            await uow.search.index(ORDERS)
        assert await _find(units, "停电") == (0, [])

    async def test_bad_options_are_refused(self, units: Units) -> None:
        async with units("default") as uow:
            with pytest.raises(Invalid):
                await uow.search.find("workorder", "x", order="popular")
            with pytest.raises(Invalid):
                await uow.search.find("workorder", "x", offset=-1)


class TestFake(SearchContract):
    @pytest.fixture
    def units(self) -> Units:
        return FakeUnits()


class TestDatabase(SearchContract):
    @pytest.fixture
    def units(self, container: Container) -> Units:
        return container.units
