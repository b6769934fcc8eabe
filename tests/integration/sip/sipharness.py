"""Harness for driving the SIP switch with real SIP software (sipp) on loopback.

Test modules import the fixtures (``make_switch_fixture``, ``sipp_fixture``) from here: a
``conftest.py`` in this folder would shadow the suite's own ``conftest`` module, which
other tests import by name.

Every switch gets free high ports (never 5060) so tests run beside each other and beside a
developer's own switch. Scenarios under ``scenarios/`` are templates: ``@NAME@`` is
replaced by the test before sipp runs them.
"""

from __future__ import annotations

import asyncio
import random
import re
import shutil
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from helpline.adapters.telephony.sip.config import SipConfig
from helpline.adapters.telephony.sip.listener import InboundCall
from helpline.adapters.telephony.sip.message import Response, parse_message
from helpline.adapters.telephony.sip.switch import SipSwitch
from helpline.adapters.telephony.sip.timers import TimerConfig

SIPP = shutil.which("sipp")
needs_sipp = pytest.mark.skipif(
    SIPP is None, reason="sipp is not installed (Debian: apt-get install sip-tester)"
)
SCENARIOS = Path(__file__).parent / "scenarios"
PCAP_DIRS = (
    Path("/usr/share/sip-tester"),
    Path("/usr/share/sip-tester/pcap"),
    Path("/usr/local/share/sipp/pcap"),
    Path("/usr/share/sipp/pcap"),
)


def pcap(name: str) -> Path:
    for directory in PCAP_DIRS:
        if (directory / name).is_file():
            return directory / name
    pytest.skip(f"sipp's {name} is not installed")


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind(("127.0.0.1", 0))
            port = int(udp.getsockname()[1])
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                    tcp.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def free_even_port() -> int:
    """An even UDP port (sipp's -mp) whose next port is free too."""
    for _ in range(50):
        port = random.randrange(40000, 59000, 2)
        try:
            with (
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as a,
                socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as b,
            ):
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    raise RuntimeError("no free media port")


@dataclass
class SippResult:
    returncode: int
    stdout: str
    stderr: str
    errors: str

    def __str__(self) -> str:
        return f"sipp exited {self.returncode}\n{self.errors}\n{self.stderr[-2000:]}\n{self.stdout[-3000:]}"


@dataclass
class Sipp:
    workdir: Path

    def scenario(self, name: str, **values: object) -> Path:
        text = (SCENARIOS / name).read_text()
        for key, value in values.items():
            text = text.replace(f"@{key.upper()}@", str(value))
        missing = re.findall(r"@[A-Z_]+@", text)
        assert not missing, f"{name}: no value for {missing}"
        path = self.workdir / f"{random.getrandbits(32):08x}-{name}"
        path.write_text(text)
        return path

    async def run(self, scenario: Path, *args: str, timeout: float = 20.0) -> SippResult:
        assert SIPP is not None
        proc = await asyncio.create_subprocess_exec(
            SIPP,
            "-sf",
            str(scenario),
            *args,
            "-m",
            "1",
            "-nostdin",
            "-timeout",
            f"{int(timeout)}s",
            "-timeout_error",
            "-trace_err",
            "-i",
            "127.0.0.1",
            "-mi",
            "127.0.0.1",
            cwd=self.workdir,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(proc.communicate(), timeout + 10)
        except TimeoutError:
            proc.kill()
            out, err = await proc.communicate()
        errors = "".join(
            p.read_text(errors="replace") for p in self.workdir.glob(f"{scenario.stem}*_errors.log")
        )
        return SippResult(
            proc.returncode if proc.returncode is not None else -1,
            out.decode(errors="replace"),
            err.decode(errors="replace"),
            errors,
        )


@pytest.fixture(name="sipp")
def sipp_fixture(tmp_path: Path) -> Sipp:
    return Sipp(tmp_path)


@dataclass
class FakeAcd:
    """A listener that records what the switch reports and, when told to, acts like the
    ACD would: ring ``agent_id`` when a call arrives and bridge it when it answers."""

    switch: SipSwitch | None = None
    ring: str | None = None
    arrived: asyncio.Queue[InboundCall] = field(default_factory=asyncio.Queue)
    events: list[tuple[str, ...]] = field(default_factory=list)
    bridged: asyncio.Event = field(default_factory=asyncio.Event)
    caller_gone: asyncio.Event = field(default_factory=asyncio.Event)

    async def call_arrived(self, call: InboundCall) -> None:
        self.events.append(("arrived", call.call_id, call.digits))
        self.arrived.put_nowait(call)
        if self.ring and self.switch is not None:
            await self.switch.ring_agent(call.tenant_id, call.call_id, self.ring)

    async def agent_answered(self, tenant_id: str, call_id: str, agent_id: str) -> None:
        self.events.append(("answered", call_id, agent_id))
        if self.switch is not None:
            await self.switch.bridge(tenant_id, call_id, agent_id)
            self.bridged.set()

    async def agent_failed(self, tenant_id: str, call_id: str, agent_id: str, reason: str) -> None:
        self.events.append(("failed", call_id, agent_id, reason))

    async def agent_hung_up(self, tenant_id: str, call_id: str, agent_id: str) -> None:
        self.events.append(("agent_hung_up", call_id, agent_id))

    async def caller_hung_up(self, tenant_id: str, call_id: str) -> None:
        self.events.append(("caller_hung_up", call_id))
        self.caller_gone.set()

    async def digit(self, tenant_id: str, call_id: str, digit: str) -> None:
        self.events.append(("digit", call_id, digit))

    async def supervisor_left(self, tenant_id: str, call_id: str, supervisor_id: str, reason: str) -> None:
        self.events.append(("supervisor_left", call_id, supervisor_id, reason))

    async def far_end_answered(self, tenant_id: str, call_id: str) -> None:
        self.events.append(("far_end_answered", call_id))

    async def far_end_failed(self, tenant_id: str, call_id: str, reason: str) -> None:
        self.events.append(("far_end_failed", call_id, reason))

    async def agent_dialed(self, tenant_id: str, call_id: str, agent_id: str, number: str) -> None:
        self.events.append(("agent_dialed", call_id, agent_id, number))


def make_config(**overrides: object) -> SipConfig:
    base = random.randrange(30000, 39000, 200)
    config = SipConfig(
        port=free_port(),
        users={"201": "secret", "202": "secret"},
        inbound_numbers={"100": "default"},
        trusted_peers=("127.0.0.1",),
        rtp_port_range=(base, base + 200),
        ivr_timeout=2.0,
        timers=TimerConfig(t1=0.1, t2=0.4, t4=0.5),
    )
    for key, value in overrides.items():
        setattr(config, key, value)
    return config


SwitchFactory = Callable[..., Awaitable[tuple[SipSwitch, FakeAcd]]]


@pytest.fixture(name="make_switch")
async def make_switch_fixture() -> AsyncIterator[SwitchFactory]:
    started: list[SipSwitch] = []

    async def start(**overrides: object) -> tuple[SipSwitch, FakeAcd]:
        acd = FakeAcd()
        switch = SipSwitch(
            make_config(**overrides),
            listener=acd,
            extension_of=lambda tenant, agent: agent.removeprefix("agent-"),
        )
        acd.switch = switch
        await switch.start()
        started.append(switch)
        return switch, acd

    yield start
    for switch in started:
        await switch.stop()


# -- raw SIP over a socket -----------------------------------------------------------------

TIMEOUT = 2.0


def request(
    method: str,
    port: int,
    *,
    uri: str = "sip:100@127.0.0.1",
    branch: str = "z9hG4bK-t1",
    extra: str = "",
    body: str = "",
    cseq: int = 1,
    to_tag: str = "",
    max_forwards: int = 70,
    transport: str = "UDP",
) -> bytes:
    to = f"<{uri}>" + (f";tag={to_tag}" if to_tag else "")
    head = (
        f"{method} {uri} SIP/2.0\r\n"
        f"Via: SIP/2.0/{transport} 127.0.0.1:{port};branch={branch};rport\r\n"
        f"From: <sip:tester@127.0.0.1>;tag=from1\r\nTo: {to}\r\n"
        f"Call-ID: {branch}@test\r\nCSeq: {cseq} {method}\r\nMax-Forwards: {max_forwards}\r\n"
        f"{extra}Content-Length: {len(body.encode())}\r\n\r\n{body}"
    )
    return head.encode()


class UdpPeer:
    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.setblocking(False)
        self.port = int(self.sock.getsockname()[1])

    async def send(self, data: bytes, port: int) -> None:
        await asyncio.get_running_loop().sock_sendto(self.sock, data, ("127.0.0.1", port))

    async def recv(self, timeout: float = TIMEOUT) -> Response | None:
        try:
            data = await asyncio.wait_for(asyncio.get_running_loop().sock_recv(self.sock, 65536), timeout)
        except TimeoutError:
            return None
        message = parse_message(data)
        assert isinstance(message, Response)
        return message

    async def final(self, timeout: float = TIMEOUT) -> Response | None:
        """The first final response (skipping 100 Trying)."""
        while True:
            answer = await self.recv(timeout)
            if answer is None or answer.status >= 200:
                return answer

    def close(self) -> None:
        self.sock.close()
