"""A few seconds' memory of who a token's user is, so that a busy API does not read the same
user row for every request (the events benchmark: one SELECT per call command).

Every cache of the process registers itself; :func:`forget_user` (called by
:func:`helpline.app.people.users.update_user` when a role or the active flag changes, and again
once that change is committed) drops the user from all of them, so in this process a
demotion or a disabled account takes effect at the next request. Another process serving the
same database notices within ``ttl`` seconds.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")
DEFAULT_TTL = 5.0
MAX_ENTRIES = 20_000  # past this the cache starts again empty: memory stays bounded

_caches: weakref.WeakSet[UserCache[object]] = weakref.WeakSet()


class UserCache(Generic[V]):
    """``(tenant_id, user_id) -> value`` for ``ttl`` seconds of ``monotonic`` time."""

    def __init__(self, ttl: float = DEFAULT_TTL, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.monotonic = monotonic
        self._entries: dict[tuple[str, str], tuple[float, V]] = {}
        # counts forgets: a value read from the database before a forget is not kept after it
        self.generation = 0
        _caches.add(self)  # type: ignore[arg-type]

    def get(self, tenant_id: str, user_id: str) -> V | None:
        entry = self._entries.get((tenant_id, user_id))
        if entry is None:
            return None
        if entry[0] <= self.monotonic():
            self._entries.pop((tenant_id, user_id), None)
            return None
        return entry[1]

    def put(self, tenant_id: str, user_id: str, value: V, read_at: int | None = None) -> None:
        """Keep ``value``; ``read_at``: the :attr:`generation` seen before it was read, so that a
        row read while its user was being changed is not kept."""
        if self.ttl <= 0 or (read_at is not None and read_at != self.generation):
            return
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[(tenant_id, user_id)] = (self.monotonic() + self.ttl, value)

    def forget(self, tenant_id: str, user_id: str) -> None:
        self.generation += 1
        self._entries.pop((tenant_id, user_id), None)


def forget_user(tenant_id: str, user_id: str) -> None:
    """Drop the user from every cache of this process (after a change of role or status)."""
    for cache in list(_caches):
        cache.forget(tenant_id, user_id)
