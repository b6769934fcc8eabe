"""IVR flows per tenant: saved as JSON after validation, and kept in memory for the switch.

A call to a number is answered by the tenant's active flow that lists the number, else by
the tenant's flow ``default``, else by the platform's built-in flow (:data:`DEMO_FLOW`).
The numbers flows list are also what the switch answers (besides the configured ones).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.tables.acd import QueueRow
from helpline.adapters.db.tables.telephony import IvrFlowRow
from helpline.domain.errors import Invalid, InvalidTransition, NotFound
from helpline.domain.ivr.flow import Flow, check, validate
from helpline.domain.ivr.nodes import Problem

NUMBER = re.compile(r"^\+?[0-9*#]{1,32}$")

# 欢迎致电…咨询请按1，投诉请按2，English press 3; VIPs jump the queue; a caller who waits
# long is offered a callback; after the call, a satisfaction survey.
DEMO_FLOW: dict[str, Any] = {
    "start": "welcome",
    "nodes": {
        "welcome": {"type": "play", "prompt": "welcome", "next": "hours"},
        "hours": {
            "type": "hours",
            "hours": "00:00-24:00",
            "days": [0, 1, 2, 3, 4, 5, 6],
            "holidays": [],
            "open": "vip",
            "closed": "closed",
        },
        "closed": {"type": "voicemail", "prompt": "closed", "max_seconds": 60},
        "vip": {"type": "lookup", "vip_priority": 10, "min_level": 1, "next": "menu"},
        "menu": {
            "type": "menu",
            "prompt": "main_menu",
            "timeout": 5,
            "retries": 2,
            "options": {"1": "general", "2": "complaints", "3": "english", "9": "callback"},
            "no_input": "general",
        },
        "general": {"type": "queue", "queue": "general"},
        "complaints": {"type": "queue", "queue": "complaints"},
        "english": {"type": "queue", "queue": "english", "skills": {"en": 3}},
        "callback": {"type": "callback", "prompt": "callback_ok", "queue": "general"},
    },
    "survey": {"prompt": "survey", "thanks_prompt": "thanks", "timeout": 8},
    "waiting": {
        "announce_every": 45,
        "callback_after": 90,
        "callback_key": "1",
        "callback_prompt": "callback_offer",
    },
}


class FlowDirectory:
    """The active flows of every tenant, in memory (the switch asks on every call)."""

    def __init__(self, numbers: dict[str, str] | None = None) -> None:
        self.numbers = numbers if numbers is not None else {}  # the switch's number -> tenant
        self._configured = dict(self.numbers)  # numbers from settings, kept when flows change
        self._flows: dict[str, dict[str, tuple[Flow, list[str]]]] = {}
        self.builtin = validate(copy.deepcopy(DEMO_FLOW))

    def for_call(self, tenant_id: str, number: str) -> Flow:
        flows = self._flows.get(tenant_id, {})
        for flow, numbers in flows.values():
            if number in numbers:
                return flow
        default = flows.get("default")
        return default[0] if default is not None else self.builtin

    def put(self, tenant_id: str, flow_id: str, flow: Flow, numbers: list[str], active: bool) -> None:
        flows = self._flows.setdefault(tenant_id, {})
        flows.pop(flow_id, None)
        if active:
            flows[flow_id] = (flow, numbers)
        self._renumber()

    def remove(self, tenant_id: str, flow_id: str) -> None:
        self._flows.get(tenant_id, {}).pop(flow_id, None)
        self._renumber()

    def _renumber(self) -> None:
        self.numbers.clear()
        self.numbers.update(self._configured)
        for tenant_id, flows in self._flows.items():
            for _, numbers in flows.values():
                self.numbers.update(dict.fromkeys(numbers, tenant_id))

    async def load(self, session: AsyncSession) -> int:
        self._flows.clear()
        rows = (await session.scalars(select(IvrFlowRow).where(IvrFlowRow.active.is_(True)))).all()
        for row in rows:
            flow, _ = check(row.definition)
            if flow is not None:  # a flow saved by an older, laxer version is left out
                self._flows.setdefault(row.tenant_id, {})[row.id] = (flow, list(row.numbers or []))
        self._renumber()
        return len(rows)


def as_dict(row: IvrFlowRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "numbers": row.numbers,
        "active": row.active,
        "definition": row.definition,
        "updated_at": row.updated_at.isoformat(),
    }


async def problems(
    session: AsyncSession, tenant_id: str, definition: Any, prompt_exists: Any = None
) -> tuple[Flow | None, list[Problem]]:
    """Everything wrong with ``definition`` for this tenant: the flow's own rules, then
    queues that do not exist and prompts the library does not have."""
    flow, found = check(copy.deepcopy(definition))
    if flow is None:
        return None, found
    queues = set((await session.scalars(select(QueueRow.id).where(QueueRow.tenant_id == tenant_id))).all())
    for queue_id, node_id in flow.queues().items():
        if queue_id not in queues:
            found.append(Problem(node_id, "queue_not_found", f"there is no queue {queue_id!r}"))
    if prompt_exists is not None:
        for prompt_id in sorted(flow.prompts()):
            if not prompt_exists(tenant_id, prompt_id):
                found.append(Problem(None, "prompt_not_found", f"there is no prompt {prompt_id!r}"))
    return (flow if not found else None), found


async def save_flow(
    session: AsyncSession,
    directory: FlowDirectory | None,
    tenant_id: str,
    flow_id: str,
    values: dict[str, Any],
    prompt_exists: Any = None,
) -> IvrFlowRow:
    """Create or replace a flow; refused (``invalid_flow``, every problem by node) unless valid."""
    if not re.match(r"^[A-Za-z0-9_.-]{1,64}$", flow_id):
        raise Invalid("invalid_flow_id", "flow ids are letters, digits and _.- (up to 64)", field="id")
    flow, found = await problems(session, tenant_id, values.get("definition"), prompt_exists)
    if flow is None:
        first = found[0]
        raise Invalid(
            "invalid_flow",
            (f"node {first.node}: " if first.node else "") + first.message,
            problems=[p.as_dict() for p in found],
        )
    numbers = [str(n) for n in values.get("numbers") or []]
    for number in numbers:
        if not NUMBER.match(number):
            raise Invalid("invalid_number", f"{number!r} is not a phone number", field="numbers")
    others = (await session.scalars(select(IvrFlowRow).where(IvrFlowRow.active.is_(True)))).all()
    for other in others:
        if (other.tenant_id, other.id) != (tenant_id, flow_id) and set(other.numbers or []) & set(numbers):
            raise InvalidTransition(
                "number_taken",
                "another flow answers one of these numbers",
                numbers=sorted(set(other.numbers) & set(numbers)),
            )
    row = await session.get(IvrFlowRow, (tenant_id, flow_id))
    if row is None:
        row = IvrFlowRow(tenant_id=tenant_id, id=flow_id)
        session.add(row)
    row.name = str(values.get("name") or row.name or flow_id)
    row.numbers = numbers
    row.definition = values["definition"]
    row.active = bool(values.get("active", True))
    await session.flush()
    if directory is not None:
        directory.put(tenant_id, flow_id, flow, numbers, row.active)
    return row


async def get_flow(session: AsyncSession, tenant_id: str, flow_id: str) -> IvrFlowRow:
    row = await session.get(IvrFlowRow, (tenant_id, flow_id))
    if row is None:
        raise NotFound("flow_not_found", f"no IVR flow {flow_id}", flow_id=flow_id)
    return row


async def delete_flow(
    session: AsyncSession, directory: FlowDirectory | None, tenant_id: str, flow_id: str
) -> None:
    await session.delete(await get_flow(session, tenant_id, flow_id))
    await session.flush()
    if directory is not None:
        directory.remove(tenant_id, flow_id)
