"""In-process event bus: one numbered stream per tenant, a bounded backlog for resuming.

Built for many listeners (a thousand WebSockets of agents and wallboards): each event is
serialised once when it is published, tenant-wide listeners (leaders) get every event, and a
listener for one user (an agent) is found by a dict look-up on the names the route gives, so
an agent's connection never wakes for other agents' events. Each listener holds at most
``queue_size`` events; past that it is marked ``overflowed`` and its queue dropped, so a slow
client costs no memory: the WebSocket starts it again from a snapshot (a plain ``get()``
reader just goes on with the next event).

Good for one node. Several nodes would put Redis or NATS behind the same port.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from collections.abc import Sequence
from typing import Any

from helpline.app.ports import Published, Route
from helpline.domain.events import Event

Item = Published


def dumps(message: dict[str, Any]) -> str:
    """The JSON text of a message (compact, UTF-8 as is: what Starlette's ``send_json`` sends)."""
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


class MemorySubscription:
    def __init__(self, bus: MemoryBus, tenant_id: str, recipient: str | None, maxsize: int) -> None:
        self._bus = bus
        self.tenant_id = tenant_id
        self.recipient = recipient
        self.maxsize = maxsize
        self.pending: deque[Published] = deque()
        self.overflowed = False
        self._ready = asyncio.Event()

    async def get(self) -> tuple[int, dict[str, Any]]:
        """The next (sequence number, event); after an overflow, simply the next one kept."""
        while not self.pending:
            self._ready.clear()
            await self._ready.wait()
        self.overflowed = False
        item = self.pending.popleft()
        return item.seq, item.event

    async def batch(self) -> list[Published]:
        while not self.pending and not self.overflowed:
            self._ready.clear()
            await self._ready.wait()
        items = list(self.pending)
        self.pending.clear()
        return items

    def put(self, item: Published) -> None:
        if len(self.pending) >= self.maxsize:
            self.overflowed = True  # a slow client: drop its queue, its reader resyncs it
            self.pending.clear()
        self.pending.append(item)
        self._ready.set()

    def close(self) -> None:
        self._bus._unsubscribe(self)


class _Listeners:
    """A tenant's listeners: those who get everything, and the others by the user they serve."""

    def __init__(self) -> None:
        self.everyone: set[MemorySubscription] = set()
        self.by_recipient: dict[str, set[MemorySubscription]] = {}

    def deliver(self, item: Published, route: Route | None) -> None:
        for subscription in self.everyone:
            subscription.put(item)
        if not self.by_recipient:
            return
        names = None if route is None else route(item.event)
        if names is None:
            for subscriptions in self.by_recipient.values():
                for subscription in subscriptions:
                    subscription.put(item)
            return
        for name in names:
            for subscription in self.by_recipient.get(name, ()):
                subscription.put(item)


class MemoryBus:
    def __init__(self, backlog: int = 10_000, queue_size: int = 10_000, route: Route | None = None) -> None:
        self._backlog: dict[str, deque[Published]] = {}
        self._seq: dict[str, int] = {}
        self._listeners: dict[str, _Listeners] = {}
        self._backlog_size = backlog
        self.queue_size = queue_size  # per listener unless it asks for another size
        self.route = route

    def publish(self, events: Sequence[Event]) -> None:
        published_at = round(time.time(), 6)  # wall clock: how long delivery took, event by event
        for event in events:
            tenant = event.tenant_id
            seq = self._seq[tenant] = self._seq.get(tenant, 0) + 1
            data = event.as_dict()
            item = Published(seq, data, dumps({"seq": seq, "published_at": published_at, "event": data}))
            self._backlog.setdefault(tenant, deque(maxlen=self._backlog_size)).append(item)
            listeners = self._listeners.get(tenant)
            if listeners is not None:
                listeners.deliver(item, self.route)

    def subscribe(
        self,
        tenant_id: str,
        recipient: str | None = None,
        route: Route | None = None,
        queue_size: int | None = None,
    ) -> MemorySubscription:
        """``route`` (one for the whole bus: the last one given wins) names an event's recipients."""
        if route is not None:
            self.route = route
        subscription = MemorySubscription(self, tenant_id, recipient, queue_size or self.queue_size)
        listeners = self._listeners.setdefault(tenant_id, _Listeners())
        if recipient is None:
            listeners.everyone.add(subscription)
        else:
            listeners.by_recipient.setdefault(recipient, set()).add(subscription)
        return subscription

    def _unsubscribe(self, subscription: MemorySubscription) -> None:
        listeners = self._listeners.get(subscription.tenant_id)
        if listeners is None:
            return
        if subscription.recipient is None:
            listeners.everyone.discard(subscription)
            return
        mine = listeners.by_recipient.get(subscription.recipient)
        if mine is not None:
            mine.discard(subscription)
            if not mine:
                del listeners.by_recipient[subscription.recipient]

    def listeners(self, tenant_id: str) -> int:
        """How many listen to the tenant (metrics, tests)."""
        found = self._listeners.get(tenant_id)
        return 0 if found is None else len(found.everyone) + sum(map(len, found.by_recipient.values()))

    def last_seq(self, tenant_id: str) -> int:
        return self._seq.get(tenant_id, 0)

    def since(self, tenant_id: str, seq: int) -> list[tuple[int, dict[str, Any]]] | None:
        items = self.replay(tenant_id, seq)
        return None if items is None else [(item.seq, item.event) for item in items]

    def replay(self, tenant_id: str, seq: int) -> list[Published] | None:
        """:meth:`since` with each event's text, for a WebSocket to send as is."""
        backlog = self._backlog.get(tenant_id, deque())
        last = self._seq.get(tenant_id, 0)
        if seq > last:
            return None
        if seq == last:
            return []
        if not backlog or backlog[0].seq > seq + 1:
            return None
        return [item for item in backlog if item.seq > seq]
