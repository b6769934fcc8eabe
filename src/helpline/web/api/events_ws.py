"""``/api/v1/events``: a WebSocket of the tenant's live events, snapshot first.

The client gets ``{"type": "snapshot", "seq": N, "data": {...}}`` and then every event
``{"seq": N+1, "event": {...}}``. A client that reconnects with ``?since=N`` gets what it
missed instead of a snapshot, if the bus still has it. Agents see their own agent and
calls; leaders and up see the whole tenant.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from helpline.domain.center import ContactCenter
from helpline.web.deps import Principal, get_container, websocket_user

router = APIRouter(prefix="/api/v1", tags=["events"])


def visible(event: dict[str, Any], actor: Principal) -> bool:
    if actor.at_least("leader"):
        return True
    if event.get("topic") == "queue":
        return True
    mine = actor.user_id
    if event.get("topic") in ("workorder", "sla"):  # the order's owner, holder(s) and previous holder
        return mine in (event.get("owner_id"), event.get("assignee_id")) or mine in event.get("audience", ())
    return mine in (event.get("agent_id"), event.get("from_agent_id"), event.get("to_agent_id")) \
        or mine in event.get("agent_ids", ())


def _snapshot_for(data: dict[str, Any], actor: Principal) -> dict[str, Any]:
    if actor.at_least("leader"):
        return data
    return {**data,
            "agents": [a for a in data["agents"] if a["id"] == actor.user_id],
            "calls": [c for c in data["calls"]
                      if actor.user_id in (c["agent_id"], *c["offered_to"])]}


@router.websocket("/events")
async def events(websocket: WebSocket) -> None:
    actor = await websocket_user(websocket)
    centers = get_container(websocket).centers
    await websocket.accept()
    subscription = centers.bus.subscribe(actor.tenant_id)
    try:
        since = websocket.query_params.get("since")
        missed = centers.bus.since(actor.tenant_id, int(since)) if since and since.isdigit() else None
        if missed is not None:
            seq = int(since or 0)
            for item_seq, event in missed:
                if visible(event, actor):
                    await websocket.send_json({"seq": item_seq, "event": event})
                seq = item_seq
        else:
            def read(center: ContactCenter, now: float) -> tuple[int, dict[str, Any]]:
                return centers.bus.last_seq(actor.tenant_id), center.snapshot(now)

            seq, data = await centers.read(actor.tenant_id, read)
            await websocket.send_json({"type": "snapshot", "seq": seq,
                                       "data": _snapshot_for(data, actor)})
        receiver = asyncio.create_task(_drain(websocket))
        while not receiver.done():
            getter = asyncio.create_task(subscription.get())
            done, _ = await asyncio.wait({getter, receiver}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                break
            item_seq, event = getter.result()
            if item_seq <= seq:
                continue
            seq = item_seq
            if visible(event, actor):
                await websocket.send_json({"seq": item_seq, "event": event})
    except WebSocketDisconnect:
        pass
    finally:
        subscription.close()


async def _drain(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, so a disconnect is noticed."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await websocket.receive_text()
