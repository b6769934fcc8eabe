"""``helpline prompts``: the platform's default voice prompts (Mandarin and English).

The server generates missing prompts itself when it starts with ``telephony = "sip"``; this
command does it ahead of time (an install script, a package build), or again after the
texts or the TTS engine changed (``--force``).
"""

from __future__ import annotations

import asyncio

import typer

from helpline.app.ivr.prompts import DEFAULT_PROMPTS
from helpline.bootstrap_sip import prompt_library
from helpline.config import load_settings

app = typer.Typer(help="Voice prompts", no_args_is_help=True)


@app.command("generate")
def generate(force: bool = typer.Option(False, "--force", help="Speak every prompt again")) -> None:
    """Speak the default prompts with espeak-ng into <data_dir>/prompts/system (8 kHz WAV)."""
    library = prompt_library(load_settings())
    report = asyncio.run(library.generate_defaults(force=force))
    if report.get("error"):
        typer.secho(f"error: {report['error']}", err=True, fg="red")
        raise typer.Exit(1)
    typer.echo(
        f"{len(report['generated'])} prompts generated in {report['seconds']} s, "
        f"{len(report['skipped'])} already there: {report['directory']}"
    )


@app.command("list")
def list_prompts() -> None:
    """The default prompts and their texts."""
    library = prompt_library(load_settings())
    for prompt_id, (zh, en) in DEFAULT_PROMPTS.items():
        mark = " " if library.path("default", prompt_id) else "!"
        typer.echo(f"{mark} {prompt_id:<16} {zh} / {en}")
