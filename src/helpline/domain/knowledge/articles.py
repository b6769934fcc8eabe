"""Articles of the knowledge base (知识库) and the versions of their text, as plain records.

An inquiry is answered citing a basis (NORMS §4.5): the center's own knowledge, a law or a
policy. Each change of content is a new :class:`ArticleVersion` and the old text is kept, so
an answer given last month can still be read as it was then. The rules that need no storage
(what a valid article is, the body of a draft from a solved order) live here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

BASIS_KINDS = ("knowledge", "law", "policy")
STATUSES = ("draft", "published")
EDITABLE = ("title", "body", "category", "basis")
TITLE_MAX, CATEGORY_MAX = 200, 100


@dataclass
class Article:
    """The current state of an article; ``version`` is the number of its latest version."""

    id: str
    title: str
    created_by: str
    updated_by: str
    created_at: datetime
    updated_at: datetime
    body: str = ""
    category: str = ""
    basis: str = "knowledge"
    status: str = "draft"
    version: int = 1
    published_version: int | None = None
    published_at: datetime | None = None
    source_order_id: str | None = None

    def snapshot(self, actor_id: str) -> ArticleVersion:
        """The current text as the version it is, written by ``actor_id``."""
        return ArticleVersion(
            article_id=self.id,
            version=self.version,
            title=self.title,
            body=self.body,
            category=self.category,
            basis=self.basis,
            created_by=actor_id,
            created_at=self.updated_at,
        )


@dataclass
class ArticleVersion:
    """The content of one version, as it was written; ``published_at`` once it went live."""

    article_id: str
    version: int
    title: str
    body: str
    category: str
    basis: str
    created_by: str
    created_at: datetime
    published_by: str | None = None
    published_at: datetime | None = None


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


def order_article_body(problem: str, cause: str, solution: str, order_id: str) -> str:
    """The body of an article drafted from a solved order: problem, cause, solution (NORMS §4.11)."""
    parts = [("问题", problem), ("原因", cause), ("解决办法", solution)]
    text = "\n\n".join(f"## {heading}\n{value.strip()}" for heading, value in parts if value.strip())
    return f"{text}\n\n来源工单：{order_id}"
