"""The search engine on SQLite (FTS5 trigram) and PostgreSQL (pg_trgm + grams), same answers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpline.adapters.db import fulltext, fulltext_pg
from helpline.adapters.db.engine import make_engine, make_sessionmaker
from helpline.adapters.db.repositories.search import SqlSearchIndex
from helpline.domain.errors import Invalid
from helpline.domain.search import text as search
from helpline.domain.search.text import Document

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
Find = Callable[..., Awaitable[list[str]]]


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine(database_url)
    makers = make_sessionmaker(engine)
    async with makers() as session, session.begin():
        await session.execute(
            text(
                "INSERT INTO tenants (id, name, locale, settings, created_at) "
                "VALUES ('other', 'Other', 'zh-CN', '{}', :at)"
            ),
            {"at": T0},
        )
    yield makers
    await engine.dispose()


@pytest.fixture
def index(sessions: async_sessionmaker[AsyncSession]) -> Callable[..., Awaitable[None]]:
    async def add(
        ref_id: str,
        title: str,
        body: str = "",
        *,
        tenant: str = "default",
        kind: str = "workorder",
        fields: dict[str, str] | None = None,
    ) -> None:
        async with sessions() as session, session.begin():
            await SqlSearchIndex(session, tenant).index([Document(kind, ref_id, title, body, fields or {})])

    return add


@pytest.fixture
def find(sessions: async_sessionmaker[AsyncSession]) -> Find:
    async def run(query: str, **options: Any) -> list[str]:
        tenant, kind = options.pop("tenant", "default"), options.pop("kind", "workorder")
        async with sessions() as session:
            total, hits = await SqlSearchIndex(session, tenant).find(kind, query, **options)
        assert total >= len(hits)
        return [ref_id for ref_id, _ in hits]

    return run


async def test_chinese_substrings_of_every_length(index: Any, find: Find) -> None:
    await index("a", "朝阳区幸福小区停电", "小区停电三天了，冰箱里的东西都坏了。请尽快恢复供电")
    await index("b", "海淀区燃气泄漏", "楼道里闻到燃气味，担心爆炸")
    await index("c", "噪音扰民", "楼上装修噪音很大，晚上睡不着觉")
    assert await find("停电") == ["a"]  # two characters, inside a run of Chinese
    assert await find("停电三天") == ["a"]  # four: a phrase of trigrams
    assert await find("小区停") == ["a"]
    assert await find("供电") == ["a"]  # at the very end of the body
    assert await find("泄漏") == ["b"]  # at the very end of the title
    assert await find("炸") == ["b"]  # one character, the last of the body
    assert sorted(await find("区")) == ["a", "b"]
    assert await find("电停") == []  # the characters, but not in this order
    assert await find("停水") == []


async def test_english_is_case_insensitive_and_matches_inside_words(index: Any, find: Find) -> None:
    await index("en", "Power outage at Maple Court", "The caller asks for an URGENT repair of the ELEVATOR.")
    await index("zh", "电梯故障", "elevator 停运")
    assert await find("OUTAGE") == ["en"]
    assert await find("outa") == ["en"]  # a prefix
    assert await find("vator") == ["zh", "en"]  # the shorter body ranks first
    assert await find("urgent repair") == ["en"]
    assert await find("Elevator 停运") == ["zh"]  # mixed scripts, both required
    assert await find("tv") == []


async def test_every_term_is_required_and_punctuation_separates_terms(index: Any, find: Find) -> None:
    await index("1", "朝阳区停电", "幸福小区三号楼停电")
    await index("2", "朝阳区停水", "幸福小区停水")
    await index("3", "海淀区停电", "学府小区停电")
    assert sorted(await find("停电 朝阳")) == ["1"]
    assert sorted(await find("小区，停电")) == ["1", "3"]
    assert await find("停电 停水") == []
    assert sorted(await find("  小区  ")) == ["1", "2", "3"]


async def test_relevance_puts_title_hits_and_repeats_first(index: Any, find: Find) -> None:
    await index("title", "漏水", "楼上漏水")
    await index("body-often", "居民来电", "漏水，漏水，还是漏水")
    await index("body-once", "居民来电", "反映漏水问题" + "，其他情况说明" * 10)
    await index("elsewhere", "停水")
    assert await find("漏水") == ["title", "body-often", "body-once"]
    assert await find("漏水", order="date") == ["body-once", "body-often", "title"]  # newest first


async def test_pages_split_the_results_without_overlap(
    index: Any, find: Find, sessions: async_sessionmaker[AsyncSession]
) -> None:
    for i in range(25):
        await index(f"wo{i:02d}", f"第{i}号 停电", "停电")
    pages = [await find("停电", order="date", offset=offset, limit=10) for offset in (0, 10, 20)]
    assert [len(p) for p in pages] == [10, 10, 5]
    assert [ref for page in pages for ref in page] == [f"wo{i:02d}" for i in reversed(range(25))]
    async with sessions() as session:
        total, hits = await SqlSearchIndex(session, "default").find("workorder", "停电", offset=30)
    assert (total, hits) == (25, [])


async def test_fields_are_exact_matches_alone_or_with_text(index: Any, find: Find) -> None:
    await index("1", "停电", fields={"status": "closed", "户号": "H001"})
    await index("2", "停电", fields={"status": "open", "户号": "H002"})
    await index("3", "停水", fields={"status": "closed", "户号": "H0011"})
    assert sorted(await find("", fields={"status": "closed"})) == ["1", "3"]
    assert await find("停电", fields={"status": "closed"}) == ["1"]
    assert await find("", fields={"户号": "H001"}) == ["1"]  # exact, not a prefix
    assert await find("", fields={"status": "closed", "户号": "H0011"}) == ["3"]
    assert await find("", fields={"missing": "x"}) == []


async def test_tenants_and_kinds_do_not_see_each_other(index: Any, find: Find) -> None:
    await index("mine", "小区停电")
    await index("theirs", "小区停电", tenant="other")
    await index("article", "小区停电", kind="article")
    assert await find("停电") == ["mine"]
    assert await find("停电", tenant="other") == ["theirs"]
    assert await find("停电", kind="article") == ["article"]
    assert await find("", fields={}, tenant="other") == ["theirs"]


async def test_reindexing_replaces_the_old_text_and_fields(
    index: Any, find: Find, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await index("1", "燃气泄漏", "旧的描述", fields={"status": "open"})
    await index("2", "燃气表", "描述")
    await index("1", "燃气已修复", "新的描述", fields={"status": "closed"})
    assert await find("泄漏") == [] and await find("旧的") == []
    assert await find("修复 新的") == ["1"]
    assert await find("燃气", order="date") == ["2", "1"]  # indexing again keeps the place
    assert await find("", fields={"status": "open"}) == []
    assert await find("", fields={"status": "closed"}) == ["1"]
    async with sessions() as session, session.begin():
        await SqlSearchIndex(session, "default").remove("workorder", "1")
        await SqlSearchIndex(session, "default").remove("workorder", "never-indexed")
    assert await find("修复") == [] and await find("") == ["2"]


async def test_an_empty_query_lists_everything_newest_first(index: Any, find: Find) -> None:
    for i in range(3):
        await index(f"d{i}", f"工单{i}")
    assert await find("") == ["d2", "d1", "d0"]
    assert await find("！？") == ["d2", "d1", "d0"]  # only punctuation: no terms


async def test_past_max_results_the_answer_is_newest_first_and_capped(
    index: Any, sessions: async_sessionmaker[AsyncSession]
) -> None:
    for i in range(8):
        await index(f"n{i}", "停电" * (8 - i), "停电")  # older ones are more relevant
    await index("other", "停水")
    async with sessions() as session:
        total, hits = await SqlSearchIndex(session, "default", max_results=5).find(
            "workorder", "停电", limit=3
        )
        assert total == 6  # "more than 5"
        assert [ref for ref, _ in hits] == ["n7", "n6", "n5"]
        assert all(score > 0 for _, score in hits)
        total, hits = await SqlSearchIndex(session, "default", max_results=5).find(
            "workorder", "停电", offset=3, limit=10
        )
        assert [ref for ref, _ in hits] == ["n4", "n3"]  # pages stop at MAX_RESULTS
        assert await SqlSearchIndex(session, "default", max_results=5).find(
            "workorder", "停电", offset=5
        ) == (6, [])
        total, hits = await SqlSearchIndex(session, "default", max_results=5).find("workorder", "停水")
        assert (total, [ref for ref, _ in hits]) == (1, ["other"])


async def test_a_short_term_too_common_to_expand_is_checked_row_by_row(
    index: Any, find: Find, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fulltext, "EXPAND_LIMIT", 1)
    await index("1", "电梯故障", "停电")
    await index("2", "电话", "电费")
    await index("3", "燃气", "燃气")
    assert sorted(await find("电")) == ["1", "2"]
    assert await find("电 故障") == ["1"]


async def test_bad_options_are_refused(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        with pytest.raises(Invalid):
            await SqlSearchIndex(session, "default").find("workorder", "x", order="popular")
        with pytest.raises(Invalid):
            await SqlSearchIndex(session, "default").find("workorder", "x", offset=-1)


def test_queries_are_words_of_letters_and_digits() -> None:
    assert search.parse_query("小区，停电 Power-Outage  停电 3号楼") == [
        "小区",
        "停电",
        "power",
        "outage",
        "3号楼",
    ]
    assert search.parse_query("!!! ???") == []
    assert len(search.parse_query(" ".join(f"w{i}" for i in range(20)))) == search.MAX_TERMS


def test_highlight_escapes_and_marks() -> None:
    assert search.highlight("<b>停电</b> Power", ["停电", "power"]) == (
        "&lt;b&gt;<mark>停电</mark>&lt;/b&gt; <mark>Power</mark>"
    )
    snippet = search.highlight("甲" * 100 + "停电" + "乙" * 100, ["停电"], width=20)
    assert snippet.startswith("…") and snippet.endswith("…") and "<mark>停电</mark>" in snippet
    assert search.highlight("没有命中的文字", ["停电"], width=4) == "没有命中…"


@pytest.mark.parametrize("common_from", [1, 10**6], ids=["walk-newest", "gin-probe"])
async def test_both_postgresql_strategies_give_the_same_answers(
    index: Any, find: Find, monkeypatch: pytest.MonkeyPatch, common_from: int
) -> None:
    """PostgreSQL walks the newest documents for common terms and asks GIN for rare ones
    (decided on a sample); SQLite ignores the setting. The answers may not differ."""
    monkeypatch.setattr(fulltext_pg, "PG_COMMON", common_from)
    monkeypatch.setattr(search, "MAX_RESULTS", 4)
    for i in range(6):
        await index(
            f"w{i}", f"小区停电 第{i}次", "Power OUTAGE" if i % 2 else "停水", fields={"n": str(i % 3)}
        )
    assert await find("停电", order="date", limit=3) == ["w5", "w4", "w3"]
    assert await find("停电 outage", order="date") == ["w5", "w3", "w1"]
    assert await find("电", fields={"n": "0"}) == ["w3", "w0"]
    assert await find("第4次") == ["w4"]
    assert await find("停水 outage") == []


async def test_postgresql_pages_broad_queries_either_way(
    index: Any, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """A broad page walks the newest documents or sorts all GIN matches, by density."""
    for i in range(6):
        await index(f"b{i}", f"停电{i}", "outage" if i % 2 else "")
    async with sessions() as session:
        if session.get_bind().dialect.name != "postgresql":
            pytest.skip("PostgreSQL only")
        ids = list((await session.scalars(text("SELECT id FROM search_documents ORDER BY id"))).all())
        for terms in (["停电"], ["outage"], ["停电", "outage"]):
            walked = await fulltext_pg.newest(session, "default", "workorder", terms, {}, 1, 2)
            sorted_ = await fulltext_pg.newest(
                session, "default", "workorder", terms, {}, 1, 2, probed=[10**9]
            )
            assert (
                walked == sorted_ and len(walked) == 2 and walked[0] > walked[1] and set(walked) <= set(ids)
            )
