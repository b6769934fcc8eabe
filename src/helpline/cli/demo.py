"""``helpline demo load``: people, skills and queues to try the platform with."""

from __future__ import annotations

import asyncio

import typer

from helpline.app.demo import USERS, load_demo
from helpline.bootstrap import build_container
from helpline.config import load_settings
from helpline.domain.errors import DomainError

app = typer.Typer(help="Demo data", no_args_is_help=True)


@app.command("load")
def load(
    tenant: str = typer.Option("default", help="Tenant to load into"),
    once: bool = typer.Option(False, "--once", help="Do nothing if the demo was loaded before"),
) -> None:
    """Create demo users (password on the list below), skills and queues."""

    async def main() -> bool:
        container = await build_container(load_settings())
        async with container, container.units(tenant) as uow:
            return await load_demo(uow, container.centers, container.passwords, tenant, once=once)

    try:
        loaded = asyncio.run(main())
    except DomainError as exc:
        typer.secho(f"error: {exc.message}", err=True, fg="red")
        raise typer.Exit(1) from None
    if not loaded:
        typer.echo("demo data already loaded")
        return
    typer.echo("demo data loaded; sign in with:")
    for user in USERS:
        typer.echo(f"  {user.username:<11} {user.password:<10} {user.role}")
