"""Shared fixtures: real databases (SQLite and PostgreSQL), the app, a client, and users.

Anything that asks for ``database_url`` (directly, or through ``settings``/``app``/``client``)
runs twice: ``[sqlite]`` and ``[postgresql]``. Each backend is created and migrated once per
session; rows are deleted before each test (the ``default`` tenant is kept and reset).
"""

from __future__ import annotations

import itertools
import os
import secrets
import warnings
from collections.abc import AsyncIterator, Callable, Iterator

import psycopg
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, MetaData

from helpline.adapters.db.base import Base
from helpline.adapters.db.engine import make_sync_engine
from helpline.adapters.db.migrate import upgrade
from helpline.bootstrap import Container, build_container
from helpline.config import Settings
from helpline.web.app import create_app
from testkit import DEFAULT_TENANT, PASSWORD, SECRET_KEY, MakeUser, auth_headers  # noqa: F401

with warnings.catch_warnings():  # starlette asks for httpx2; httpx works the same for tests
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_UNREACHABLE = f"PostgreSQL not reachable at {PG_HOST}:{PG_PORT}"


# -- databases ----------------------------------------------------------------------------


def _pg_admin_user() -> str | None:
    """The first of ``postgres``/``root`` that may connect (trust auth), or None."""
    for user in ("postgres", "root"):
        try:
            with psycopg.connect(host=PG_HOST, port=PG_PORT, user=user, dbname="postgres", connect_timeout=2):
                return user
        except psycopg.OperationalError:
            continue
    return None


def _pg_admin_execute(user: str, sql: str) -> None:
    with psycopg.connect(host=PG_HOST, port=PG_PORT, user=user, dbname="postgres", autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def pg_admin_user() -> str:
    user = _pg_admin_user()
    if user is None:
        pytest.skip(PG_UNREACHABLE)
    return user


def _create_pg_database(user: str) -> tuple[str, str]:
    name = f"helpline_test_{secrets.token_hex(4)}"
    _pg_admin_execute(user, f'CREATE DATABASE "{name}"')
    return name, f"postgresql+psycopg://{user}@{PG_HOST}:{PG_PORT}/{name}"


def _drop_pg_database(user: str, name: str) -> None:
    _pg_admin_execute(user, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgresql_url(pg_admin_user: str) -> Iterator[str]:
    """A fresh PostgreSQL database for the session, migrated to head, dropped at the end."""
    name, url = _create_pg_database(pg_admin_user)
    try:
        upgrade(url)
        yield url
    finally:
        _drop_pg_database(pg_admin_user, name)


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file for the session, migrated to head."""
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'helpline.db'}"
    upgrade(url)
    return url


class _Cleaner:
    """Empties every table between tests (much faster than migrating a new database)."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = make_sync_engine(url)
        self.metadata: MetaData | None = None

    def clean(self) -> None:
        if self.metadata is None:
            self.metadata = MetaData()
            # Only the models' tables: index structures made by raw SQL (FTS5 shadow tables)
            # follow their tables through triggers and break when emptied by hand.
            self.metadata.reflect(self.engine, only=lambda name, _: name in Base.metadata.tables)
        with self.engine.begin() as conn:
            for table in reversed(self.metadata.sorted_tables):
                if table.name == "alembic_version":
                    continue
                if table.name == "tenants":
                    conn.execute(table.delete().where(table.c.id != DEFAULT_TENANT))
                    conn.execute(
                        table.update()
                        .where(table.c.id == DEFAULT_TENANT)
                        .values(name="Default", locale="zh-CN", settings={})
                    )
                else:
                    conn.execute(table.delete())


@pytest.fixture(scope="session")
def _cleaners() -> Iterator[dict[str, _Cleaner]]:
    cleaners: dict[str, _Cleaner] = {}
    yield cleaners
    for cleaner in cleaners.values():
        cleaner.engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, _cleaners: dict[str, _Cleaner]) -> str:
    """A migrated, empty database (only the ``default`` tenant), on each backend in turn."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    _cleaners.setdefault(url, _Cleaner(url)).clean()
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: os.PathLike[str]) -> Iterator[str]:
    """A brand-new database with no schema at all (for migration tests), on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/empty.db"
        return
    user: str = request.getfixturevalue("pg_admin_user")
    name, url = _create_pg_database(user)
    try:
        yield url
    finally:
        _drop_pg_database(user, name)


@pytest.fixture(autouse=True)
def _no_helpline_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's HELPLINE_* variables must not leak into the tests."""
    for name in list(os.environ):
        if name.startswith("HELPLINE_"):
            monkeypatch.delenv(name)


# -- the application ----------------------------------------------------------------------


@pytest.fixture
def settings(tmp_path: os.PathLike[str], database_url: str) -> Settings:
    """Settings for one test: its own data dir, a fixed secret key, cheap password hashing."""
    return Settings(
        database_url=database_url,
        data_dir=str(tmp_path),
        secret_key=SECRET_KEY,
        log_json=False,
        log_level="WARNING",
        password_hashing="fast",
    )


@pytest.fixture
async def container(settings: Settings) -> AsyncIterator[Container]:
    """A started Container in the test's event loop, for app-level tests without HTTP."""
    built = await build_container(settings)
    try:
        yield built
    finally:
        await built.aclose()


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """A client with the lifespan running, so ``app.state.container`` exists. Run coroutines
    on the app's event loop with ``client.portal.call(fn, *args)``."""
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def make_user(client: TestClient, app: FastAPI) -> MakeUser:
    return MakeUser(client, app.state.container, itertools.count(1))


@pytest.fixture
def login(client: TestClient) -> Callable[..., dict[str, str]]:
    """``login(username, password=PASSWORD, tenant=None)`` through the API -> auth headers."""

    def do_login(username: str, password: str = PASSWORD, tenant: str | None = None) -> dict[str, str]:
        form = {"username": username, "password": password}
        if tenant is not None:
            form["tenant"] = tenant
        response = client.post("/api/v1/auth/token", data=form)
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    return do_login
