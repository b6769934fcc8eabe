"""Garbage collection tuned for a server that holds a thousand live connections.

CPython's cyclic collector stops the whole process while it runs. With its default thresholds
a busy server (a thousand WebSockets, 50 calls a second) ran a full collection every few
seconds, each a 100-270 ms pause of every call, event and request
(``benchmarks/events_fanout.py``: most of the p99). So ``helpline serve``, before it starts:

- moves what is alive after start-up (modules, the ORM's tables, the app) out of the
  collector's sight (``gc.freeze``): nothing there becomes garbage while the server runs,
  and a full collection no longer walks it;
- collects the youngest objects after 5,000 allocations, not 700 (fewer pauses of a few
  ms), and the oldest only after 100 collections of the middle ones, not 10.

Garbage without cycles is freed at once as always; cycles are still found, only later.
"""

from __future__ import annotations

import gc

THRESHOLDS = (5_000, 20, 100)  # (youngest, middle, oldest); CPython's defaults: (700, 10, 10)


def tune() -> None:
    """Freeze what is alive now and set :data:`THRESHOLDS` (once per process, at start-up)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
