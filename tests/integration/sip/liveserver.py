"""The real platform with the SIP switch, for end-to-end calls from sipp.

``helpline serve`` as it runs in production, minus the CLI: the application ``create_app``
builds, run by uvicorn in a background thread over a migrated SQLite file with the demo data
(agents 8001-8006 with SIP password ``agent123``), ``telephony="sip"`` on free ports. The
tests talk to it over HTTP (httpx) and SIP (sipp), as a desk phone and a desktop would.
``SIP_TEST_LOG_LEVEL=INFO`` (or DEBUG) shows the server's logs when a test fails.
"""

from __future__ import annotations

import asyncio
import os
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sipharness import free_port

from helpline.adapters.db.migrate import upgrade
from helpline.app.demo import load_demo
from helpline.bootstrap import Container, build_container
from helpline.config import Settings
from helpline.web.app import create_app


@dataclass
class LiveSip:
    base_url: str
    sip_port: int
    settings: Settings
    server: uvicorn.Server
    app: Any

    @property
    def container(self) -> Container:
        container: Container = self.app.state.container
        return container

    def api(self, username: str, password: str) -> Api:
        return Api(self.base_url, username, password)


class Api:
    """An httpx client signed in as one user (async, so the test's sipp runs alongside)."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        response = httpx.post(
            f"{base_url}/api/v1/auth/token", data={"username": username, "password": password}, timeout=10
        )
        response.raise_for_status()
        body = response.json()
        self.user_id: str = body["user"]["id"]
        self.client = httpx.AsyncClient(
            base_url=f"{base_url}/api/v1",
            timeout=10,
            headers={"Authorization": f"Bearer {body['access_token']}"},
        )

    async def post(self, path: str, json: Any = None) -> Any:
        response = await self.client.post(path, json=json)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    async def get(self, path: str) -> Any:
        response = await self.client.get(path)
        assert response.status_code == 200, response.text
        return response.json()

    async def until(self, path: str, check: Any, timeout: float = 10.0) -> Any:
        """GET ``path`` until ``check(body)`` holds (the switch and the ACD work in the
        background); fails with the last body."""
        deadline = time.monotonic() + timeout
        body: Any = None
        while time.monotonic() < deadline:
            response = await self.client.get(path)
            if response.status_code == 200:
                body = response.json()
                if check(body):
                    return body
            await asyncio.sleep(0.1)
        raise AssertionError(f"{path}: condition not reached; last: {body}")

    async def aclose(self) -> None:
        await self.client.aclose()


def _in_thread(work: Any) -> None:
    failure: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]


async def _load_demo(settings: Settings) -> None:
    container = await build_container(settings)
    async with container, container.units("default") as uow:
        await load_demo(uow, container.centers, container.passwords, once=False)


def start_live_sip(data_dir: Path, **overrides: Any) -> Iterator[LiveSip]:
    database_url = f"sqlite:///{data_dir / 'helpline.db'}"
    upgrade(database_url)
    base = random.randrange(30000, 39000, 200)
    values: dict[str, Any] = {
        "database_url": database_url,
        "data_dir": str(data_dir),
        "secret_key": "sip-e2e-secret-key-that-is-long-enough-for-hs256",
        "log_json": False,
        "log_level": os.environ.get("SIP_TEST_LOG_LEVEL", "WARNING"),
        "password_hashing": "fast",
        "telephony": "sip",
        "sip_port": free_port(),
        "rtp_port_min": base,
        "rtp_port_max": base + 198,
        **overrides,
    }
    settings = Settings(**values)
    _in_thread(lambda: asyncio.run(_load_demo(settings)))
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="sip-e2e-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the server did not start")
        time.sleep(0.05)
    try:
        yield LiveSip(f"http://127.0.0.1:{port}", settings.sip_port, settings, server, app)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
