"""``helpline erlang``: how many agents a queue needs (Erlang C, or Erlang A with patience).

A thin shell over :mod:`helpline.domain.wfm.erlang`: parse options, print a table or one JSON
object, and turn a domain :class:`Invalid` into a one-line message and exit code 2, so a
typo in a planning script never shows a traceback.
"""

from __future__ import annotations

import json
import math
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from helpline.domain.errors import Invalid
from helpline.domain.wfm.erlang import (
    Staffing,
    agents_for_service_level,
    erlang_a_metrics,
    erlang_c_metrics,
    scheduled_agents,
)

EXIT_BAD_INPUT = 2


def _finite(value: float) -> float | None:
    """JSON has no infinity: an unstable queue's ASA is reported as null."""
    return value if math.isfinite(value) else None


def _as_json(staffing: Staffing, scheduled: int, target_sl: float, sl_seconds: float) -> str:
    doc: dict[str, Any] = {
        "model": staffing.model,
        "agents": staffing.agents,
        "scheduled_agents": scheduled,
        "load_erlangs": staffing.load,
        "service_level": staffing.service_level,
        "asa_seconds": _finite(staffing.asa_seconds),
        "prob_wait": staffing.prob_wait,
        "occupancy": staffing.occupancy,
        "abandon_rate": staffing.abandon_rate,
        "mean_wait_seconds": _finite(staffing.mean_wait_seconds),
        "target_sl": target_sl,
        "sl_seconds": sl_seconds,
    }
    return json.dumps(doc)


def _seconds(value: float) -> str:
    return f"{value:.1f} s" if math.isfinite(value) else "∞"


def _table(rows: list[Staffing], chosen: int, sl_seconds: float) -> Table:
    table = Table(title=f"Around the requirement (service level: answered within {sl_seconds:g} s)")
    for header in ("Agents", "Service level", "ASA", "P(wait)", "Occupancy", "Abandoned"):
        table.add_column(header, justify="right")
    for s in rows:
        table.add_row(
            str(s.agents),
            f"{s.service_level:.1%}",
            _seconds(s.asa_seconds),
            f"{s.prob_wait:.1%}",
            f"{s.occupancy:.1%}",
            f"{s.abandon_rate:.1%}",
            style="bold green" if s.agents == chosen else None,
        )
    return table


def erlang(
    calls_per_hour: Annotated[float, typer.Option("--calls-per-hour", help="Offered calls per hour.")],
    aht: Annotated[float, typer.Option("--aht", help="Mean handle time, seconds.")],
    sl_seconds: Annotated[
        float, typer.Option("--sl-seconds", help="Service-level threshold T, seconds.")
    ] = 20.0,
    target_sl: Annotated[float, typer.Option("--target-sl", help="Target fraction answered within T.")] = 0.8,
    patience: Annotated[
        float | None,
        typer.Option("--patience", help="Mean caller patience, seconds (uses Erlang A)."),
    ] = None,
    shrinkage: Annotated[
        float, typer.Option("--shrinkage", help="Fraction of paid time off the phones.")
    ] = 0.0,
    agents: Annotated[
        int | None,
        typer.Option("--agents", help="Evaluate this staffing instead of solving for it."),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Agents needed for a service-level target (Erlang C; Erlang A with --patience)."""

    def metrics(n: int) -> Staffing:
        if patience is None:
            return erlang_c_metrics(n, calls_per_hour, aht, sl_seconds)
        return erlang_a_metrics(n, calls_per_hour, aht, patience, sl_seconds)

    try:
        if agents is None:
            staffing = agents_for_service_level(
                calls_per_hour, aht, target_sl, sl_seconds, patience_seconds=patience
            )
        else:
            staffing = metrics(agents)
        scheduled = scheduled_agents(staffing.agents, shrinkage)
    except Invalid as exc:
        typer.echo(f"error: {exc.message} ({exc.code})", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None

    if json_output:
        typer.echo(_as_json(staffing, scheduled, target_sl, sl_seconds))
        return
    console = Console()
    model = "Erlang A" if staffing.model == "erlang_a" else "Erlang C"
    console.print(
        f"{model}: {calls_per_hour:g} calls/h × {aht:g} s = {staffing.load:.2f} Erlangs"
        + (f", mean patience {patience:g} s" if patience is not None else "")
    )
    if agents is None:
        console.print(
            f"Agents needed for {target_sl:.0%} within {sl_seconds:g} s: [bold]{staffing.agents}[/bold]"
        )
        console.print(f"Scheduled with {shrinkage:.0%} shrinkage: [bold]{scheduled}[/bold]")
        around = range(max(0, staffing.agents - 2), staffing.agents + 4)
        rows = [staffing if n == staffing.agents else metrics(n) for n in around]
        console.print(_table(rows, staffing.agents, sl_seconds))
    else:
        _print_evaluated(console, staffing, scheduled, shrinkage, sl_seconds)


def _print_evaluated(
    console: Console, staffing: Staffing, scheduled: int, shrinkage: float, sl_seconds: float
) -> None:
    """The figures of one given staffing (``--agents``)."""
    console.print(f"Agents: {staffing.agents}")
    console.print(f"Scheduled with {shrinkage:.0%} shrinkage: {scheduled}")
    if not math.isfinite(staffing.asa_seconds):
        console.print(
            "[bold red]Calls arrive faster than this staff can answer them: the queue never settles.[/]"
        )
    console.print(f"Service level ({sl_seconds:g} s): {staffing.service_level:.1%}")
    console.print(f"ASA: {_seconds(staffing.asa_seconds)}")
    console.print(f"P(wait): {staffing.prob_wait:.1%}")
    console.print(f"Occupancy: {staffing.occupancy:.1%}")
    console.print(f"Abandoned: {staffing.abandon_rate:.1%}")
