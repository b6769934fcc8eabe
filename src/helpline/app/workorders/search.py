"""Work orders in full-text search: what of an order is findable, and finding orders by text
(the index itself: :mod:`helpline.app.search.ports`)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.repositories.search import SqlSearchIndex
from helpline.app.workorders.store import field_text
from helpline.domain.search.text import Document
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
    """Index the orders in the caller's transaction (a round of call orders: a few statements)."""
    by_tenant = groupby(sorted(orders, key=lambda o: o.tenant_id), key=lambda o: o.tenant_id)
    for tenant_id, of_tenant in by_tenant:
        documents = [Document(KIND, order.id, *document(order)) for order in of_tenant]
        await SqlSearchIndex(session, tenant_id).index(documents)


async def full_text(session: AsyncSession, tenant_id: str, query: str) -> list[tuple[str, float]]:
    """Order ids matching ``query`` with their scores, best first."""
    _, hits = await SqlSearchIndex(session, tenant_id).find(KIND, query, offset=0, limit=MAX_HITS)
    return [(str(ref), float(score)) for ref, score in hits]
