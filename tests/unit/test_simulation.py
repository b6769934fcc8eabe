"""The simulator runs the real ACD core; long runs must agree with queueing theory."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from helpline.app.simulation import SimulationConfig, simulate
from helpline.cli.simulate import simulate as simulate_command
from helpline.domain.errors import Invalid
from helpline.domain.wfm import erlang


def test_long_run_without_abandonment_agrees_with_erlang_c() -> None:
    config = SimulationConfig(agents=10, calls_per_hour=150, aht=200, hours=120, seed=7)
    result = simulate(config)
    theory = erlang.erlang_c_metrics(10, 150, 200, 20)
    assert result["offered"] > 15_000
    assert result["abandoned"] == 0
    assert result["service_level"] == pytest.approx(theory.service_level, abs=0.03)
    assert result["asa_seconds"] == pytest.approx(theory.asa_seconds, rel=0.12)
    assert result["occupancy"] == pytest.approx(theory.occupancy, abs=0.015)
    assert result["aht_seconds"] == pytest.approx(200, rel=0.03)


def test_long_run_with_exponential_patience_agrees_with_erlang_a() -> None:
    config = SimulationConfig(agents=12, calls_per_hour=200, aht=180, patience=90, hours=120, seed=3)
    result = simulate(config)
    theory = erlang.erlang_a_metrics(12, 200, 180, 90, 20)
    assert result["abandoned"] > 500
    assert result["abandon_rate"] == pytest.approx(theory.abandon_rate, abs=0.01)
    assert result["service_level"] == pytest.approx(theory.service_level, abs=0.03)
    assert result["asa_seconds"] == pytest.approx(theory.asa_seconds, rel=0.12)
    in_progress_at_the_end = result["offered"] - result["answered"] - result["abandoned"]
    assert 0 <= in_progress_at_the_end <= 12 + 20


def test_understaffing_is_worse_than_overstaffing() -> None:
    common = {"calls_per_hour": 120, "aht": 180, "hours": 20, "patience": 60.0, "seed": 11}
    short = simulate(SimulationConfig(agents=6, **common))
    full = simulate(SimulationConfig(agents=9, **common))
    assert short["service_level"] < full["service_level"]
    assert short["abandon_rate"] > full["abandon_rate"]
    assert short["occupancy"] > full["occupancy"]


def test_wrap_up_counts_in_handle_time_and_occupancy() -> None:
    common = {"agents": 8, "calls_per_hour": 100, "aht": 150, "hours": 30, "seed": 5}
    plain = simulate(SimulationConfig(**common))
    wrapped = simulate(SimulationConfig(wrapup=30, **common))
    assert wrapped["acw_seconds"] == pytest.approx(30, abs=0.5)
    assert wrapped["aht_seconds"] == pytest.approx(wrapped["att_seconds"] + 30, abs=0.5)
    assert wrapped["occupancy"] > plain["occupancy"] + 0.05


def test_lognormal_handle_times_keep_their_mean() -> None:
    result = simulate(
        SimulationConfig(agents=10, calls_per_hour=120, aht=200, hours=40, handle_dist="lognormal", seed=2)
    )
    assert result["att_seconds"] == pytest.approx(200, rel=0.05)


def test_same_seed_same_result_and_other_seed_differs() -> None:
    config = SimulationConfig(agents=5, calls_per_hour=60, aht=200, hours=5, seed=9)
    first, second = simulate(config), simulate(config)
    other = simulate(SimulationConfig(agents=5, calls_per_hour=60, aht=200, hours=5, seed=10))
    assert first == second
    assert first["offered"] != other["offered"] or first["asa_seconds"] != other["asa_seconds"]


@pytest.mark.parametrize(
    "field, value",
    [("agents", 0), ("calls_per_hour", -1), ("aht", 0), ("patience", 0.0), ("handle_dist", "uniform")],
)
def test_bad_configuration_is_refused(field: str, value: object) -> None:
    with pytest.raises(Invalid) as caught:
        simulate(SimulationConfig(**{field: value}))  # type: ignore[arg-type]
    assert caught.value.fields["field"] == field


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command("simulate")(simulate_command)
    app.command("noop")(lambda: None)
    return app


def test_cli_prints_one_json_object_with_the_kpis_and_erlang_beside() -> None:
    result = CliRunner().invoke(
        _cli(),
        [
            "simulate",
            "--agents",
            "4",
            "--calls-per-hour",
            "60",
            "--aht",
            "180",
            "--hours",
            "3",
            "--patience",
            "120",
            "--seed",
            "4",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output.strip().splitlines()[-1])
    for key in (
        "offered",
        "answered",
        "abandoned",
        "service_level",
        "asa_seconds",
        "abandon_rate",
        "aht_seconds",
        "occupancy",
    ):
        assert key in data
    in_progress_at_the_end = data["offered"] - data["answered"] - data["abandoned"] - data["exited"]
    assert 0 <= in_progress_at_the_end <= 4 + 10
    assert data["erlang"]["model"] == "erlang_a"


def test_cli_table_and_bad_input() -> None:
    runner = CliRunner()
    table = runner.invoke(_cli(), ["simulate", "--hours", "1", "--agents", "3"])
    assert table.exit_code == 0
    assert "service level" in table.output
    bad = runner.invoke(_cli(), ["simulate", "--agents", "0"])
    assert bad.exit_code == 2
    assert "agents" in bad.output


def test_a_run_without_calls_has_no_figures_and_the_table_shows_a_dash() -> None:
    quiet = SimulationConfig(agents=2, calls_per_hour=0.001, hours=0.01, warmup_hours=0, seed=1)
    result = simulate(quiet)
    assert result["offered"] == 0
    assert result["service_level"] is None and result["abandon_rate"] is None
    assert result["asa_seconds"] is None and result["aht_seconds"] is None
    assert result["occupancy"] == 0.0  # the agents were logged in, idle
    table = CliRunner().invoke(
        _cli(),
        ["simulate", "--agents", "2", "--calls-per-hour", "0.001", "--hours", "0.01", "--warmup-hours", "0"],
    )
    assert table.exit_code == 0, table.output
    assert "—" in table.output
