"""The few seconds' memory of signed-in users: expiry, bounds and invalidation."""

from __future__ import annotations

from helpline.app.people import user_cache
from helpline.app.people.user_cache import UserCache, forget_user


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_lives_for_its_ttl_only() -> None:
    clock = FakeTime()
    cache: UserCache[str] = UserCache(ttl=5.0, monotonic=clock)
    cache.put("t", "u1", "agent")
    clock.now += 4.9
    assert cache.get("t", "u1") == "agent"
    clock.now += 0.2
    assert cache.get("t", "u1") is None
    assert cache.get("other-tenant", "u1") is None


def test_forget_user_drops_the_user_from_every_cache_of_the_process() -> None:
    first: UserCache[str] = UserCache()
    second: UserCache[str] = UserCache()
    for cache in (first, second):
        cache.put("t", "u1", "leader")
        cache.put("t", "u2", "agent")
    forget_user("t", "u1")
    assert first.get("t", "u1") is None and second.get("t", "u1") is None
    assert first.get("t", "u2") == "agent"


def test_a_zero_ttl_keeps_nothing_and_a_full_cache_starts_again() -> None:
    off: UserCache[str] = UserCache(ttl=0)
    off.put("t", "u1", "agent")
    assert off.get("t", "u1") is None
    small: UserCache[int] = UserCache()
    for i in range(user_cache.MAX_ENTRIES):
        small.put("t", f"u{i}", i)
    small.put("t", "last", -1)
    assert small.get("t", "u0") is None
    assert small.get("t", "last") == -1


def test_a_row_read_while_its_user_was_changed_is_not_kept() -> None:
    cache: UserCache[str] = UserCache()
    before = cache.generation
    forget_user("t", "u1")  # the admin's change committed while the request read the row
    cache.put("t", "u1", "leader", read_at=before)
    assert cache.get("t", "u1") is None
    cache.put("t", "u1", "agent", read_at=cache.generation)
    assert cache.get("t", "u1") == "agent"
