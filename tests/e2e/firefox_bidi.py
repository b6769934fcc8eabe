"""A small WebDriver BiDi client for a stock Firefox, for the browser tests in Firefox.

Playwright cannot drive Debian's ``firefox-esr`` and geckodriver is not packaged, but Firefox
speaks WebDriver BiDi itself (https://w3c.github.io/webdriver-bidi/) on the port given by
``--remote-debugging-port``. This module starts a headless Firefox with a fresh profile, opens
a session over that WebSocket and offers the few commands the tests need: tabs in separate user
contexts (their own storage, like a second computer), navigation, script, real keyboard and
mouse input, screenshots, and the JavaScript errors and console errors the pages log.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from websockets.exceptions import WebSocketException
from websockets.sync.client import ClientConnection, connect

FIREFOX_PATHS = (Path("/usr/bin/firefox-esr"), Path("/usr/bin/firefox"))

# A quiet, predictable browser: Chinese first (the hotline's default), no updates, no telemetry,
# no first-run pages, no network calls of its own that would slow a test machine down.
PREFS = {
    "intl.accept_languages": "zh-CN, zh, en",
    "intl.locale.requested": "zh-CN",
    "app.update.enabled": False,
    "app.update.auto": False,
    "browser.shell.checkDefaultBrowser": False,
    "browser.startup.homepage_override.mstone": "ignore",
    "browser.aboutwelcome.enabled": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "datareporting.healthreport.uploadEnabled": False,
    "toolkit.telemetry.enabled": False,
    "app.normandy.enabled": False,
    "services.settings.server": "http://127.0.0.1:1/",
    "network.captive-portal-service.enabled": False,
    "network.connectivity-service.enabled": False,
    "extensions.update.enabled": False,
    "browser.safebrowsing.malware.enabled": False,
    "browser.safebrowsing.phishing.enabled": False,
    "media.navigator.permission.disabled": True,
    "media.navigator.streams.fake": True,
    "dom.disable_beforeunload": True,
}

# WebDriver key codes (the spec's "normalised key values") for the keys tests press.
KEYS = {
    "Alt": "\ue00a",
    "Control": "\ue009",
    "Shift": "\ue008",
    "Enter": "\ue007",
    "Escape": "\ue00c",
    "Tab": "\ue004",
    "Backspace": "\ue003",
}


def find_firefox() -> Path | None:
    """The Firefox binary of this machine (Debian's firefox-esr first), or None."""
    for path in FIREFOX_PATHS:
        if path.exists() and os.access(path, os.X_OK):
            return path
    found = shutil.which("firefox-esr") or shutil.which("firefox")
    return Path(found) if found else None


class BidiError(RuntimeError):
    """A command the browser answered with an error (its ``error`` and ``message``)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def deserialize(value: dict[str, Any]) -> Any:
    """A BiDi remote value -> Python (primitives, arrays, plain objects); nodes and other
    objects stay as their remote value, so they can be passed back as a reference."""
    kind = value.get("type")
    if kind in ("undefined", "null"):
        return None
    if kind in ("string", "boolean"):
        return value["value"]
    if kind == "number":
        number = value["value"]
        return float(number) if isinstance(number, str) else number  # "NaN", "Infinity", "-0"
    if kind in ("array", "set"):
        return [deserialize(item) for item in value.get("value", [])]
    if kind in ("object", "map"):
        return {
            (key if isinstance(key, str) else deserialize(key)): deserialize(item)
            for key, item in value.get("value", [])
        }
    return value


class Firefox:
    """One headless Firefox and its BiDi session. Use as a context manager."""

    def __init__(self, binary: Path, timezone: str = "Asia/Shanghai", start_timeout: float = 30) -> None:
        self.binary = binary
        self.timezone = timezone
        self.start_timeout = start_timeout
        self.profile = Path(tempfile.mkdtemp(prefix="helpline-firefox-"))
        self.process: subprocess.Popen[bytes] | None = None
        self.ws: ClientConnection | None = None
        self._stack = contextlib.ExitStack()
        self.log: list[dict[str, Any]] = []  # every log.entryAdded event's params
        self._ids = itertools.count(1)
        self._pending: dict[int, dict[str, Any]] = {}
        self._arrived = threading.Condition()
        self._reader: threading.Thread | None = None
        self._closed = False

    # -- life cycle ------------------------------------------------------------------------

    def __enter__(self) -> Firefox:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        (self.profile / "user.js").write_text(
            "".join(f'user_pref("{key}", {json.dumps(value)});\n' for key, value in PREFS.items()),
            encoding="utf-8",
        )
        port = free_port()
        env = {**os.environ, "TZ": self.timezone, "LANG": "zh_CN.UTF-8", "MOZ_CRASHREPORTER_DISABLE": "1"}
        self.process = subprocess.Popen(
            [
                str(self.binary),
                "--headless",
                "--no-remote",
                "--profile",
                str(self.profile),
                f"--remote-debugging-port={port}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # its content processes go with it on close
        )
        deadline = time.monotonic() + self.start_timeout
        while True:
            try:
                self.ws = self._stack.enter_context(
                    connect(f"ws://127.0.0.1:{port}/session", max_size=None, open_timeout=5)
                )
                break
            except (OSError, WebSocketException):  # not listening yet
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{self.binary} did not open WebDriver BiDi on port {port}") from None
                time.sleep(0.2)
        self._reader = threading.Thread(target=self._read, name="firefox-bidi", daemon=True)
        self._reader.start()
        self.command("session.new", {"capabilities": {"alwaysMatch": {"acceptInsecureCerts": True}}})
        self.command("session.subscribe", {"events": ["log.entryAdded"]})

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.ws is not None:
            with contextlib.suppress(Exception):  # the browser may be gone already; killed below
                self.command("browser.close", {}, timeout=5)
            self._stack.close()
        if self.process is not None:
            try:
                self.process.wait(timeout=10 if self.ws is not None else 0)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        shutil.rmtree(self.profile, ignore_errors=True)

    # -- the protocol ----------------------------------------------------------------------

    def _read(self) -> None:
        assert self.ws is not None
        try:
            for raw in self.ws:
                message = json.loads(raw)
                if message.get("type") == "event":
                    if message.get("method") == "log.entryAdded":
                        self.log.append(message["params"])
                    continue
                with self._arrived:
                    self._pending[message.get("id", -1)] = message
                    self._arrived.notify_all()
        except Exception:  # the connection closed: the commands still waiting time out
            pass
        with self._arrived:
            self._arrived.notify_all()

    def command(self, method: str, params: dict[str, Any], timeout: float = 30) -> dict[str, Any]:
        """Send one command and wait for its answer -> its ``result``."""
        assert self.ws is not None, "the browser is not started"
        ident = next(self._ids)
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        with self._arrived:
            while ident not in self._pending:
                left = deadline - time.monotonic()
                if left <= 0 or (self._reader is not None and not self._reader.is_alive()):
                    raise TimeoutError(f"no answer from Firefox to {method} within {timeout} s")
                self._arrived.wait(left)
            answer = self._pending.pop(ident)
        if answer.get("type") == "error":
            raise BidiError(f"{method}: {answer.get('error')}: {answer.get('message')}")
        result: dict[str, Any] = answer.get("result", {})
        return result

    # -- tabs ------------------------------------------------------------------------------

    def new_tab(self, base_url: str, width: int = 1600, height: int = 900) -> Tab:
        """A tab in a user context of its own (own cookies and storage) with this viewport."""
        user_context = self.command("browser.createUserContext", {})["userContext"]
        created = self.command("browsingContext.create", {"type": "tab", "userContext": user_context})
        tab = Tab(self, created["context"], base_url, user_context)
        tab.set_viewport(width, height)
        return tab

    def errors(self, since: int = 0) -> list[str]:
        """The pages' JavaScript errors and console.error lines (from log entry ``since`` on)."""
        return [
            f"{entry.get('type')}: {entry.get('text')}"
            for entry in self.log[since:]
            if entry.get("level") == "error"
        ]


class Tab:
    """One top-level browsing context: navigate, run script, type and click, screenshot."""

    def __init__(self, browser: Firefox, context: str, base_url: str, user_context: str) -> None:
        self.browser = browser
        self.context = context
        self.user_context = user_context
        self.base_url = base_url.rstrip("/")

    def set_viewport(self, width: int, height: int) -> None:
        self.browser.command(
            "browsingContext.setViewport",
            {"context": self.context, "viewport": {"width": width, "height": height}},
        )

    def goto(self, path: str) -> None:
        url = urljoin(f"{self.base_url}/", path)  # a path, or a whole URL
        self.browser.command(
            "browsingContext.navigate", {"context": self.context, "url": url, "wait": "complete"}
        )

    def evaluate(self, expression: str) -> Any:
        """Evaluate a JavaScript expression in the page (promises awaited) -> its value."""
        result = self.browser.command(
            "script.evaluate",
            {
                "expression": expression,
                "target": {"context": self.context},
                "awaitPromise": True,
                "userActivation": True,
            },
        )
        return self._value(result, expression)

    def call(self, function: str, *args: Any) -> Any:
        """Call a JavaScript function declaration with JSON-able arguments -> its value."""
        result = self.browser.command(
            "script.callFunction",
            {
                "functionDeclaration": function,
                "target": {"context": self.context},
                "awaitPromise": True,
                "userActivation": True,
                "arguments": [self._local(arg) for arg in args],
            },
        )
        return self._value(result, function)

    @staticmethod
    def _local(value: Any) -> dict[str, Any]:
        if isinstance(value, dict) and "sharedId" in value:
            return {"sharedId": value["sharedId"]}
        if value is None:
            return {"type": "null"}
        if isinstance(value, bool):
            return {"type": "boolean", "value": value}
        if isinstance(value, int | float):
            return {"type": "number", "value": value}
        if isinstance(value, str):
            return {"type": "string", "value": value}
        raise TypeError(f"cannot pass {value!r} to the page")

    @staticmethod
    def _value(result: dict[str, Any], source: str) -> Any:
        if result.get("type") == "exception":
            details = result.get("exceptionDetails", {})
            raise BidiError(f"script failed: {details.get('text')} in: {source[:200]}")
        return deserialize(result["result"])

    def wait_for(self, expression: str, timeout: float = 10, what: str = "") -> Any:
        """Poll a JavaScript expression until it is truthy -> its value; a test failure with
        the last value seen when it does not come true in time."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while True:
            try:
                last = self.evaluate(expression)
            except BidiError as error:  # e.g. the page is navigating: try again
                last = str(error)
            else:
                if last:
                    return last
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {timeout} s for {what or expression}; last value: {last!r}")
            time.sleep(0.1)

    def wait_text(self, selector: str, text: str, timeout: float = 10) -> None:
        """Wait until the element's trimmed text is exactly ``text``."""
        expression = (
            f"document.querySelector({json.dumps(selector)})?.textContent.trim() === {json.dumps(text)}"
        )
        try:
            self.wait_for(expression, timeout)
        except AssertionError:
            raise AssertionError(
                f"{selector} reads {self.text(selector)!r}, not {text!r}, after {timeout} s"
            ) from None

    def text(self, selector: str) -> str | None:
        value = self.evaluate(f"document.querySelector({json.dumps(selector)})?.textContent.trim() ?? null")
        return None if value is None else str(value)

    def visible(self, selector: str) -> bool:
        """Whether the element exists and takes up room on the page (not hidden, not display:none)."""
        return bool(
            self.call(
                "(sel) => { const e = document.querySelector(sel); if (!e) return false;"
                " const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0"
                " && getComputedStyle(e).visibility !== 'hidden'; }",
                selector,
            )
        )

    def element(self, selector: str) -> dict[str, Any]:
        """A reference to the first element matching ``selector`` (scrolled into view)."""
        node = self.call(
            "(sel) => { const e = document.querySelector(sel);"
            " if (e) e.scrollIntoView({block: 'center'}); return e; }",
            selector,
        )
        if not isinstance(node, dict) or "sharedId" not in node:
            raise AssertionError(f"no element matches {selector}")
        return node

    # -- input, as a person gives it -------------------------------------------------------

    def click(self, selector: str) -> None:
        """A real mouse click in the middle of the element."""
        node = self.element(selector)
        self._actions(
            [
                {
                    "type": "pointer",
                    "id": "mouse",
                    "parameters": {"pointerType": "mouse"},
                    "actions": [
                        {
                            "type": "pointerMove",
                            "x": 0,
                            "y": 0,
                            "origin": {"type": "element", "element": {"sharedId": node["sharedId"]}},
                        },
                        {"type": "pointerDown", "button": 0},
                        {"type": "pointerUp", "button": 0},
                    ],
                }
            ]
        )

    def type(self, text: str) -> None:
        """Type text on the keyboard, into whatever has the focus."""
        actions: list[dict[str, Any]] = []
        for char in text:
            actions += [{"type": "keyDown", "value": char}, {"type": "keyUp", "value": char}]
        self._actions([{"type": "key", "id": "keyboard", "actions": actions}])

    def press(self, combo: str) -> None:
        """Press a key or a chord such as ``Alt+R`` or ``Enter``."""
        keys = [KEYS.get(part, part.lower() if len(part) == 1 else part) for part in combo.split("+")]
        down = [{"type": "keyDown", "value": key} for key in keys]
        up = [{"type": "keyUp", "value": key} for key in reversed(keys)]
        self._actions([{"type": "key", "id": "keyboard", "actions": down + up}])

    def _actions(self, actions: list[dict[str, Any]]) -> None:
        self.browser.command("input.performActions", {"context": self.context, "actions": actions})
        self.browser.command("input.releaseActions", {"context": self.context})

    def fill(self, selector: str, value: str) -> None:
        """Set a field's value through the DOM and tell the page, as typing would."""
        self.call(
            "(sel, value) => { const e = document.querySelector(sel); e.focus(); e.value = value;"
            " e.dispatchEvent(new Event('input', {bubbles: true}));"
            " e.dispatchEvent(new Event('change', {bubbles: true})); }",
            selector,
            value,
        )

    def screenshot(self, path: Path) -> None:
        data = self.browser.command("browsingContext.captureScreenshot", {"context": self.context})["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        """Close the tab and drop its user context (its cookies and storage)."""
        self.browser.command("browser.removeUserContext", {"userContext": self.user_context})
