"""The knowledge base (知识库): the basis agents cite when they answer (NORMS §4.5).

Articles are drafts until a supervisor publishes them; agents only ever see published ones.
Every change of content is a new version and the old text is kept, so an answer can be traced
to the wording it relied on. A solved work order becomes a draft in one step from its problem,
cause and solution (NORMS §4.11); the caller passes them as plain values.

The use cases commit; the ``add_…``/``publish`` steps do not, for an orchestrator (the demo
data) that stores many in one transaction. Articles are indexed in the unit's search index
(``uow.search``) as kind ``article`` with the fields ``status``, ``category`` and ``basis``,
in the transaction that changes them.
"""

from __future__ import annotations

from typing import Any

from helpline.app.clock import Clock
from helpline.app.knowledge.ports import KnowledgeUnit
from helpline.app.timefmt import as_datetime
from helpline.domain.errors import DomainError, Invalid, NotFound
from helpline.domain.knowledge.articles import (
    EDITABLE,
    TITLE_MAX,
    Article,
    ArticleVersion,
    check_values,
    order_article_body,
)
from helpline.domain.search.text import Document

KIND = "article"


def _refuse(problems: list[dict[str, str]]) -> None:
    if problems:
        message = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        raise Invalid("invalid_article", message, errors=problems)


async def _reindex(uow: KnowledgeUnit, article: Article) -> None:
    fields = {"status": article.status, "category": article.category, "basis": article.basis}
    await uow.search.index([Document(KIND, article.id, article.title, article.body, fields)])


async def get_article(uow: KnowledgeUnit, article_id: str, *, include_drafts: bool = True) -> Article:
    """The article; a draft looks missing to those who may not see drafts."""
    article = await uow.articles.get(article_id)
    if article is None or (article.status == "draft" and not include_drafts):
        raise NotFound("article_not_found", f"no article {article_id}", article_id=article_id)
    return article


async def create_article(uow: KnowledgeUnit, clock: Clock, actor_id: str, values: dict[str, Any]) -> Article:
    """:func:`add_article`, committed."""
    article = await add_article(uow, clock, actor_id, values)
    await uow.commit()
    return article


async def add_article(
    uow: KnowledgeUnit,
    clock: Clock,
    actor_id: str,
    values: dict[str, Any],
    *,
    source_order_id: str | None = None,
) -> Article:
    """A new draft, version 1, not yet committed."""
    values = {"title": "", **{k: values[k] for k in EDITABLE if k in values}}
    _refuse(check_values(values))
    now = as_datetime(clock.now())
    draft = Article(
        id="",
        title=str(values["title"]).strip(),
        body=str(values.get("body") or ""),
        category=str(values.get("category") or "").strip(),
        basis=values.get("basis") or "knowledge",
        source_order_id=source_order_id,
        created_by=actor_id,
        updated_by=actor_id,
        created_at=now,
        updated_at=now,
    )
    article = await uow.articles.add(draft)
    await uow.article_versions.add(article.snapshot(actor_id))
    await _reindex(uow, article)
    return article


async def edit_article(
    uow: KnowledgeUnit,
    clock: Clock,
    article_id: str,
    actor_id: str,
    values: dict[str, Any],
    *,
    expected_version: int | None = None,
) -> Article:
    """Change the content: a new version, the old one kept. A published article stays
    published with the new text. ``expected_version`` refuses to overwrite someone else's
    edit made in the meantime (``version_conflict``, 409). Commits."""
    article = await get_article(uow, article_id)
    if expected_version is not None and expected_version != article.version:
        raise DomainError(
            "version_conflict",
            "the article was changed meanwhile; reload it",
            article_id=article_id,
            version=article.version,
        )
    changes = {k: values[k] for k in EDITABLE if k in values and values[k] is not None}
    _refuse(check_values(changes))
    changes = {k: (v.strip() if k in ("title", "category") else v) for k, v in changes.items()}
    if all(getattr(article, k) == v for k, v in changes.items()):
        return article
    for key, value in changes.items():
        setattr(article, key, value)
    article.version += 1
    article.updated_by, article.updated_at = actor_id, as_datetime(clock.now())
    await uow.articles.save(article)
    await uow.article_versions.add(article.snapshot(actor_id))
    await _reindex(uow, article)
    await uow.commit()
    return article


async def publish_article(uow: KnowledgeUnit, clock: Clock, article_id: str, actor_id: str) -> Article:
    """:func:`publish`, committed."""
    article = await publish(uow, clock, article_id, actor_id)
    await uow.commit()
    return article


async def publish(uow: KnowledgeUnit, clock: Clock, article_id: str, actor_id: str) -> Article:
    """Make the current version visible to agents, not yet committed; the version records
    who published it."""
    article = await get_article(uow, article_id)
    if article.status == "published" and article.published_version == article.version:
        return article
    if not article.body.strip():
        raise Invalid("article_body_required", "an article needs a body before it is published", field="body")
    now = as_datetime(clock.now())
    version = await _version(uow, article, article.version)
    version.published_by, version.published_at = actor_id, now
    await uow.article_versions.save(version)
    article.status, article.published_version, article.published_at = "published", article.version, now
    article.updated_by, article.updated_at = actor_id, now
    await uow.articles.save(article)
    await _reindex(uow, article)
    return article


async def unpublish_article(uow: KnowledgeUnit, clock: Clock, article_id: str, actor_id: str) -> Article:
    """Back to draft: agents no longer see it; nothing of its history is lost. Commits."""
    article = await get_article(uow, article_id)
    if article.status == "draft":
        return article
    article.status = "draft"
    article.updated_by, article.updated_at = actor_id, as_datetime(clock.now())
    await uow.articles.save(article)
    await _reindex(uow, article)
    await uow.commit()
    return article


async def delete_article(uow: KnowledgeUnit, article_id: str) -> None:
    """Forget the article, its versions and its place in the index. Commits."""
    article = await get_article(uow, article_id)
    await uow.search.remove(KIND, article.id)
    await uow.articles.remove(article.id)
    await uow.commit()


async def _version(uow: KnowledgeUnit, article: Article, number: int) -> ArticleVersion:
    found = await uow.article_versions.get(article.id, number)
    if found is None:
        raise NotFound("version_not_found", f"article {article.id} has no version {number}", version=number)
    return found


async def list_versions(uow: KnowledgeUnit, article_id: str) -> list[ArticleVersion]:
    """Every version, newest first."""
    article = await get_article(uow, article_id)
    return await uow.article_versions.of_article(article.id)


async def get_version(uow: KnowledgeUnit, article_id: str, number: int) -> ArticleVersion:
    return await _version(uow, await get_article(uow, article_id), number)


async def search_articles(
    uow: KnowledgeUnit,
    query: str,
    *,
    include_drafts: bool,
    filters: dict[str, str] | None = None,
    order: str = "relevance",
    offset: int = 0,
    limit: int = 20,
) -> tuple[int, list[tuple[Article, float]]]:
    """Articles matching ``query`` (see :meth:`helpline.app.search.ports.SearchIndex.find`) and the
    exact ``filters`` (``status``, ``category``, ``basis``). Without ``include_drafts``
    only published articles are found, whatever the filters say."""
    fields = {k: v for k, v in (filters or {}).items() if v}
    if not include_drafts:
        fields["status"] = "published"
    total, hits = await uow.search.find(KIND, query, fields=fields, order=order, offset=offset, limit=limit)
    found = {a.id: a for a in await uow.articles.get_many([ref_id for ref_id, _ in hits])} if hits else {}
    return total, [(found[ref_id], score) for ref_id, score in hits if ref_id in found]


async def draft_from_order(
    uow: KnowledgeUnit,
    clock: Clock,
    problem: str,
    cause: str,
    solution: str,
    order_id: str,
    *,
    created_by: str,
    title: str = "",
    category: str = "",
) -> Article:
    """A draft article from a solved work order (NORMS §4.11). One article per order: a
    second attempt answers ``article_exists_for_order`` (409) with the article's id. Commits."""
    if not problem.strip() or not solution.strip():
        raise Invalid(
            "order_not_solved",
            "an article needs the problem and its solution",
            errors=[
                {"field": f, "message": "required"}
                for f, v in (("problem", problem), ("solution", solution))
                if not v.strip()
            ],
        )
    existing = await uow.articles.by_source_order(order_id)
    if existing is not None:
        raise DomainError(
            "article_exists_for_order",
            "this order already has an article",
            article_id=existing,
            order_id=order_id,
        )
    first_line = problem.strip().splitlines()[0]
    values = {
        "title": (title.strip() or first_line)[:TITLE_MAX],
        "body": order_article_body(problem, cause, solution, order_id),
        "category": category,
        "basis": "knowledge",
    }
    article = await add_article(uow, clock, created_by, values, source_order_id=order_id)
    await uow.commit()
    return article
