"""A call's detail record with every segment, for whoever may see it: leaders any call of the
tenant, an agent the calls they took part in (named by a segment, or by their own state log:
the agent who placed an internal call is not named by the call's segments)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from helpline.app.acd.ports import AcdUnit
from helpline.app.timefmt import iso
from helpline.domain.acd.records import CallDetail
from helpline.domain.errors import NotFound

_TIMES = ("arrived_at", "queued_at", "answered_at", "ended_at")


async def call_detail(uow: AcdUnit, call_id: str, *, viewer_id: str, sees_all: bool) -> dict[str, Any]:
    """The record as the API gives it (times in ISO 8601, ``segments`` in order);
    ``call_not_found`` when there is none or the viewer may not see it."""
    record = await uow.call_records.get(call_id)
    if record is None:
        raise NotFound("call_not_found", f"no call {call_id}", call_id=call_id)
    segments = [
        {"type": s.type, "at": iso(s.at), "agent_id": s.agent_id, **s.data}
        for s in await uow.call_records.segments(call_id)
    ]
    if (
        not sees_all
        and viewer_id not in {s.get("agent_id") for s in segments}
        and not await uow.call_records.took_part(viewer_id, call_id)
    ):
        raise NotFound("call_not_found", f"no call {call_id}", call_id=call_id)
    values = {f.name: getattr(record, f.name) for f in fields(CallDetail) if f.name not in _TIMES}
    return {**values, **{t: iso(getattr(record, t)) for t in _TIMES}, "segments": segments}
