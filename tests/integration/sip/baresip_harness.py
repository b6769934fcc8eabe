"""baresip as a scripted phone: a real SIP user agent (Debian's ``baresip``) that registers,
rings, answers and hangs up when told to over its ``ctrl_tcp`` module, and reports call and
DTMF events.

Each :class:`Baresip` runs headless from its own temporary config directory: ``accounts``
(one SIP account, manual answer), ``config`` (UDP on a free loopback port, the ``aufile``
module playing an 8 kHz WAV as the microphone, the ``sndfile`` filter recording what the
phone hears and sends, no sound card: the player is an ``aubridge`` device nobody reads).
ctrl_tcp speaks netstrings (``<length>:<json>,``): commands are
``{"command": "accept", "params": "", "token": "..."}``, answers carry
``"response": true`` and the token, events carry ``"event": true`` and a ``type``
(``REGISTER_OK``, ``CALL_INCOMING``, ``CALL_ESTABLISHED``, ``CALL_CLOSED``, ...).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import shutil
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sipharness import free_even_port, free_port

BARESIP = shutil.which("baresip")
MODULES = next(
    (p for p in (Path("/usr/lib/baresip/modules"), Path("/usr/local/lib/baresip/modules")) if p.is_dir()),
    None,
)
needs_baresip = pytest.mark.skipif(
    BARESIP is None or MODULES is None or not (MODULES / "ctrl_tcp.so").is_file(),
    reason="baresip with its ctrl_tcp module is not installed (Debian: apt-get install baresip)",
)


def write_tone(path: Path, freq: float, seconds: float = 20.0, level: float = 0.25) -> Path:
    """An 8 kHz mono 16-bit WAV with a steady tone: what the phone 'says' into its microphone."""
    t = np.arange(int(8000 * seconds)) / 8000
    pcm = (np.sin(2 * np.pi * freq * t) * level * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setparams((1, 2, 8000, 0, "NONE", "not compressed"))
        out.writeframes(pcm.tobytes())
    return path


def read_wav(path: Path) -> np.ndarray:
    """Samples of a 16-bit WAV (sndfile writes what the phone heard, at the call's rate)."""
    with wave.open(str(path), "rb") as wav:
        assert wav.getsampwidth() == 2
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        return data.reshape(-1, wav.getnchannels())[:, 0]


@dataclass
class Baresip:
    """One baresip process; ``await start()``, then commands and events, ``await stop()``."""

    workdir: Path
    user: str
    password: str
    registrar_port: int
    microphone: Path
    register: bool = True  # False: a phone that only dials out (a caller from a trusted address)
    sip_port: int = field(default_factory=free_port)
    ctrl_port: int = field(default_factory=free_port)
    events: list[dict[str, Any]] = field(default_factory=list)
    process: asyncio.subprocess.Process | None = None
    _reader: asyncio.StreamReader | None = None
    _writer: asyncio.StreamWriter | None = None
    _task: asyncio.Task[None] | None = None
    _waiting: dict[str, asyncio.Future[dict[str, Any]]] = field(default_factory=dict)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _tokens: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def snd_dir(self) -> Path:
        return self.workdir / "snd"

    def _write_config(self) -> None:
        assert MODULES is not None
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.snd_dir.mkdir(exist_ok=True)
        rtp = free_even_port()
        lines = {
            "poll_method": "epoll",
            "sip_listen": f"127.0.0.1:{self.sip_port}",
            "audio_player": "aubridge,nowhere",  # no sound card: played audio goes nowhere
            "audio_alert": "aubridge,nowhere",
            "audio_source": f"aufile,{self.microphone}",
            "audio_srate": "8000",
            "audio_channels": "1",
            "rtp_ports": f"{rtp}-{rtp + 40}",
            "module_path": str(MODULES),
            "snd_path": str(self.snd_dir),
            "ctrl_tcp_listen": f"127.0.0.1:{self.ctrl_port}",
        }
        modules = ["g711.so", "aufile.so", "aubridge.so", "sndfile.so"]
        apps = ["account.so", "menu.so", "ctrl_tcp.so"]
        text = "".join(f"{k}\t\t{v}\n" for k, v in lines.items())
        text += "".join(f"module\t\t{m}\n" for m in modules) + "".join(f"module_app\t\t{m}\n" for m in apps)
        (self.workdir / "config").write_text(text)
        (self.workdir / "accounts").write_text(
            f"<sip:{self.user}@127.0.0.1:{self.registrar_port}>;auth_pass={self.password};"
            f"regint={300 if self.register else 0};answermode=manual\n"
        )
        (self.workdir / "contacts").write_text("")

    async def start(self, timeout: float = 10.0) -> None:
        """Run baresip and connect to ctrl_tcp; returns once the phone has registered."""
        assert BARESIP is not None
        self._write_config()
        log = (self.workdir / "baresip.log").open("wb")
        self.process = await asyncio.create_subprocess_exec(
            BARESIP,
            "-f",
            str(self.workdir),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            cwd=str(self.workdir),
        )
        log.close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            try:
                self._reader, self._writer = await asyncio.open_connection("127.0.0.1", self.ctrl_port)
                break
            except OSError:
                if loop.time() > deadline or self.process.returncode is not None:
                    raise RuntimeError(f"baresip did not start: {self.log()[-2000:]}") from None
                await asyncio.sleep(0.1)
        self._task = asyncio.create_task(self._read())
        if not self.register:
            return
        # REGISTER_OK may have gone out before we connected: ask (``reginfo``) until it shows
        while True:
            info = str((await self.command("reginfo")).get("data", ""))
            if "OK " in info or any(e.get("type") == "REGISTER_OK" for e in self.events):
                return
            if loop.time() > deadline:
                raise AssertionError(f"baresip {self.user} did not register: {info!r}")
            await asyncio.sleep(0.1)

    def log(self) -> str:
        path = self.workdir / "baresip.log"
        return path.read_text(errors="replace") if path.exists() else ""

    async def _read(self) -> None:
        assert self._reader is not None
        while True:
            try:
                length = int((await self._reader.readuntil(b":"))[:-1])
                payload = await self._reader.readexactly(length + 1)  # with the trailing ","
            except (asyncio.IncompleteReadError, ConnectionError, ValueError):
                return
            message = json.loads(payload[:-1].decode("utf-8", "replace"))
            if message.get("response"):
                future = self._waiting.pop(str(message.get("token")), None)
                if future is not None and not future.done():
                    future.set_result(message)
            elif message.get("event"):
                self.events.append(message)
                self._changed.set()

    async def command(self, command: str, params: str = "", timeout: float = 5.0) -> dict[str, Any]:
        """Send a ctrl_tcp command (``dial``, ``accept``, ``hangup``, ``sndcode``...) and wait
        for its response."""
        assert self._writer is not None
        token = f"t{next(self._tokens)}"
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiting[token] = future
        body = json.dumps({"command": command, "params": params, "token": token}).encode()
        self._writer.write(b"%d:%s," % (len(body), body))
        await self._writer.drain()
        return await asyncio.wait_for(future, timeout)

    async def event(self, kind: str, timeout: float = 10.0, after: int = 0) -> dict[str, Any]:
        """The first event of type ``kind`` (from index ``after`` of ``events``), waiting for it."""

        async def wait() -> dict[str, Any]:
            while True:
                for message in self.events[after:]:
                    if message.get("type") == kind:
                        return message
                self._changed.clear()
                await self._changed.wait()

        try:
            return await asyncio.wait_for(wait(), timeout)
        except TimeoutError:
            seen = [e.get("type") for e in self.events]
            raise AssertionError(f"baresip {self.user}: no {kind} within {timeout} s; saw {seen}") from None

    def recordings(self, direction: str) -> list[Path]:
        """sndfile's files: ``dec`` is what the phone heard, ``enc`` what it sent."""
        return sorted(self.snd_dir.glob(f"dump-*-{direction}.wav"))

    async def stop(self) -> None:
        if self._writer is not None:
            with contextlib.suppress(Exception):
                await self.command("quit", timeout=1.0)
            self._writer.close()
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.terminate()
            try:
                await asyncio.wait_for(self.process.wait(), 5)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
