"""The knowledge base (知识库) over HTTP: articles, their versions, publishing and search.

Who may do what: agents read and search published articles, and turn a solved order into a
draft; shift leaders and up also see drafts and write them; supervisors and up publish,
unpublish and delete. A draft looks missing (404) to agents, as does another tenant's article.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from helpline.app.knowledge import articles as knowledge
from helpline.app.knowledge.views import as_dict, version_dict
from helpline.domain.knowledge.articles import CATEGORY_MAX, TITLE_MAX
from helpline.domain.search import text as search
from helpline.web.api.acd.deps import Agent, Leader, Supervisor
from helpline.web.deps import ContainerDep, Principal, UnitDep

router = APIRouter(prefix="/api/v1/kb", tags=["knowledge base"])
DRAFTS_ROLE = "leader"
Basis = Literal["knowledge", "law", "policy"]


def _sees_drafts(actor: Principal) -> bool:
    return actor.at_least(DRAFTS_ROLE)


class ArticleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    body: str = ""
    category: str = Field(default="", max_length=CATEGORY_MAX)
    basis: Basis = "knowledge"


class ArticleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(default=None, min_length=1, max_length=TITLE_MAX)
    body: str | None = None
    category: str | None = Field(default=None, max_length=CATEGORY_MAX)
    basis: Basis | None = None
    version: int | None = Field(
        default=None, description="the version edited; 409 if it is no longer current"
    )


class FromOrderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    order_id: str = Field(min_length=1, max_length=64)
    problem: str = Field(min_length=1)
    cause: str = ""
    solution: str = Field(min_length=1)
    title: str = Field(default="", max_length=TITLE_MAX)
    category: str = Field(default="", max_length=CATEGORY_MAX)


@router.get("/articles")
async def search_articles(
    actor: Agent,
    uow: UnitDep,
    q: str = "",
    category: str = "",
    basis: Basis | None = None,
    status_: Annotated[Literal["draft", "published"] | None, Query(alias="status")] = None,
    order: Literal["relevance", "date"] = "relevance",
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """Search titles and bodies (Chinese and English substrings, every word required), with
    exact filters. ``total_capped``: more than ``total`` match; narrow the query."""
    filters = {"category": category, "basis": basis or "", "status": status_ or ""}
    total, hits = await knowledge.search_articles(
        uow,
        q,
        include_drafts=_sees_drafts(actor),
        filters=filters,
        order=order,
        offset=(page - 1) * page_size,
        limit=page_size,
    )
    terms = search.parse_query(q)
    items = [
        {
            **{k: v for k, v in as_dict(article, score=score).items() if k != "body"},
            "highlight": {
                "title": search.highlight(article.title, terms),
                "snippet": search.highlight(article.body, terms, width=120),
            },
        }
        for article, score in hits
    ]
    capped = total > search.MAX_RESULTS
    return {"total": min(total, search.MAX_RESULTS), "total_capped": capped, "page": page, "items": items}


@router.post("/articles", status_code=status.HTTP_201_CREATED)
async def create(body: ArticleIn, actor: Leader, uow: UnitDep, container: ContainerDep) -> dict[str, Any]:
    article = await knowledge.create_article(uow, container.clock, actor.user_id, body.model_dump())
    return as_dict(article)


@router.post("/articles/from-order", status_code=status.HTTP_201_CREATED)
async def from_order(
    body: FromOrderIn, actor: Agent, uow: UnitDep, container: ContainerDep
) -> dict[str, Any]:
    """A draft from a solved order's problem, cause and solution (NORMS §4.11)."""
    article = await knowledge.draft_from_order(
        uow,
        container.clock,
        body.problem,
        body.cause,
        body.solution,
        body.order_id,
        created_by=actor.user_id,
        title=body.title,
        category=body.category,
    )
    return as_dict(article)


@router.get("/articles/{article_id}")
async def get(article_id: str, actor: Agent, uow: UnitDep) -> dict[str, Any]:
    """The article; for leaders and up also the list of its versions."""
    drafts = _sees_drafts(actor)
    article = await knowledge.get_article(uow, article_id, include_drafts=drafts)
    data = as_dict(article)
    if drafts:
        versions = await knowledge.list_versions(uow, article_id)
        data["versions"] = [
            {k: v for k, v in version_dict(version).items() if k != "body"} for version in versions
        ]
    return data


@router.patch("/articles/{article_id}")
async def change(
    article_id: str, body: ArticleChange, actor: Leader, uow: UnitDep, container: ContainerDep
) -> dict[str, Any]:
    values = body.model_dump(exclude_unset=True, exclude={"version"})
    article = await knowledge.edit_article(
        uow, container.clock, article_id, actor.user_id, values, expected_version=body.version
    )
    return as_dict(article)


@router.delete("/articles/{article_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete(article_id: str, actor: Supervisor, uow: UnitDep) -> Response:
    await knowledge.delete_article(uow, article_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/articles/{article_id}/publish")
async def publish(
    article_id: str, actor: Supervisor, uow: UnitDep, container: ContainerDep
) -> dict[str, Any]:
    return as_dict(await knowledge.publish_article(uow, container.clock, article_id, actor.user_id))


@router.post("/articles/{article_id}/unpublish")
async def unpublish(
    article_id: str, actor: Supervisor, uow: UnitDep, container: ContainerDep
) -> dict[str, Any]:
    article = await knowledge.unpublish_article(uow, container.clock, article_id, actor.user_id)
    return as_dict(article)


@router.get("/articles/{article_id}/versions")
async def versions(article_id: str, actor: Leader, uow: UnitDep) -> list[dict[str, Any]]:
    """Every version with its text, newest first."""
    return [version_dict(v) for v in await knowledge.list_versions(uow, article_id)]


@router.get("/articles/{article_id}/versions/{number}")
async def version(article_id: str, number: int, actor: Leader, uow: UnitDep) -> dict[str, Any]:
    return version_dict(await knowledge.get_version(uow, article_id, number))
