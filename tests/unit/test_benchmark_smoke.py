"""The routing benchmark runs end to end on a tiny center (behaviour, not speed)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "routing.py"
KEYS = {
    "agents",
    "waiting_calls",
    "p50_ms",
    "p99_ms",
    "decisions_per_s",
    "baseline_decisions_per_s",
    "speedup",
    "peak_memory_mb",
}


def load_benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("routing_benchmark", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building classes
    spec.loader.exec_module(module)
    return module


def test_tiny_run_prints_the_figures_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    benchmark = load_benchmark()
    result = benchmark.main(
        [
            "--agents",
            "200",
            "--queues",
            "10",
            "--waiting",
            "400",
            "--decisions",
            "300",
            "--seed",
            "3",
            "--baseline-samples",
            "30",
        ]
    )

    last_line = capsys.readouterr().out.strip().splitlines()[-1]
    printed = json.loads(last_line)
    assert printed == result
    assert printed.keys() >= KEYS
    assert printed["agents"] == 200
    assert printed["waiting_calls"] == 400
    assert printed["decisions"] == 300
    assert printed["offers"] > 0  # agents who end after-call work are offered waiting calls
    assert printed["baseline_agreement"] == 1.0  # the naive scan chose as the core did
    assert 0 < printed["p50_ms"] <= printed["p99_ms"]
    assert printed["decisions_per_s"] > 0 and printed["baseline_decisions_per_s"] > 0
    assert printed["speedup"] > 0 and printed["peak_memory_mb"] > 0


def test_the_scenario_loads_the_center_as_asked() -> None:
    benchmark = load_benchmark()
    scenario = benchmark.build(300, 12, 500, seed=5)
    center = scenario.center
    assert sum(len(q.waiting_entry) for q in center.router.queues.values()) == 500
    assert all(1 <= len(a.queues) <= 4 for a in center.agents.values())
    assert all(q.members for q in center.router.queues.values())  # every queue is staffed
    talking = sum(a.state.value == "talking" for a in center.agents.values())
    assert talking == len(scenario.talking) and talking > 200  # most agents are busy
