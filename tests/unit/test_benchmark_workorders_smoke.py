"""The work-order search benchmark runs end to end on a small SQLite load (behaviour, not speed)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "workorders.py"
KIND_KEYS = {
    "p50_ms",
    "p95_ms",
    "baseline_p50_ms",
    "baseline_p95_ms",
    "speedup_p50",
    "mean_hits",
    "baseline_agreement",
}


def load_benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("workorders_benchmark", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building classes
    spec.loader.exec_module(module)
    return module


def test_small_run_prints_the_figures_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    benchmark = load_benchmark()
    result = benchmark.main(
        ["--orders", "2000", "--engines", "sqlite", "--queries", "20", "--baseline-queries", "3"]
    )

    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed == result
    assert printed.keys() >= {
        "orders",
        "queries_per_kind",
        "aim_p95_ms",
        "max_results",
        "engines",
        "meets_aim",
    }
    assert printed["orders"] == 2000
    sqlite = printed["engines"]["sqlite"]
    assert sqlite["load_s"] >= 0 and sqlite["size_mb"] >= 0
    assert set(sqlite["kinds"]) == {"number", "caller", "custom_field", "text", "text_by_date"}
    for kind, figures in sqlite["kinds"].items():
        assert figures.keys() == KIND_KEYS, kind
        assert 0 < figures["p50_ms"] <= figures["p95_ms"], kind
        assert figures["baseline_agreement"] == 1.0, kind  # the engine counts what the LIKE scan finds
    assert sqlite["kinds"]["number"]["mean_hits"] == 1  # order numbers are unique
    assert sqlite["kinds"]["text"]["mean_hits"] > 1


def test_generated_orders_have_realistic_lengths() -> None:
    load_benchmark()
    from workorder_text import orders  # the benchmark put its folder on sys.path

    batch = list(orders(500, seed=3))
    assert len({o.number for o in batch}) == 500
    assert all(10 <= len(o.title) <= 40 and 80 <= len(o.body) <= 400 for o in batch)
    assert 0.05 < sum(o.title.isascii() for o in batch) / len(batch) < 0.3  # some orders are in English
    assert len({o.caller_key for o in batch}) < 500  # callers call again
