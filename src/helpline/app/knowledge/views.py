"""Articles and versions as the API shows them: ids, text and ISO 8601 instants."""

from __future__ import annotations

from typing import Any

from helpline.app.timefmt import iso
from helpline.domain.knowledge.articles import Article, ArticleVersion


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
        "created_at": iso(article.created_at),
        "updated_at": iso(article.updated_at),
        "published_at": iso(article.published_at),
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
        "created_at": iso(version.created_at),
        "published_by": version.published_by,
        "published_at": iso(version.published_at),
    }
