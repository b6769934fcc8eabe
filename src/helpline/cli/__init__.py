"""The ``helpline`` command line: one sub-command per concern, each in its own module."""

from __future__ import annotations

import typer

from helpline.cli import db, demo, erlang, prompts, serve, simulate, users

app = typer.Typer(help="Helpline contact center", no_args_is_help=True, add_completion=False)
app.add_typer(db.app, name="db")
app.add_typer(users.user_app, name="user")
app.add_typer(users.tenant_app, name="tenant")
app.add_typer(demo.app, name="demo")
app.add_typer(prompts.app, name="prompts")
app.command("serve")(serve.serve)
app.command("erlang")(erlang.erlang)
app.command("simulate")(simulate.simulate)
