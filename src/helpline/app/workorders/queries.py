"""Finding work orders (工单检索, NORMS §2): by number, caller number in any spelling, customer
name, state, category, dates, unit, custom field equality and full text; the working lists
(my orders, the leader's inbox, callbacks due, overdue clocks) and the reports that keep the
center honest (calls that ended without an order, SLA warnings and breaches). The reads are
the unit's (``WorkOrderReads``); this layer checks the filters and fills in what the
signed-in user handles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from helpline.app.workorders import config as wo_config
from helpline.app.workorders.ports import OrderFilter, View, WorkOrdersUnit
from helpline.app.workorders.search import full_text
from helpline.domain.errors import Invalid
from helpline.domain.workorders.content import FieldType
from helpline.domain.workorders.records import field_text

REPORT_COLUMNS = (
    "call_id",
    "direction",
    "caller",
    "callee",
    "agent_id",
    "queue_id",
    "outcome",
    "arrived_at",
    "ended_at",
    "talk_seconds",
)


async def canonical_fields(uow: WorkOrdersUnit, wanted: Mapping[str, str]) -> dict[str, str]:
    """``cf.<key>=<value>`` filters in the stored (canonical) form: ``3.0`` finds ``3``."""
    if not wanted:
        return {}
    rules = await wo_config.content_rules(uow)
    out, bad = {}, []
    for key, raw in wanted.items():
        definition = rules.custom(key)
        try:
            if definition is None:
                raise ValueError(key)
            value: object = float(raw) if definition.type is FieldType.NUMBER else raw
            out[key] = field_text(definition.coerce(value))
        except ValueError:
            bad.append(key)
    if bad:
        raise Invalid(
            "invalid_filter",
            "unknown custom fields or malformed values: " + ", ".join(bad),
            fields=[f"cf.{k}" for k in bad],
        )
    return out


async def search(
    uow: WorkOrdersUnit, f: OrderFilter, *, offset: int = 0, limit: int = 50
) -> tuple[int, list[View]]:
    """Newest first; with ``q``, best match first (full-text search)."""
    f.fields = await canonical_fields(uow, f.fields)
    scores = dict(await full_text(uow, f.q)) if f.q else None
    return await uow.workorder_reads.search(f, offset=offset, limit=limit, scores=scores)


async def mine(
    uow: WorkOrdersUnit, user_id: str, states: Sequence[str], now: float, *, offset: int = 0, limit: int = 50
) -> tuple[int, list[View]]:
    """Orders the user owns (首问) or holds, directly or through their unit."""
    units = await uow.workorder_config.handler_units(user_id)
    return await uow.workorder_reads.mine(user_id, units, states, now, offset=offset, limit=limit)


async def due_clocks_of(
    uow: WorkOrdersUnit,
    now: float,
    *,
    kinds: Sequence[str] = (),
    overdue_only: bool = False,
    user_id: str | None = None,
) -> list[View]:
    """Open clocks with their orders, soonest due first: callbacks due (``kinds=["callback"]``),
    the overdue list (``overdue_only``). ``user_id`` keeps the orders that user owns or holds."""
    units = await uow.workorder_config.handler_units(user_id) if user_id is not None else []
    return await uow.workorder_reads.due_clocks(
        now, kinds=kinds, overdue_only=overdue_only, user_id=user_id, units=units
    )


async def calls_without_order(
    uow: WorkOrdersUnit, *, since: datetime | None, until: datetime | None, offset: int, limit: int
) -> tuple[int, list[View]]:
    """NORMS §4.1, every call makes an order: ended calls that an agent answered, or that
    were missed in a queue, and that no order names."""
    return await uow.workorder_reads.calls_without_order(since=since, until=until, offset=offset, limit=limit)
