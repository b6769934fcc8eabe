"""``/api/v1/events``: a WebSocket of the tenant's live events, snapshot first.

The client gets ``{"type": "snapshot", "seq": N, "data": {...}}`` and then every event
``{"seq": N+1, "published_at": t, "event": {...}}`` (``published_at``: the server's wall
clock when the bus took the event; ``event.at`` is when the core made it). A client that
reconnects with ``?since=N`` gets what it missed instead of a snapshot, if the bus still
has it. Agents see their own agent and calls; leaders and up see the whole tenant.

Cheap for a thousand clients: the bus serialises each event once and hands it only to the
connections that see it (:func:`recipients`); each connection sends what has piled up since
it last woke. With ``?batch=1`` that pile goes out as one frame, a JSON array of the usual
event messages, and such a connection sends at most one frame every ``FRAME_INTERVAL`` (what
comes meanwhile waits for the next frame): a wallboard under load then gets 40 frames a
second, not hundreds, and a busy floor's events do not wake every leader's connection one by
one; an event after a quiet spell still goes out at once. A
client too slow to keep up (its queue on the bus full) is not buffered without end: it gets a
fresh snapshot marked ``"resync": true`` and the events after it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Collection, Sequence
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from helpline.app.acd.center_service import CenterService
from helpline.app.ports import Subscription
from helpline.domain.acd.center import ContactCenter
from helpline.web.deps import Principal, get_container, websocket_user

router = APIRouter(prefix="/api/v1", tags=["events"])
_PEOPLE = ("agent_id", "from_agent_id", "to_agent_id")
_ORDER_PEOPLE = ("owner_id", "assignee_id")
# what a send raises once the client has gone (Starlette, or uvicorn's closed transport)
_GONE = (WebSocketDisconnect, RuntimeError, OSError)
QUEUE_SIZE = 2_000  # events a client may be behind before it is resynced (a few seconds at full load)
FRAME_INTERVAL = 0.025  # seconds between two frames of a batched connection, at least


def recipients(event: dict[str, Any]) -> Collection[str] | None:
    """The users (besides leaders and up) who see an event; None: every user of the tenant.

    Queue changes go to everyone; work-order and SLA events to the order's owner, holder and
    ``audience`` (e.g. the previous holder); other events to the agents they name in
    ``agent_id``, ``from_agent_id``, ``to_agent_id``, ``agent_ids`` or ``audience``.
    """
    topic = event.get("topic")
    if topic == "queue":
        return None
    fields = _ORDER_PEOPLE if topic in ("workorder", "sla") else _PEOPLE
    names = {value for key in fields if (value := event.get(key))}
    if topic not in ("workorder", "sla"):
        names.update(event.get("agent_ids", ()))
    names.update(event.get("audience", ()))
    return names


def visible(event: dict[str, Any], actor: Principal) -> bool:
    if actor.at_least("leader"):
        return True
    names = recipients(event)
    return names is None or actor.user_id in names


def _snapshot_for(data: dict[str, Any], actor: Principal) -> dict[str, Any]:
    if actor.at_least("leader"):
        return data
    return {
        **data,
        "agents": [a for a in data["agents"] if a["id"] == actor.user_id],
        "calls": [c for c in data["calls"] if actor.user_id in (c["agent_id"], *c["offered_to"])],
    }


async def _send_snapshot(
    websocket: WebSocket, centers: CenterService, actor: Principal, resync: bool = False
) -> int:
    """Send the live state; returns the bus position it corresponds to."""

    def read(center: ContactCenter, now: float) -> tuple[int, dict[str, Any]]:
        return centers.bus.last_seq(actor.tenant_id), center.snapshot(now)

    seq, data = await centers.read(actor.tenant_id, read, published=True)
    message: dict[str, Any] = {"type": "snapshot", "seq": seq, "data": _snapshot_for(data, actor)}
    if resync:
        message["resync"] = True  # the client fell behind: this replaces what it had
    await websocket.send_json(message)  # the bus's compact UTF-8 text, as every frame
    return int(seq)


async def _send(websocket: WebSocket, texts: Sequence[str], batched: bool) -> None:
    if not texts:
        return
    if batched:
        await websocket.send_text("[" + ",".join(texts) + "]")
        return
    for text in texts:
        await websocket.send_text(text)


@router.websocket("/events")
async def events(websocket: WebSocket) -> None:
    actor = await websocket_user(websocket)
    centers = get_container(websocket).centers
    batched = websocket.query_params.get("batch", "") in ("1", "true")
    await websocket.accept()
    leader = actor.at_least("leader")
    subscription = centers.bus.subscribe(
        actor.tenant_id, None if leader else actor.user_id, route=recipients, queue_size=QUEUE_SIZE
    )
    try:
        since = websocket.query_params.get("since")
        missed = centers.bus.replay(actor.tenant_id, int(since)) if since and since.isdigit() else None
        if missed is not None:
            seq = missed[-1].seq if missed else int(since or 0)
            await _send(websocket, [item.text for item in missed if visible(item.event, actor)], batched)
        else:
            seq = await _send_snapshot(websocket, centers, actor)
        pump = asyncio.create_task(_pump(websocket, subscription, centers, actor, seq, batched))
        receiver = asyncio.create_task(_drain(websocket))
        _, pending = await asyncio.wait({pump, receiver}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)  # (not gather: it can raise the child's cancellation here)
        if not pump.cancelled():
            pump.result()  # a bug in the pump is not swallowed
    except WebSocketDisconnect:
        pass
    finally:
        subscription.close()


async def _pump(
    websocket: WebSocket,
    subscription: Subscription,
    centers: CenterService,
    actor: Principal,
    seq: int,
    batched: bool,
) -> None:
    """Send this client its events as they come; a resync snapshot when it fell behind."""
    leader = actor.at_least("leader")
    with contextlib.suppress(*_GONE):
        while True:
            items = await subscription.batch()
            if subscription.overflowed:
                subscription.overflowed = False
                seq = await _send_snapshot(websocket, centers, actor, resync=True)
            texts = []
            for item in items:
                if item.seq <= seq:
                    continue
                seq = item.seq
                if leader or visible(item.event, actor):
                    texts.append(item.text)
            await _send(websocket, texts, batched)
            if batched and texts:
                await asyncio.sleep(FRAME_INTERVAL)


async def _drain(websocket: WebSocket) -> None:
    """Read (and ignore) what the client sends, so a disconnect is noticed."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await websocket.receive_text()
