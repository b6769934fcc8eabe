"""The knowledge base (知识库): the basis agents cite when they answer (NORMS §4.5).

Articles are drafts until a supervisor publishes them; agents only ever see published ones.
Every change of content is a new version and the old text is kept, so an answer can be traced
to the wording it relied on. A solved work order becomes a draft in one step from its problem,
cause and solution (NORMS §4.11); the work-order side passes plain values, so this module
knows nothing of its tables.

Articles are indexed in :mod:`helpline.adapters.db.repositories.search` as kind ``article`` with the fields
``status``, ``category`` and ``basis``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.base import utcnow
from helpline.adapters.db.repositories.search import SqlSearchIndex
from helpline.adapters.db.tables.knowledge import BASIS_KINDS, Article, ArticleVersion
from helpline.domain.errors import DomainError, Invalid, NotFound
from helpline.domain.search.text import Document

KIND = "article"
EDITABLE = ("title", "body", "category", "basis")
TITLE_MAX, CATEGORY_MAX = 200, 100


def check_values(values: dict[str, Any]) -> list[dict[str, str]]:
    """Every problem with an article's fields, so that a form can mark them all at once."""
    problems: list[dict[str, str]] = []
    if "title" in values:
        title = str(values["title"] or "").strip()
        if not title:
            problems.append({"field": "title", "message": "a title is required"})
        elif len(title) > TITLE_MAX:
            problems.append({"field": "title", "message": f"at most {TITLE_MAX} characters"})
    if "basis" in values and values["basis"] not in BASIS_KINDS:
        problems.append({"field": "basis", "message": "basis is knowledge, law or policy"})
    if "category" in values and len(str(values["category"] or "")) > CATEGORY_MAX:
        problems.append({"field": "category", "message": f"at most {CATEGORY_MAX} characters"})
    return problems


def _refuse(problems: list[dict[str, str]]) -> None:
    if problems:
        message = "; ".join(f"{p['field']}: {p['message']}" for p in problems)
        raise Invalid("invalid_article", message, errors=problems)


async def _reindex(session: AsyncSession, article: Article) -> None:
    fields = {"status": article.status, "category": article.category, "basis": article.basis}
    document = Document(KIND, article.id, article.title, article.body, fields)
    await SqlSearchIndex(session, article.tenant_id).index([document])


def _snapshot(article: Article, actor_id: str) -> ArticleVersion:
    return ArticleVersion(
        tenant_id=article.tenant_id,
        article_id=article.id,
        version=article.version,
        title=article.title,
        body=article.body,
        category=article.category,
        basis=article.basis,
        created_by=actor_id,
        created_at=article.updated_at,
    )


async def get_article(
    session: AsyncSession, tenant_id: str, article_id: str, *, include_drafts: bool = True
) -> Article:
    """The article; a draft looks missing to those who may not see drafts."""
    article = await session.get(Article, article_id)
    if (
        article is None
        or article.tenant_id != tenant_id
        or (article.status == "draft" and not include_drafts)
    ):
        raise NotFound("article_not_found", f"no article {article_id}", article_id=article_id)
    return article


async def create_article(
    session: AsyncSession,
    tenant_id: str,
    actor_id: str,
    values: dict[str, Any],
    *,
    source_order_id: str | None = None,
) -> Article:
    """A new draft, version 1."""
    values = {"title": "", **{k: values[k] for k in EDITABLE if k in values}}
    _refuse(check_values(values))
    now = utcnow()
    article = Article(
        tenant_id=tenant_id,
        title=str(values["title"]).strip(),
        body=str(values.get("body") or ""),
        category=str(values.get("category") or "").strip(),
        basis=values.get("basis") or "knowledge",
        status="draft",
        version=1,
        source_order_id=source_order_id,
        created_by=actor_id,
        updated_by=actor_id,
        created_at=now,
        updated_at=now,
    )
    session.add(article)
    await session.flush()
    session.add(_snapshot(article, actor_id))
    await _reindex(session, article)
    return article


async def edit_article(
    session: AsyncSession,
    tenant_id: str,
    article_id: str,
    actor_id: str,
    values: dict[str, Any],
    *,
    expected_version: int | None = None,
) -> Article:
    """Change the content: a new version, the old one kept. A published article stays
    published with the new text. ``expected_version`` refuses to overwrite someone else's
    edit made in the meantime (409)."""
    article = await get_article(session, tenant_id, article_id)
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
    article.updated_by, article.updated_at = actor_id, utcnow()
    await session.flush()
    session.add(_snapshot(article, actor_id))
    await _reindex(session, article)
    return article


async def publish_article(session: AsyncSession, tenant_id: str, article_id: str, actor_id: str) -> Article:
    """Make the current version visible to agents; the version records who published it."""
    article = await get_article(session, tenant_id, article_id)
    if article.status == "published" and article.published_version == article.version:
        return article
    if not article.body.strip():
        raise Invalid("article_body_required", "an article needs a body before it is published", field="body")
    now = utcnow()
    version = await _version_row(session, article, article.version)
    version.published_by, version.published_at = actor_id, now
    article.status, article.published_version, article.published_at = "published", article.version, now
    article.updated_by, article.updated_at = actor_id, now
    await session.flush()
    await _reindex(session, article)
    return article


async def unpublish_article(session: AsyncSession, tenant_id: str, article_id: str, actor_id: str) -> Article:
    """Back to draft: agents no longer see it; nothing of its history is lost."""
    article = await get_article(session, tenant_id, article_id)
    if article.status == "draft":
        return article
    article.status = "draft"
    article.updated_by, article.updated_at = actor_id, utcnow()
    await session.flush()
    await _reindex(session, article)
    return article


async def delete_article(session: AsyncSession, tenant_id: str, article_id: str) -> None:
    article = await get_article(session, tenant_id, article_id)
    await SqlSearchIndex(session, tenant_id).remove(KIND, article.id)
    await session.delete(article)


async def _version_row(session: AsyncSession, article: Article, number: int) -> ArticleVersion:
    row = await session.scalar(
        select(ArticleVersion).where(
            ArticleVersion.article_id == article.id, ArticleVersion.version == number
        )
    )
    if row is None:
        raise NotFound("version_not_found", f"article {article.id} has no version {number}", version=number)
    return row


async def list_versions(session: AsyncSession, tenant_id: str, article_id: str) -> Sequence[ArticleVersion]:
    """Every version, newest first."""
    article = await get_article(session, tenant_id, article_id)
    return (
        await session.scalars(
            select(ArticleVersion)
            .where(ArticleVersion.article_id == article.id)
            .order_by(ArticleVersion.version.desc())
        )
    ).all()


async def get_version(session: AsyncSession, tenant_id: str, article_id: str, number: int) -> ArticleVersion:
    return await _version_row(session, await get_article(session, tenant_id, article_id), number)


async def search_articles(
    session: AsyncSession,
    tenant_id: str,
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
    total, hits = await SqlSearchIndex(session, tenant_id).find(
        KIND, query, fields=fields, order=order, offset=offset, limit=limit
    )
    ids = [ref_id for ref_id, _ in hits]
    found = (
        {a.id: a for a in await session.scalars(select(Article).where(Article.id.in_(ids)))} if ids else {}
    )
    return total, [(found[ref_id], score) for ref_id, score in hits if ref_id in found]


def order_article_body(problem: str, cause: str, solution: str, order_id: str) -> str:
    """The body of an article drafted from a solved order: problem, cause, solution."""
    parts = [("问题", problem), ("原因", cause), ("解决办法", solution)]
    text = "\n\n".join(f"## {heading}\n{value.strip()}" for heading, value in parts if value.strip())
    return f"{text}\n\n来源工单：{order_id}"


async def draft_from_order(
    session: AsyncSession,
    tenant_id: str,
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
    second attempt answers ``article_exists_for_order`` (409) with the article's id."""
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
    existing = await session.scalar(
        select(Article.id).where(Article.tenant_id == tenant_id, Article.source_order_id == order_id)
    )
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
    return await create_article(session, tenant_id, created_by, values, source_order_id=order_id)


def as_dict(article: Article, *, score: float | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": article.id,
        "title": article.title,
        "body": article.body,
        "category": article.category,
        "basis": article.basis,
        "status": article.status,
        "version": article.version,
        "published_version": article.published_version,
        "source_order_id": article.source_order_id,
        "created_by": article.created_by,
        "updated_by": article.updated_by,
        "created_at": article.created_at.isoformat(),
        "updated_at": article.updated_at.isoformat(),
        "published_at": article.published_at.isoformat() if article.published_at else None,
    }
    if score is not None:
        data["score"] = score
    return data


def version_dict(version: ArticleVersion) -> dict[str, Any]:
    return {
        "version": version.version,
        "title": version.title,
        "body": version.body,
        "category": version.category,
        "basis": version.basis,
        "created_by": version.created_by,
        "created_at": version.created_at.isoformat(),
        "published_by": version.published_by,
        "published_at": version.published_at.isoformat() if version.published_at else None,
    }
