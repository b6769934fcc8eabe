"""``helpline erlang`` on its own tiny Typer app, so the other sub-commands do not matter."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from helpline.cli.erlang import erlang
from helpline.domain.wfm.erlang import (
    agents_for_service_level,
    erlang_a_metrics,
    erlang_c_metrics,
)

app = typer.Typer()
app.command("erlang")(erlang)


@app.callback()
def _root() -> None:
    """Keep ``erlang`` a named sub-command, as in the real app."""


runner = CliRunner()

KEYS = {
    "model",
    "agents",
    "scheduled_agents",
    "load_erlangs",
    "service_level",
    "asa_seconds",
    "prob_wait",
    "occupancy",
    "abandon_rate",
}


def run_json(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["erlang", *args, "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert isinstance(doc, dict)
    assert doc.keys() >= KEYS
    return doc


def test_json_erlang_c_requirement() -> None:
    doc = run_json("--calls-per-hour", "300", "--aht", "180", "--shrinkage", "0.3")
    expected = agents_for_service_level(300, 180, 0.8, 20)
    assert doc["model"] == "erlang_c"
    assert doc["agents"] == expected.agents == 19
    assert doc["scheduled_agents"] == 28  # ceil(19 / 0.7)
    assert doc["load_erlangs"] == pytest.approx(15.0)
    assert doc["service_level"] == pytest.approx(expected.service_level)
    assert doc["asa_seconds"] == pytest.approx(expected.asa_seconds)
    assert doc["abandon_rate"] == 0.0


def test_json_erlang_a_requirement_with_options() -> None:
    doc = run_json(
        "--calls-per-hour", "300", "--aht", "180", "--patience", "60",
        "--sl-seconds", "30", "--target-sl", "0.9",
    )  # fmt: skip
    expected = agents_for_service_level(300, 180, 0.9, 30, patience_seconds=60)
    assert doc["model"] == "erlang_a"
    assert doc["agents"] == doc["scheduled_agents"] == expected.agents
    assert doc["service_level"] == pytest.approx(expected.service_level)
    assert isinstance(doc["service_level"], float) and doc["service_level"] >= 0.9
    assert doc["abandon_rate"] == pytest.approx(expected.abandon_rate)
    assert isinstance(doc["abandon_rate"], float) and doc["abandon_rate"] > 0


def test_json_given_agents() -> None:
    doc = run_json("--calls-per-hour", "300", "--aht", "180", "--agents", "17")
    s = erlang_c_metrics(17, 300, 180, 20)
    assert doc["agents"] == 17
    assert doc["service_level"] == pytest.approx(s.service_level)
    assert doc["occupancy"] == pytest.approx(15 / 17)
    doc = run_json("--calls-per-hour", "300", "--aht", "180", "--agents", "12", "--patience", "90")
    a = erlang_a_metrics(12, 300, 180, 90, 20)
    assert doc["model"] == "erlang_a"
    assert doc["prob_wait"] == pytest.approx(a.prob_wait)
    assert doc["abandon_rate"] == pytest.approx(a.abandon_rate)


def test_json_unstable_staff_has_null_asa() -> None:
    result = runner.invoke(app, ["erlang", "--calls-per-hour", "300", "--aht", "180",
                                 "--agents", "15", "--json"])  # fmt: skip
    assert result.exit_code == 0
    assert "Infinity" not in result.stdout
    doc = json.loads(result.stdout)
    assert doc["asa_seconds"] is None
    assert doc["service_level"] == 0.0


def test_table_output_lists_neighbouring_staffing_levels() -> None:
    result = runner.invoke(app, ["erlang", "--calls-per-hour", "300", "--aht", "180",
                                 "--shrinkage", "0.3"])  # fmt: skip
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "19" in out and "28" in out
    for n in range(17, 23):  # n-2 .. n+3 around 19
        assert f"│ {n:>6} │" in out
    assert "84.3%" in out  # SL at 19 agents


def test_given_agents_text_output() -> None:
    result = runner.invoke(app, ["erlang", "--calls-per-hour", "300", "--aht", "180",
                                 "--agents", "20"])  # fmt: skip
    assert result.exit_code == 0, result.output
    sl = erlang_c_metrics(20, 300, 180, 20).service_level
    assert f"{sl:.1%}" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["--calls-per-hour", "-5", "--aht", "180"],
        ["--calls-per-hour", "300", "--aht", "0"],
        ["--calls-per-hour", "300", "--aht", "180", "--target-sl", "1.5"],
        ["--calls-per-hour", "300", "--aht", "180", "--shrinkage", "1"],
        ["--calls-per-hour", "300", "--aht", "180", "--patience", "-1"],
        ["--calls-per-hour", "300", "--aht", "180", "--agents", "-3"],
        ["--calls-per-hour", "nan", "--aht", "180"],
    ],
)
def test_bad_input_exits_with_message_not_traceback(args: list[str]) -> None:
    result = runner.invoke(app, ["erlang", *args, "--json"])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.output


def test_missing_required_option_is_a_usage_error() -> None:
    result = runner.invoke(app, ["erlang", "--aht", "180"])
    assert result.exit_code == 2
    assert "calls-per-hour" in result.stderr
