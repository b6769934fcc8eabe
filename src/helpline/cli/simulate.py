"""``helpline simulate``: hours of traffic through the real core on a virtual clock."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from helpline.app.simulation import HANDLE_DISTRIBUTIONS, SimulationConfig
from helpline.app.simulation import simulate as run
from helpline.domain.errors import DomainError


def _erlang_prediction(config: SimulationConfig) -> dict[str, Any] | None:
    """Erlang's answer for the same traffic, when its assumptions hold (exponential, no wrap-up)."""
    if config.handle_dist != "exponential" or config.wrapup:
        return None
    from helpline.domain.wfm import erlang

    if config.patience is None:
        staffing = erlang.erlang_c_metrics(
            config.agents, config.calls_per_hour, config.aht, config.sl_seconds
        )
        model = "erlang_c"
    else:
        staffing = erlang.erlang_a_metrics(
            config.agents, config.calls_per_hour, config.aht, config.patience, config.sl_seconds
        )
        model = "erlang_a"
    return {
        "model": model,
        "service_level": round(staffing.service_level, 6),
        "asa_seconds": round(staffing.asa_seconds, 6),
        "abandon_rate": round(staffing.abandon_rate, 6),
        "occupancy": round(staffing.occupancy, 6),
    }


def simulate(
    agents: Annotated[int, typer.Option(help="Agents logged in and ready")] = 10,
    calls_per_hour: Annotated[float, typer.Option(help="Mean arrivals per hour (Poisson)")] = 120.0,
    aht: Annotated[float, typer.Option(help="Mean talk seconds")] = 180.0,
    handle_dist: Annotated[str, typer.Option(help="exponential or lognormal")] = "exponential",
    wrapup: Annotated[float, typer.Option(help="After-call work seconds")] = 0.0,
    patience: Annotated[float | None, typer.Option(help="Mean patience (s); omit: never")] = None,
    hours: Annotated[float, typer.Option(help="Simulated hours (after the warm-up)")] = 8.0,
    sl_seconds: Annotated[float, typer.Option(help="Service-level threshold T in seconds")] = 20.0,
    seed: Annotated[int, typer.Option(help="Random seed")] = 1,
    warmup_hours: Annotated[float, typer.Option(help="Hours simulated before measuring")] = 0.5,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
) -> None:
    """Run the real ACD core on a virtual switch and clock, and print the KPIs."""
    config = SimulationConfig(
        agents=agents,
        calls_per_hour=calls_per_hour,
        aht=aht,
        handle_dist=handle_dist,
        wrapup=wrapup,
        patience=patience,
        hours=hours,
        sl_seconds=sl_seconds,
        seed=seed,
        warmup_hours=warmup_hours,
    )
    err = Console(stderr=True)
    try:
        config.validate()
    except DomainError as exc:
        err.print(f"[red]error:[/red] {exc.message}")
        raise typer.Exit(2) from None
    with Progress(
        TextColumn("simulating"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=as_json,
    ) as bar:
        task = bar.add_task("sim", total=1.0)
        result = run(config, progress=lambda done: bar.update(task, completed=done))
    result.pop("config")
    prediction = _erlang_prediction(config)
    if as_json:
        typer.echo(json.dumps({**result, "erlang": prediction}, ensure_ascii=False))
        return
    title = f"{hours:g} h, {agents} agents, {calls_per_hour:g} calls/h, AHT {aht:g} s"
    Console().print(_table(title, result, prediction))


FIGURES = [
    ("offered", "offered"),
    ("answered", "answered"),
    ("abandoned", "abandoned"),
    ("service level", "service_level"),
    ("ASA (s)", "asa_seconds"),
    ("abandon rate", "abandon_rate"),
    ("AHT (s)", "aht_seconds"),
    ("occupancy", "occupancy"),
]
SHARES = ("service_level", "abandon_rate", "occupancy")


def _table(title: str, result: dict[str, Any], prediction: dict[str, Any] | None) -> Table:
    """The simulated figures beside what Erlang C or A predicts for the same load."""
    table = Table(title=title)
    table.add_column("metric")
    table.add_column("simulated", justify="right")
    table.add_column(prediction["model"] if prediction else "erlang", justify="right")
    for label, key in FIGURES:
        predicted = prediction.get(key) if prediction else None
        shown = _figure(result[key], key in SHARES)
        table.add_row(label, shown, _figure(predicted, key in SHARES) if predicted is not None else "")
    return table


__all__ = ["HANDLE_DISTRIBUTIONS", "simulate"]


def _figure(value: float | int | None, as_share: bool) -> str:
    if value is None:
        return "—"  # no call offered (or none answered): no figure (ADR 0007)
    if as_share:
        return f"{value:.1%}"
    return f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"
