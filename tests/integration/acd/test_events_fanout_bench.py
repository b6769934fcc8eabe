"""The events fan-out benchmark runs end to end on a tiny floor, with the server making the
calls itself (``--driver sim``): behaviour, not speed."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "benchmarks" / "events_fanout.py"


def load_benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location("events_fanout_benchmark", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building classes
    spec.loader.exec_module(module)
    return module


def test_the_server_drives_its_own_calls_and_every_client_hears_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    benchmark = load_benchmark()
    argv = ["--clients", "12", "--calls-per-second", "2", "--seconds", "4", "--warmup", "1"]
    argv += ["--baseline-clients", "0", "--client-procs", "1", "--db-dir", str(tmp_path), "--json"]
    result = benchmark.main(argv)

    printed = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert printed == result
    assert printed["driver"] == "sim"
    full = printed["full"]
    assert full["calls_placed"] >= 4  # two a second for four seconds, made inside the server
    assert full["calls_answered"] >= 1  # offers were seen by the hook and answered
    assert full["events_per_s"] > 0
    assert full["messages_per_s"] > 0  # the clients heard the events the calls made
    assert full["p50_ms"] >= 0
