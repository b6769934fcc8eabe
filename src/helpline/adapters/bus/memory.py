"""In-process event bus: one numbered stream per tenant, a bounded backlog for resuming.

Good for one node. Several nodes would put Redis or NATS behind the same port.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Sequence
from typing import Any

from helpline.domain.events import Event

Item = tuple[int, dict[str, Any]]


class MemorySubscription:
    def __init__(self, bus: MemoryBus, tenant_id: str, maxsize: int) -> None:
        self._bus = bus
        self.tenant_id = tenant_id
        self.queue: asyncio.Queue[Item] = asyncio.Queue(maxsize)
        self.overflowed = False

    async def get(self) -> Item:
        return await self.queue.get()

    def put(self, item: Item) -> None:
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.overflowed = True  # a slow client; it resumes from the backlog or a snapshot

    def close(self) -> None:
        self._bus._subscribers.get(self.tenant_id, set()).discard(self)


class MemoryBus:
    def __init__(self, backlog: int = 10_000, queue_size: int = 10_000) -> None:
        self._backlog: dict[str, deque[Item]] = {}
        self._seq: dict[str, int] = {}
        self._subscribers: dict[str, set[MemorySubscription]] = {}
        self._backlog_size = backlog
        self._queue_size = queue_size

    def publish(self, events: Sequence[Event]) -> None:
        for event in events:
            tenant = event.tenant_id
            seq = self._seq[tenant] = self._seq.get(tenant, 0) + 1
            item = (seq, event.as_dict())
            self._backlog.setdefault(tenant, deque(maxlen=self._backlog_size)).append(item)
            for subscriber in list(self._subscribers.get(tenant, ())):
                subscriber.put(item)

    def subscribe(self, tenant_id: str) -> MemorySubscription:
        subscription = MemorySubscription(self, tenant_id, self._queue_size)
        self._subscribers.setdefault(tenant_id, set()).add(subscription)
        return subscription

    def last_seq(self, tenant_id: str) -> int:
        return self._seq.get(tenant_id, 0)

    def since(self, tenant_id: str, seq: int) -> list[Item] | None:
        backlog = self._backlog.get(tenant_id, deque())
        last = self._seq.get(tenant_id, 0)
        if seq > last:
            return None
        if seq == last:
            return []
        if not backlog or backlog[0][0] > seq + 1:
            return None
        return [item for item in backlog if item[0] > seq]
