"""``helpline serve`` tunes the garbage collector before it starts: checked in a fresh
interpreter, so that the test process keeps CPython's defaults."""

from __future__ import annotations

import json
import subprocess
import sys

from helpline.gc_tuning import THRESHOLDS

PROBE = """
import gc, json
from helpline import gc_tuning
frozen_before = gc.get_freeze_count()
gc_tuning.tune()
print(json.dumps({"before": frozen_before, "after": gc.get_threshold(), "frozen": gc.get_freeze_count()}))
"""


def test_tune_freezes_what_is_alive_and_raises_the_thresholds() -> None:
    found = json.loads(subprocess.run([sys.executable, "-c", PROBE], capture_output=True, check=True).stdout)
    assert tuple(found["after"]) == THRESHOLDS
    assert found["before"] == 0  # a fresh interpreter freezes nothing by itself
    assert found["frozen"] > 1_000  # the modules loaded so far, out of every full collection
