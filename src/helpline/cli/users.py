"""``helpline user`` and ``helpline tenant``: manage accounts from a shell (e.g. the first admin)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from helpline.app.people import users
from helpline.app.unit_of_work import AppUnit
from helpline.bootstrap import Container, build_container
from helpline.config import load_settings
from helpline.domain.errors import DomainError
from helpline.domain.people.accounts import ROLES

user_app = typer.Typer(help="Users", no_args_is_help=True)
tenant_app = typer.Typer(help="Tenants", no_args_is_help=True)
T = TypeVar("T")


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg="red")
    return typer.Exit(1)


def _run(tenant_id: str, work: Callable[[Container, AppUnit], Awaitable[T]]) -> T:
    """Run ``work`` in a unit of work of ``tenant_id`` (the use case commits it; what it did
    not commit is rolled back). Domain and database errors become a message and exit code 1."""

    async def main() -> T:
        container = await build_container(load_settings())
        async with container, container.units(tenant_id) as uow:
            return await work(container, uow)

    try:
        return asyncio.run(main())
    except DomainError as exc:
        raise _fail(exc.message) from exc
    except SQLAlchemyError as exc:
        hint = " (has `helpline db upgrade` been run?)"
        detail = exc.args[0] if exc.args else exc
        raise _fail(f"database: {exc.__class__.__name__}: {detail}{hint}") from exc


@user_app.command("add")
def add_user(
    username: str,
    role: str = typer.Option("agent", help=f"One of: {', '.join(ROLES)}"),
    password: str = typer.Option(
        ..., prompt=True, hide_input=True, confirmation_prompt=True, help="Prompted when omitted"
    ),
    tenant: str = typer.Option("default", help="Tenant id"),
    name: str = typer.Option("", help="Display name (defaults to the username)"),
    locale: str | None = typer.Option(None, help="e.g. zh-CN, en"),
) -> None:
    """Add a user to a tenant."""

    async def work(container: Container, uow: AppUnit) -> str:
        user = await users.create_user(
            uow,
            container.passwords,
            username=username,
            password=password,
            role=role,
            display_name=name,
            locale=locale,
        )
        return user.id

    user_id = _run(tenant, work)
    typer.echo(f"added {role} {username.strip().lower()} to tenant {tenant} (id {user_id})")


@user_app.command("list")
def list_users(tenant: str = typer.Option("default", help="Tenant id")) -> None:
    """List the users of a tenant."""

    async def work(_container: Container, uow: AppUnit) -> list[tuple[str, ...]]:
        found = await users.list_users(uow)
        return [(u.username, u.display_name, u.role, "yes" if u.is_active else "no", u.id) for u in found]

    table = Table("username", "name", "role", "active", "id", title=f"users of {tenant}")
    for row in _run(tenant, work):
        table.add_row(*row)
    Console().print(table)


@tenant_app.command("add")
def add_tenant(
    tenant_id: str = typer.Argument(..., metavar="ID", help="Short slug, e.g. acme"),
    name: str = typer.Option(..., help="Display name"),
    locale: str = typer.Option("zh-CN", help="Default locale of the tenant"),
) -> None:
    """Add a tenant."""

    async def work(container: Container, uow: AppUnit) -> None:
        await users.create_tenant(uow, container.passwords, tenant_id=tenant_id, name=name, locale=locale)

    _run(tenant_id, work)
    typer.echo(f"added tenant {tenant_id} ({name})")


@tenant_app.command("list")
def list_tenants() -> None:
    """List the tenants."""

    async def work(_container: Container, uow: AppUnit) -> list[tuple[str, ...]]:
        return [(t.id, t.name, t.locale) for t in await users.list_tenants(uow)]

    table = Table("id", "name", "locale", title="tenants")
    for row in _run("default", work):
        table.add_row(*row)
    Console().print(table)
