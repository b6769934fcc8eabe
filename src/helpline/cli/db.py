"""``helpline db``: schema migrations."""

from __future__ import annotations

import typer
from sqlalchemy import make_url
from sqlalchemy.exc import SQLAlchemyError

from helpline.adapters.db.migrate import upgrade as run_upgrade
from helpline.config import load_settings

app = typer.Typer(help="Database migrations", no_args_is_help=True)


@app.command()
def upgrade(
    revision: str = typer.Argument("head", help="Target revision (default: the newest)"),
) -> None:
    """Bring the configured database (HELPLINE_DATABASE_URL) up to date."""
    settings = load_settings()
    where = make_url(settings.database_url).render_as_string(hide_password=True)
    try:
        result = run_upgrade(settings.database_url, revision)
    except SQLAlchemyError as exc:
        typer.secho(f"error: cannot migrate {where}: {exc.__class__.__name__}: {exc}", err=True, fg="red")
        raise typer.Exit(1) from exc
    if result.changed:
        typer.echo(f"{where}: upgraded from {result.before or 'empty'} to {result.after}")
    else:
        typer.echo(f"{where}: already at {result.after} (nothing to do)")
