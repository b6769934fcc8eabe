"""Work orders in full-text search: what of an order is findable, and finding orders by text
(the index itself: :mod:`helpline.app.search.ports`)."""

from __future__ import annotations

from collections.abc import Sequence

from helpline.app.search.ports import SearchUnit
from helpline.domain.search.text import Document
from helpline.domain.workorders.content import STANDARD_FIELDS
from helpline.domain.workorders.order import WorkOrder
from helpline.domain.workorders.records import field_text

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


async def index_orders(uow: SearchUnit, orders: Sequence[WorkOrder]) -> None:
    """Index the orders in the unit's transaction (a round of call orders: a few statements)."""
    if orders:
        await uow.search.index([Document(KIND, order.id, *document(order)) for order in orders])


async def full_text(uow: SearchUnit, query: str) -> list[tuple[str, float]]:
    """Order ids matching ``query`` with their scores, best first."""
    _, hits = await uow.search.find(KIND, query, offset=0, limit=MAX_HITS)
    return [(str(ref), float(score)) for ref, score in hits]
