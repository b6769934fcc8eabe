"""Browser end-to-end fixtures: the real server on a free port, and headless Chromium.

The server is the application ``create_app`` builds, run by uvicorn in a background thread
over a migrated SQLite file with the demo data loaded, exactly as ``make run`` prepares it.
Chromium is Debian's ``/usr/bin/chromium``, driven by Playwright for Python; without either
the tests skip and say why. Each test signs in as people do, through the sign-in page.
"""

from __future__ import annotations

import asyncio
import importlib.util
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from helpline.adapters.db.migrate import upgrade
from helpline.app.demo import load_demo
from helpline.bootstrap import build_container
from helpline.config import Settings
from helpline.web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
DESKTOP_VIEWPORT = {"width": 1600, "height": 900}
WALLBOARD_VIEWPORT = {"width": 1920, "height": 1080}

HERE = Path(__file__).resolve().parent
BROWSER_FIXTURES = {"browser", "new_page"}


def _missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return f"browser e2e tests need Chromium at {CHROMIUM} (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "browser e2e tests need the playwright package (pip install playwright)"
    return None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = _missing()
    if reason is None:
        return
    for item in items:
        if item.path.is_relative_to(HERE) and BROWSER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.skip(reason=reason))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _load_demo(settings: Settings) -> None:
    container = await build_container(settings)
    async with container, container.units("default") as uow:
        await load_demo(uow, container.centers, container.passwords, once=False)


def _in_thread(work: Callable[[], object]) -> None:
    """Run ``work`` in a thread of its own: Playwright's sync API keeps an event loop running
    in the main thread while a browser is open, and ``asyncio.run`` refuses to nest."""
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


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The platform on a free port: migrated SQLite, demo data, virtual switch. -> base URL."""
    data_dir = tmp_path_factory.mktemp("e2e")
    database_url = f"sqlite:///{data_dir / 'helpline.db'}"
    upgrade(database_url)
    settings = Settings(
        database_url=database_url,
        data_dir=str(data_dir),
        secret_key="e2e-secret-key-that-is-long-enough-for-hs256",
        log_json=False,
        log_level="WARNING",
        password_hashing="fast",
        telephony="sim",
    )
    _in_thread(lambda: asyncio.run(_load_demo(settings)))
    port = _free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="e2e-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the e2e server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one test module. Not for the session: while Playwright's sync API is
    open, the main thread has a running event loop, which later tests' ``asyncio.run``
    would trip over."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


# -- the API, as a test harness uses it (placing calls through the virtual switch) ---------


class Api:
    """A small httpx client signed in as one user."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=10)
        response = self.client.post("/api/v1/auth/token", data={"username": username, "password": password})
        response.raise_for_status()
        body = response.json()
        self.user_id: str = body["user"]["id"]
        self.client.headers["Authorization"] = f"Bearer {body['access_token']}"

    def post(self, path: str, json: dict[str, Any] | None = None) -> Any:
        response = self.client.post(f"/api/v1{path}", json=json)
        assert response.status_code < 300, response.text
        return response.json()

    def get(self, path: str) -> Any:
        response = self.client.get(f"/api/v1{path}")
        assert response.status_code == 200, response.text
        return response.json()

    def place_call(self, queue_id: str, caller: str) -> str:
        """A caller dials in through the virtual switch -> the call id."""
        call_id: str = self.post("/sim/calls", {"queue_id": queue_id, "caller": caller})["call_id"]
        return call_id


@pytest.fixture(scope="session")
def leader_api(live_server: str) -> Iterator[Api]:
    api = Api(live_server, "leader", "leader123")
    yield api
    api.client.close()


@pytest.fixture(autouse=True)
def _quiet_floor(leader_api: Api) -> Iterator[None]:
    """Every test starts and ends with no calls and every agent logged out, so that tests
    do not route calls to each other's agents."""
    _clear_floor(leader_api)
    yield
    _clear_floor(leader_api)


def _clear_floor(api: Api) -> None:
    for call in api.get("/calls"):
        if call.get("data", {}).get("consult_for"):
            continue
        api.client.post(f"/api/v1/calls/{call['id']}/force-hangup")
        api.client.post(f"/api/v1/sim/calls/{call['id']}/hangup")
    for agent in api.get("/agents"):
        if agent["state"] != "logged_out":
            api.client.post(f"/api/v1/agents/{agent['id']}/force-logout")


# -- pages ---------------------------------------------------------------------------------


@pytest.fixture
def new_page(browser: Any, live_server: str) -> Iterator[Callable[..., Any]]:
    """``new_page(viewport=..., clock=False)``: a page in its own browser context (its own
    sessionStorage and localStorage, as a second computer would have)."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make(viewport: dict[str, int] | None = None, clock: bool = False) -> Any:
        context = browser.new_context(
            viewport=viewport or DESKTOP_VIEWPORT,
            base_url=live_server,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        context.set_default_timeout(10_000)  # a loaded CI machine; "within a second" checks say so
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        page.on(
            "console",
            lambda message: (
                errors.append(f"{page.url}: console: {message.text}") if message.type == "error" else None
            ),
        )
        if clock:
            page.clock.install()
        return page

    yield make
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors in the pages: {errors}"


@pytest.fixture
def sign_in() -> Callable[[Any, str, str, str], None]:
    """``sign_in(page, username, password, lands_on)`` through the sign-in page, as a person
    does; returns when the screen it lands on has its live stream up."""
    from playwright.sync_api import expect

    def do(page: Any, username: str, password: str, lands_on: str) -> None:
        page.goto("/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(f"**/ui/{lands_on}")
        expect(page.locator("#conn")).to_have_attribute("data-status", "live")

    return do


@pytest.fixture
def screenshot() -> Callable[[Any, str], None]:
    """``screenshot(page, name)`` -> artifacts/screenshots/<name>.png (git-ignored)."""

    def take(page: Any, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))

    return take
