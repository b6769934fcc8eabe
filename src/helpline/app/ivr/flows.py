"""IVR flows per tenant: saved as JSON after validation, and kept in memory for the switch.

A call to a number is answered by the tenant's active flow that lists the number, else by
the tenant's flow ``default``, else by the platform's built-in flow (:data:`DEMO_FLOW`).
The numbers flows list are also what the switch answers (besides the configured ones).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Sequence
from typing import Any

from helpline.app.ivr.ports import IvrFlowRepository, IvrUnit
from helpline.app.timefmt import iso
from helpline.domain.errors import Invalid, InvalidTransition, NotFound
from helpline.domain.ivr.flow import Flow, check, validate
from helpline.domain.ivr.nodes import Problem
from helpline.domain.ivr.records import IvrFlowRecord

NUMBER = re.compile(r"^\+?[0-9*#]{1,32}$")
FLOW_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")

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

    async def load(self, flows: IvrFlowRepository) -> int:
        """Take every tenant's active flows from storage (at start-up); -> how many."""
        self._flows.clear()
        records = await flows.active_everywhere()
        for record in records:
            flow, _ = check(record.definition)
            if flow is not None:  # a flow saved by an older, laxer version is left out
                self._flows.setdefault(record.tenant_id, {})[record.id] = (flow, list(record.numbers))
        self._renumber()
        return len(records)


def as_dict(record: IvrFlowRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "numbers": record.numbers,
        "active": record.active,
        "definition": record.definition,
        "updated_at": iso(record.updated_at),
    }


PromptExists = Callable[[str, str], bool]


async def list_flows(uow: IvrUnit) -> Sequence[IvrFlowRecord]:
    return await uow.ivr_flows.list()


async def problems(
    uow: IvrUnit, definition: Any, prompt_exists: PromptExists | None = None
) -> tuple[Flow | None, list[Problem]]:
    """Everything wrong with ``definition`` for the unit's tenant: the flow's own rules, then
    queues that do not exist and prompts the library does not have."""
    flow, found = check(copy.deepcopy(definition))
    if flow is None:
        return None, found
    queues = {q.id for q in await uow.queues.list()}
    for queue_id, node_id in flow.queues().items():
        if queue_id not in queues:
            found.append(Problem(node_id, "queue_not_found", f"there is no queue {queue_id!r}"))
    if prompt_exists is not None:
        for prompt_id in sorted(flow.prompts()):
            if not prompt_exists(uow.tenant_id, prompt_id):
                found.append(Problem(None, "prompt_not_found", f"there is no prompt {prompt_id!r}"))
    return (flow if not found else None), found


async def save_flow(
    uow: IvrUnit,
    directory: FlowDirectory | None,
    flow_id: str,
    values: dict[str, Any],
    prompt_exists: PromptExists | None = None,
) -> IvrFlowRecord:
    """:func:`stage_flow`, committed."""
    record = await stage_flow(uow, directory, flow_id, values, prompt_exists)
    await uow.commit()
    return record


async def stage_flow(
    uow: IvrUnit,
    directory: FlowDirectory | None,
    flow_id: str,
    values: dict[str, Any],
    prompt_exists: PromptExists | None = None,
) -> IvrFlowRecord:
    """Create or replace a flow; refused (``invalid_flow``, every problem by node) unless
    valid. The switch answers with it once it is committed."""
    if not FLOW_ID.match(flow_id):
        raise Invalid("invalid_flow_id", "flow ids are letters, digits and _.- (up to 64)", field="id")
    flow, found = await problems(uow, values.get("definition"), prompt_exists)
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
    for other in await uow.ivr_flows.active_everywhere():
        taken = set(other.numbers) & set(numbers)
        if (other.tenant_id, other.id) != (uow.tenant_id, flow_id) and taken:
            raise InvalidTransition(
                "number_taken", "another flow answers one of these numbers", numbers=sorted(taken)
            )
    existing = await uow.ivr_flows.get(flow_id)
    record = await uow.ivr_flows.put(
        IvrFlowRecord(
            id=flow_id,
            name=str(values.get("name") or (existing.name if existing else "") or flow_id),
            numbers=numbers,
            active=bool(values.get("active", True)),
            definition=values["definition"],
        )
    )
    if directory is not None:
        tenant_id, active = uow.tenant_id, record.active
        uow.after_commit(lambda: directory.put(tenant_id, flow_id, flow, numbers, active))
    return record


async def get_flow(uow: IvrUnit, flow_id: str) -> IvrFlowRecord:
    record = await uow.ivr_flows.get(flow_id)
    if record is None:
        raise NotFound("flow_not_found", f"no IVR flow {flow_id}", flow_id=flow_id)
    return record


async def delete_flow(uow: IvrUnit, directory: FlowDirectory | None, flow_id: str) -> None:
    """Delete a flow; the switch stops answering with it once that is committed. Commits."""
    await get_flow(uow, flow_id)
    await uow.ivr_flows.delete(flow_id)
    if directory is not None:
        tenant_id = uow.tenant_id
        uow.after_commit(lambda: directory.remove(tenant_id, flow_id))
    await uow.commit()
