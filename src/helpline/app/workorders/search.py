"""The bridge to full-text search (``helpline.app.search.index``, built alongside work orders).

Search is optional at import time: while ``helpline.app.search.index`` does not exist, orders are
not indexed and ``q=`` falls back to a substring match in the database (see
:mod:`helpline.app.workorders.queries`). Its interface::

    async def index_documents(session, [(tenant_id, kind, ref_id, title, body, fields), ...]) -> None
    async def remove_document(session, tenant_id, kind, ref_id) -> None
    async def search_documents(session, tenant_id, kind, query, *, offset, limit)
        -> (total, [(ref_id, score)])
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from functools import cache
from types import ModuleType

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.app.workorders.store import field_text
from helpline.domain.workorders.content import STANDARD_FIELDS
from helpline.domain.workorders.order import WorkOrder

KIND = "workorder"
BODY_FIELDS = (
    "event_time",
    "place",
    "course",
    "request",
    "who",
    "why",
    "how",
    "caller_name",
    "answer",
    "three_way_party",
)
MAX_HITS = 1000


@cache
def search_module() -> ModuleType | None:
    try:
        return importlib.import_module("helpline.app.search.index")
    except ModuleNotFoundError as exc:
        if exc.name != "helpline.app.search.index":
            raise  # the module exists but is broken: say so
        return None


def document(order: WorkOrder) -> tuple[str, str, dict[str, str]]:
    """Title, body (5W1H, answer, reply and cause) and custom fields of an order, as text."""
    parts = [
        order.number,
        *(str(order.values.get(n) or "") for n in BODY_FIELDS),
        order.reply_text,
        order.cause,
    ]
    fields = {
        k: field_text(v)
        for k, v in order.values.items()
        if k not in STANDARD_FIELDS and v is not None and v != ""
    }
    return order.title, "\n".join(p for p in parts if p), fields


async def index_orders(session: AsyncSession, orders: Sequence[WorkOrder]) -> None:
    module = search_module()
    if module is None or not orders:
        return
    documents = [(order.tenant_id, KIND, order.id, *document(order)) for order in orders]
    await module.index_documents(session, documents)


async def full_text(session: AsyncSession, tenant_id: str, query: str) -> list[tuple[str, float]] | None:
    """Order ids matching ``query`` with their scores, best first; None without search."""
    module = search_module()
    if module is None:
        return None
    _, hits = await module.search_documents(session, tenant_id, KIND, query, offset=0, limit=MAX_HITS)
    return [(str(ref), float(score)) for ref, score in hits]
