"""The live events WebSocket under load: latency from an event's creation to each client.

The real server (uvicorn, SQLite in a temporary directory, the virtual switch) runs alone in a
child process, so that its CPU time and memory (read from /proc by its pid) are its own.
Set-up writes a tenant straight through the app layer: one queue, ``--clients`` users of whom
a tenth are wallboard leaders and the rest agents with a profile in the queue; the agents then
sign in and go ready over HTTP.

Clients: ``--client-procs`` processes (asyncio + uvloop, the ``websockets`` library) hold the
WebSocket connections, agents and leaders alike, and do nothing but receive: for every event
they note ``time.time() - event["at"]`` (``at`` is the server's wall clock when the core made
the event, before it is recorded in the database and published; both processes read the same
wall clock). The calls, ``--calls-per-second`` of them through the virtual switch, are made by
one of two drivers:

- ``--driver sim`` (the default): the server process makes them itself
  (:class:`InServerSimulator`, started over a hidden ``/bench/sim/start`` route of the
  benchmark's server only): each call, answer and hang-up is one ``CenterService.execute`` with
  the domain commands the API handlers run, so recording, work orders, screen pop, SLA clocks,
  norm alerts, the bus and the fan-out run as in production, only HTTP is left out;
- ``--driver http``: a driver in this process places them over the API
  (``POST /api/v1/sim/calls``), watches the stream as one more leader and answers each offer
  with the offered agent's token (``/calls/{id}/answer``, then ``/hangup``).

Either way an offered agent answers after a short ring (0.1-0.4 s) and hangs up after a short
talk; the queue's 1 s after-call work then returns the agent to ready. Each call makes about a dozen
events (arrived, queued, offered, screen pop, agent states, answered, ended, the call's work
order and its clock). Leaders see them all, agents their own.

Figures over the measured window (after ``--warmup`` seconds): p50/p95/p99/max latency from
creation (``event.at``) and, as ``fanout_*``, from the bus's publication (``published_at`` of
the message: the fan-out's own share, without the wait for the center's lock and the database
write before it), messages delivered per second, events published per second, calls answered
per second (whether the server kept up with the rate asked), server CPU % (100 = one core) and
peak RSS, client CPU. Baseline in the same run: the same traffic with ``--baseline-clients``
(10) connected clients; the ratio is the p99 at full load over the baseline p99. Between the
phases the floor is reset (left-over calls hung up, every agent ready again).

The SQLite file goes to /dev/shm (``--db-dir``) so that disk syncs do not count. The server runs
on the event loop ``helpline serve`` gets (uvloop). The HTTP driver keeps 6 requests in flight
(see ``HTTP_CONCURRENCY``). The clients ask for ``?batch=1`` as the browser's screens do
(``--no-batch``: one frame per event, as older clients did).
``--server-src DIR``: run the server from another copy of ``src/`` (e.g. the previous version,
for a before/after in the same conditions). ``--sql-profile``: the server logs its SQL by time.
``--database-url URL``: run on that (empty) database instead, e.g. PostgreSQL. The result also
gives the p99 of the slowest event types (``p99_ms_by_type``: where the tail comes from), the
same up to the bus (``p99_ms_before_bus_by_type``: the server's work before the fan-out), and
the server log's error lines are printed after the run (``--keep-log FILE`` keeps the log).

Run: ``.venv/bin/python benchmarks/events_fanout.py [--clients 1000 --calls-per-second 50
--seconds 30 --client-procs 2 --driver sim|http --json]``. With ``--json`` the last line printed is one JSON
object with the figures.
"""

from __future__ import annotations

import argparse
import array
import asyncio
import contextlib
import gc
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

TENANT = "default"
QUEUE = "general"
SECRET = "events-fanout-benchmark-secret-key-long-enough"
LEADER_SHARE = 0.1  # a wallboard for every ten clients (900 agents + 100 leaders)
# Requests in flight at once. More than 7 can exhaust the server's database pool (5 + 10): each
# request holds a connection while it waits for the center's lock, and the lock's holder needs
# one more to record its events, so at 15 the holder waits 30 s for a connection and fails.
HTTP_CONCURRENCY = 6
DATABASE_URL_ENV = "EVENTS_FANOUT_DATABASE_URL"  # how --database-url reaches the server process


# -- the server, in its own process ------------------------------------------------------------


def server_env(workdir: Path, src: str | None = None) -> dict[str, str]:
    """The server's settings; ``src``: run the server from another copy of ``src/`` (before/after)."""
    return {
        **os.environ,
        **({"PYTHONPATH": src} if src else {}),
        # ``--database-url`` (an empty database, e.g. PostgreSQL), else SQLite in the work directory
        "HELPLINE_DATABASE_URL": os.environ.get(DATABASE_URL_ENV) or f"sqlite:///{workdir / 'helpline.db'}",
        "HELPLINE_DATA_DIR": str(workdir),
        "HELPLINE_SECRET_KEY": SECRET,
        "HELPLINE_TELEPHONY": "sim",
        "HELPLINE_PASSWORD_HASHING": "fast",
        "HELPLINE_LOG_LEVEL": "WARNING",
        "HELPLINE_LOG_JSON": "false",
    }


def sql_profile() -> dict[str, list[float]]:
    """Time every SQL statement the server runs (``--sql-profile``): where its database time goes."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    spent: dict[str, list[float]] = {}

    @event.listens_for(Engine, "before_cursor_execute")
    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info.setdefault("started", []).append(time.perf_counter())

    @event.listens_for(Engine, "after_cursor_execute")
    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        elapsed = time.perf_counter() - conn.info["started"].pop()
        row = spent.setdefault(" ".join(statement.split())[:160], [0, 0.0])
        row[0] += 1
        row[1] += elapsed

    return spent


class InServerSimulator:
    """``--driver sim``: the calls are made inside the server process, by the platform's own path.

    Like the virtual switch's test calls (``POST /api/v1/sim/calls``) and the agents' soft-phone
    (``/calls/{id}/answer``, ``/hangup``), every step is one :meth:`CenterService.execute` with
    the same domain commands the API handlers run; only HTTP (and the token check) is left out.
    Recording, work orders, screen pop, SLA clocks, norm alerts, the bus and the fan-out all
    run as in production. Offers are seen by a dispatch hook (every batch of the core's events,
    the timers' too); each offered agent answers after a short random ring and hangs up after a
    short talk; the queue's after-call work then makes them ready again.
    """

    def __init__(self, container: Any) -> None:
        self.container = container
        self.centers = container.centers
        self.rng = random.Random(1)
        self.talk = (1.0, 3.0)
        self.placed = self.answered = self.ended = self.errors = 0
        self.error_samples: list[str] = []
        self.first_seq = self.last_seq = 0
        self.running = False
        self._seen: set[tuple[str, str]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.centers.dispatch_hooks.append(self.on_events)

    def status(self) -> dict[str, Any]:
        return {
            "running": self.running,
            "placed": self.placed,
            "answered": self.answered,
            "ended": self.ended,
            "errors": self.errors,
            "error_samples": self.error_samples,
            "first_seq": self.first_seq,
            "last_seq": self.container.bus.last_seq(TENANT) if self.running else self.last_seq,
        }

    def start(self, rate: float, seconds: float, talk: tuple[float, float], seed: int) -> None:
        if self.running:
            raise RuntimeError("the simulator is running already")
        self.rng, self.talk = random.Random(seed), talk
        self.placed = self.answered = self.ended = self.errors = 0
        self.error_samples = []
        self.first_seq = self.container.bus.last_seq(TENANT)
        self.running = True
        self._spawn(self._run(rate, seconds))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def on_events(self, events: Sequence[Any]) -> None:
        """A dispatch hook (inside the center's lock: only spawns)."""
        from helpline.domain.events import CallOffered

        if not self.running:
            return
        for event in events:
            if isinstance(event, CallOffered):
                for agent_id in event.agent_ids:
                    if (event.call_id, agent_id) not in self._seen:
                        self._seen.add((event.call_id, agent_id))
                        self._spawn(self._handle(event.call_id, agent_id))

    async def _execute(self, action: Any) -> bool:
        from helpline.domain.errors import DomainError

        try:
            await self.centers.execute(TENANT, action)
        except DomainError as exc:  # e.g. the offer timed out while the phone rang: rare, counted
            self.errors += 1
            if len(self.error_samples) < 5:
                self.error_samples.append(f"{exc.code}: {exc}")
            return False
        return True

    async def _run(self, rate: float, seconds: float) -> None:
        started = time.monotonic()
        n = 0
        while time.monotonic() - started < seconds:
            due = started + n / rate
            if due > time.monotonic():
                await asyncio.sleep(due - time.monotonic())
            self._spawn(self._place(f"138{self.rng.randrange(10**8):08d}"))
            n += 1
        await asyncio.sleep(self.talk[1] + 2.0)  # let the last calls finish
        self.last_seq = self.container.bus.last_seq(TENANT)
        self.running = False
        self._seen.clear()

    async def _place(self, caller: str) -> None:
        """What ``POST /api/v1/sim/calls`` runs: the call arrives and is queued."""
        from helpline.domain.acd.call import Call

        call_id = uuid.uuid4().hex

        def run(center: Any, now: float) -> list[Any]:
            center.router.queue(QUEUE)
            call = Call(call_id, TENANT, caller=caller, callee="12345", data={"ivr": {}})
            return center.arrive(call, now) + center.enqueue(call_id, QUEUE, now, priority=0, skills=None)

        if await self._execute(run):
            self.placed += 1

    async def _handle(self, call_id: str, agent_id: str) -> None:
        """The agent's soft-phone: answer after a ring, hang up after a talk (as the API does)."""
        await asyncio.sleep(self.rng.uniform(0.1, 0.4))
        if not await self._execute(lambda center, now: center.answer(call_id, agent_id, now)):
            return
        self.answered += 1
        await asyncio.sleep(self.rng.uniform(*self.talk))

        def hangup(center: Any, now: float) -> list[Any]:
            return center.hangup(call_id, now, by="agent", agent_id=agent_id)

        if await self._execute(hangup):
            self.ended += 1


def add_simulator_routes(app: Any) -> None:
    """Hidden routes of the benchmark's server only: start the in-server calls, read their counts."""
    from starlette.requests import Request
    from starlette.responses import JSONResponse

    def simulator(request: Request) -> InServerSimulator:
        sim: InServerSimulator | None = getattr(request.app.state, "bench_sim", None)
        if sim is None:
            sim = request.app.state.bench_sim = InServerSimulator(request.app.state.container)
        return sim

    async def start(request: Request) -> JSONResponse:
        body = await request.json()
        sim = simulator(request)
        sim.start(float(body["rate"]), float(body["seconds"]), tuple(body["talk"]), int(body.get("seed", 1)))
        return JSONResponse(sim.status())

    async def status(request: Request) -> JSONResponse:
        return JSONResponse(simulator(request).status())

    app.add_route("/bench/sim/start", start, methods=["POST"])
    app.add_route("/bench/sim/status", status, methods=["GET"])


def serve_main(port: int, profile_sql: bool, deflate: bool = False) -> None:
    import uvicorn

    from helpline import gc_tuning
    from helpline.web.app import create_app

    spent = sql_profile() if profile_sql else None
    gc_tuning.tune()  # as ``helpline serve`` does
    app = create_app()
    add_simulator_routes(app)

    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_config=None,
        access_log=False,
        ws_per_message_deflate=deflate,
    )
    server = uvicorn.Server(config)

    async def run() -> None:
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.05)
        print("READY", flush=True)
        await task

    # the event loop ``helpline serve`` gets (uvicorn.run picks it: uvloop, which uvicorn[standard]
    # brings), not asyncio's default one
    with (
        contextlib.suppress(KeyboardInterrupt),
        asyncio.Runner(loop_factory=config.get_loop_factory()) as runner,
    ):
        runner.run(run())  # SIGINT is how the benchmark stops it
    if spent:
        print("SQL by total time (calls, seconds, statement):", file=sys.stderr)
        for statement, (calls, seconds) in sorted(spent.items(), key=lambda kv: -kv[1][1])[:40]:
            print(f"  {calls:>7} {seconds:8.3f}s  {statement}", file=sys.stderr)


class ServerProcess:
    def __init__(
        self, workdir: Path, sql_profile: bool = False, src: str | None = None, deflate: bool = False
    ) -> None:
        self.port = free_tcp_port()
        self.log = open(workdir / "server.log", "w")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve", "--port", str(self.port)]
            + (["--sql-profile"] if sql_profile else [])
            + (["--deflate"] if deflate else []),
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env=server_env(workdir, src),
        )
        assert self.proc.stdout is not None
        line = ""
        for _ in range(200):
            line = self.proc.stdout.readline()
            if line.startswith("READY") or not line:
                break
        if not line.startswith("READY"):
            self.proc.kill()
            raise RuntimeError(f"the server did not start; see {workdir / 'server.log'}")
        self.url = f"http://127.0.0.1:{self.port}"
        self._copier = threading.Thread(target=self._copy_log, args=(self.proc.stdout,), daemon=True)
        self._copier.start()

    def _copy_log(self, stream: Any) -> None:
        """The app logs to stdout: keep reading it (a full pipe would stop the server)."""
        for line in stream:
            self.log.write(line)
            self.log.flush()

    def cpu_seconds(self) -> float:
        return proc_cpu_seconds(self.proc.pid)

    def rss_mb(self) -> float:
        return proc_rss_mb(self.proc.pid)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._copier.join(timeout=5)
        self.log.close()


def proc_cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_rss_mb(pid: int) -> float:
    match = re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())
    return int(match.group(1)) / 1024 if match else 0.0


def free_tcp_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- set-up: users, a queue and agent profiles, straight through the app layer -------------------


@dataclass
class Person:
    user_id: str
    role: str
    token: str


async def populate(workdir: Path, clients: int) -> list[Person]:
    """``clients`` users (a tenth leaders, at least one), the queue and the agents' profiles."""
    from helpline.adapters.db.migrate import upgrade
    from helpline.app.acd import config as acd_config
    from helpline.app.people import users
    from helpline.app.people.security import issue_token
    from helpline.bootstrap import build_container
    from helpline.config import Settings

    env = server_env(workdir)
    upgrade(env["HELPLINE_DATABASE_URL"])
    settings = Settings(
        database_url=env["HELPLINE_DATABASE_URL"],
        data_dir=str(workdir),
        secret_key=SECRET,
        password_hashing="fast",
        log_level="WARNING",
        log_json=False,
    )
    leaders = max(1, round(clients * LEADER_SHARE)) + 1  # +1: the driver's own leader
    people: list[Person] = []
    now = datetime.now(UTC)
    container = await build_container(settings)
    async with container, container.units(TENANT) as uow:
        await acd_config.stage_queue(
            uow, container.centers, QUEUE, {"name": "综合 general", "wrapup_seconds": 1.0}, create=True
        )
        for i in range(clients + 1):
            role = "leader" if i < leaders else "agent"
            user = await users.add_user(
                uow,
                container.passwords,
                username=f"{role}{i:04d}",
                password="bench-pass-123",
                role=role,
                display_name=f"{'班长' if role == 'leader' else '坐席'}{i}",
            )
            if role == "agent":
                await acd_config.stage_agent(
                    uow,
                    container.centers,
                    user.id,
                    {"queues": {QUEUE: 0}, "extension": f"{8000 + i}"},
                    create=True,
                )
            token = issue_token(
                SECRET, user_id=user.id, tenant_id=TENANT, role=role, ttl=timedelta(hours=2), now=now
            )
            people.append(Person(user.id, role, token))
        await uow.commit()
    return people


async def sign_in(url: str, agents: Sequence[Person]) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        gate = asyncio.Semaphore(HTTP_CONCURRENCY)

        async def one(agent: Person) -> None:
            headers = {"Authorization": f"Bearer {agent.token}"}
            async with gate:
                for step in ("login", "ready"):
                    response = await http.post(f"/api/v1/agents/me/{step}", headers=headers)
                    response.raise_for_status()

        await asyncio.gather(*(one(a) for a in agents))


async def reset_floor(url: str, leader: Person, agents: Sequence[Person]) -> None:
    """Between phases: hang up the calls left over and make every agent ready again (an offer the
    driver answered too late made its agent not ready)."""
    tokens = {a.user_id: a.token for a in agents}
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        headers = {"Authorization": f"Bearer {leader.token}"}
        calls = (await http.get("/api/v1/calls", headers=headers)).json()
        for call in calls:
            await http.post(f"/api/v1/sim/calls/{call['id']}/hangup", headers=headers)
        await asyncio.sleep(1.5)  # after-call work ends
        floor = (await http.get("/api/v1/agents", headers=headers)).json()
        for agent in floor:
            if agent["state"] != "ready" and agent["id"] in tokens:
                auth = {"Authorization": f"Bearer {tokens[agent['id']]}"}
                await http.post("/api/v1/agents/me/ready", headers=auth)


# -- the clients, in their own processes ---------------------------------------------------------


def clients_main(spec_path: str, out_path: str) -> None:
    """Connect every token of the spec, print CONNECTED, receive until SIGTERM, save latencies."""
    import uvloop
    from websockets.asyncio.client import connect

    spec = json.loads(Path(spec_path).read_text())
    # arrays, not lists: millions of figures that the client's garbage collector does not walk
    # (a list of them made its full collections long pauses, counted as the server's latency)
    ats = array.array("d")
    lags = array.array("d")
    fanout = array.array("d")  # from the bus's publication: the fan-out's own share
    kinds = array.array("H")  # each event's type (its index in ``kind_index``), for the slowest
    kind_index: dict[str, int] = {}
    received = [0] * len(spec["tokens"])
    snapshots = [0] * len(spec["tokens"])

    async def client(
        index: int, token: str, gate: asyncio.Semaphore, connected: asyncio.Event, counter: list[int]
    ) -> None:
        uri = f"{spec['ws']}/api/v1/events?token={token}" + ("&batch=1" if spec["batch"] else "")
        async with gate:  # the handshakes, not the stream, are gated
            ws = await connect(uri, max_size=None, open_timeout=300, ping_interval=None)
        counter[0] += 1
        if counter[0] == len(spec["tokens"]):
            connected.set()
        async with ws:
            async for raw in ws:
                now = time.time()
                decoded = json.loads(raw)
                for message in decoded if isinstance(decoded, list) else (decoded,):
                    if message.get("type") == "snapshot":
                        snapshots[index] += 1
                        continue
                    at = message["event"]["at"]
                    kind = message["event"]["type"]
                    kinds.append(kind_index.setdefault(kind, len(kind_index)))
                    ats.append(at)
                    lags.append(now - at)
                    fanout.append(now - message.get("published_at", at))
                    received[index] += 1

    async def run() -> None:
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        connected = asyncio.Event()
        counter = [0]
        gate = asyncio.Semaphore(25)
        tasks = [
            asyncio.create_task(client(i, t, gate, connected, counter)) for i, t in enumerate(spec["tokens"])
        ]
        waiter = asyncio.create_task(connected.wait())
        done, _ = await asyncio.wait([waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
        if waiter not in done:
            failed = next(t for t in done if t is not waiter)
            raise RuntimeError(f"a client failed: {failed.exception()!r}")
        gc.collect()
        gc.freeze()  # the connections, out of the collector's sight while figures are taken
        print("CONNECTED", flush=True)
        await stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    uvloop.run(run())
    np.savez(
        out_path,
        at=np.array(ats),
        lag=np.array(lags),
        fanout=np.array(fanout),
        kind=np.array(list(kind_index), dtype="U40")[np.frombuffer(kinds, dtype=np.uint16)]
        if kinds
        else np.array([], dtype="U40"),
        received=np.array(received),
        snapshots=np.array(snapshots),
    )


class ClientProcesses:
    """``procs`` processes sharing ``people`` round-robin; each holds its share of sockets."""

    def __init__(
        self, workdir: Path, ws_url: str, people: Sequence[Person], procs: int, tag: str, batch: bool
    ) -> None:
        self.outs: list[Path] = []
        self.procs: list[subprocess.Popen[str]] = []
        for n in range(procs):
            share = people[n::procs]
            if not share:
                continue
            spec, out = workdir / f"{tag}-{n}.json", workdir / f"{tag}-{n}.npz"
            spec.write_text(json.dumps({"ws": ws_url, "batch": batch, "tokens": [p.token for p in share]}))
            self.outs.append(out)
            self.procs.append(
                subprocess.Popen(
                    [sys.executable, __file__, "--clients-worker", str(spec), str(out)],
                    stdout=subprocess.PIPE,
                    text=True,
                )
            )
        for proc in self.procs:
            assert proc.stdout is not None
            if not proc.stdout.readline().startswith("CONNECTED"):
                self.stop()
                raise RuntimeError("the clients could not connect")

    def cpu_seconds(self) -> float:
        return sum(proc_cpu_seconds(p.pid) for p in self.procs)

    def stop(self) -> None:
        for proc in self.procs:
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            proc.wait(timeout=120)

    def results(self) -> dict[str, np.ndarray]:
        parts = [np.load(out) for out in self.outs]
        return {
            k: np.concatenate([p[k] for p in parts])
            for k in ("at", "lag", "fanout", "kind", "received", "snapshots")
        }


# -- the driver: calls at a steady rate, offers answered, calls hung up -------------------------


class Driver:
    def __init__(
        self,
        url: str,
        leader: Person,
        agents: Sequence[Person],
        rate: float,
        talk: tuple[float, float],
        seed: int = 1,
    ) -> None:
        self.url = url
        self.leader = leader
        self.tokens = {a.user_id: a.token for a in agents}
        self.rate = rate
        self.talk = talk
        self.rng = random.Random(seed)
        self.placed = self.answered = self.ended = self.errors = 0
        self.error_samples: list[str] = []
        self.resyncs = 0
        self._seen: set[tuple[str, str]] = set()
        self.first_seq: int | None = None
        self.last_seq = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self, seconds: float, progress: Progress | None = None) -> None:
        from websockets.asyncio.client import connect

        # batched: the driver's own stream must keep up however busy this process is
        ws_url = self.url.replace("http://", "ws://") + f"/api/v1/events?batch=1&token={self.leader.token}"
        limits = httpx.Limits(max_connections=HTTP_CONCURRENCY, max_keepalive_connections=HTTP_CONCURRENCY)
        async with (
            httpx.AsyncClient(base_url=self.url, timeout=30, limits=limits) as self.http,
            connect(ws_url, max_size=None, ping_interval=None) as ws,
        ):
            self.last_seq = json.loads(await ws.recv())["seq"]
            watcher = asyncio.create_task(self._watch(ws))
            task = progress.add_task("calls", total=seconds) if progress else None
            started = time.monotonic()
            n = 0
            while (elapsed := time.monotonic() - started) < seconds:
                due = started + n / self.rate
                if due > time.monotonic():
                    await asyncio.sleep(due - time.monotonic())
                self._spawn(self._place())
                n += 1
                if progress is not None and task is not None and n % 10 == 0:
                    progress.update(task, completed=min(seconds, elapsed))
            if progress is not None and task is not None:
                progress.update(task, completed=seconds)
            await asyncio.sleep(self.talk[1] + 2.0)  # let the last calls finish
            watcher.cancel()
            await asyncio.gather(watcher, *self._tasks, return_exceptions=True)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _post(self, path: str, token: str, body: dict[str, Any] | None = None) -> bool:
        try:
            response = await self.http.post(path, headers={"Authorization": f"Bearer {token}"}, json=body)
        except httpx.HTTPError:
            self.errors += 1
            return False
        if response.status_code >= 400:
            if len(self.error_samples) < 5:
                self.error_samples.append(
                    f"{path.rsplit('/', 1)[-1]} {response.status_code} {response.text[:200]}"
                )
            self.errors += 1  # e.g. the caller hung up while the agent answered: rare, counted
            return False
        return True

    async def _place(self) -> None:
        caller = f"138{self.rng.randrange(10**8):08d}"
        if await self._post("/api/v1/sim/calls", self.leader.token, {"queue_id": QUEUE, "caller": caller}):
            self.placed += 1

    async def _watch(self, ws: Any) -> None:
        """Answer every offer; after a resync snapshot, the offers it shows ringing."""
        async for raw in ws:
            decoded = json.loads(raw)
            for message in decoded if isinstance(decoded, list) else (decoded,):
                if message.get("type") == "snapshot":
                    self.resyncs += 1
                    for call in message["data"]["calls"]:
                        for agent_id in call["offered_to"]:
                            if (call["id"], agent_id) not in self._seen:
                                self._spawn(self._handle(call["id"], agent_id))
                    continue
                if self.first_seq is None:
                    self.first_seq = message["seq"]
                self.last_seq = message["seq"]
                event = message["event"]
                if event["type"] == "call_offered":
                    for agent_id in event["agent_ids"]:
                        self._spawn(self._handle(event["call_id"], agent_id))

    async def _handle(self, call_id: str, agent_id: str) -> None:
        token = self.tokens.get(agent_id)
        if token is None or (call_id, agent_id) in self._seen:
            return
        self._seen.add((call_id, agent_id))
        await asyncio.sleep(self.rng.uniform(0.1, 0.4))  # the phone rings
        if not await self._post(f"/api/v1/calls/{call_id}/answer", token):
            return
        self.answered += 1
        await asyncio.sleep(self.rng.uniform(*self.talk))
        if await self._post(f"/api/v1/calls/{call_id}/hangup", token):
            self.ended += 1


class SimDriver:
    """``--driver sim``: starts the server's own simulator (:class:`InServerSimulator`) and waits
    for it; the same counters as :class:`Driver`."""

    def __init__(self, url: str, leader: Person, rate: float, talk: tuple[float, float]) -> None:
        self.url, self.leader, self.rate, self.talk = url, leader, rate, talk
        self.placed = self.answered = self.ended = self.errors = self.resyncs = 0
        self.error_samples: list[str] = []
        self.first_seq: int | None = None
        self.last_seq = 0

    async def run(self, seconds: float, progress: Progress | None = None) -> None:
        async with httpx.AsyncClient(base_url=self.url, timeout=30) as http:
            body = {"rate": self.rate, "seconds": seconds, "talk": list(self.talk), "seed": 1}
            (await http.post("/bench/sim/start", json=body)).raise_for_status()
            task = progress.add_task("calls (in the server)", total=seconds) if progress else None
            started = time.monotonic()
            while True:
                await asyncio.sleep(0.5)
                state = (await http.get("/bench/sim/status")).json()
                if progress is not None and task is not None:
                    progress.update(task, completed=min(seconds, time.monotonic() - started))
                if not state["running"]:
                    break
        self.placed, self.answered, self.ended = state["placed"], state["answered"], state["ended"]
        self.errors, self.error_samples = state["errors"], state["error_samples"]
        self.first_seq, self.last_seq = state["first_seq"], state["last_seq"]


# -- one measured phase ------------------------------------------------------------------------


def percentiles_ms(lags: np.ndarray) -> dict[str, float]:
    if lags.size == 0:
        return {
            "p50_ms": float("nan"),
            "p95_ms": float("nan"),
            "p99_ms": float("nan"),
            "max_ms": float("nan"),
        }
    p50, p95, p99 = np.percentile(lags, [50, 95, 99]) * 1000
    return {
        "p50_ms": round(float(p50), 2),
        "p95_ms": round(float(p95), 2),
        "p99_ms": round(float(p99), 2),
        "max_ms": round(float(lags.max() * 1000), 2),
    }


async def phase(
    workdir: Path,
    server: ServerProcess,
    people: Sequence[Person],
    driver_leader: Person,
    agents: Sequence[Person],
    args: argparse.Namespace,
    tag: str,
    console: Console,
) -> dict[str, Any]:
    ws_url = server.url.replace("http://", "ws://")
    with console.status(f"[{tag}] resetting the floor …"):
        await reset_floor(server.url, driver_leader, agents)
    with console.status(f"[{tag}] connecting {len(people)} clients …"):
        clients = ClientProcesses(
            workdir, ws_url, people, min(args.client_procs, len(people)), tag, args.batch
        )
    talk = (args.talk_min, args.talk_max)
    driver: Driver | SimDriver = (
        SimDriver(server.url, driver_leader, args.calls_per_second, talk)
        if args.driver == "sim"
        else Driver(server.url, driver_leader, agents, args.calls_per_second, talk)
    )
    columns = (TextColumn(f"[{tag}] {{task.description}}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        run = asyncio.create_task(driver.run(args.seconds, progress))
        await asyncio.sleep(args.warmup)
        window_start, cpu_start = time.time(), (server.cpu_seconds(), clients.cpu_seconds())
        rss_peak = server.rss_mb()
        while time.time() < window_start + args.seconds - args.warmup and not run.done():
            await asyncio.wait({run}, timeout=0.5)
            rss_peak = max(rss_peak, server.rss_mb())
        window_end, cpu_end = time.time(), (server.cpu_seconds(), clients.cpu_seconds())
        await run
    clients.stop()
    data = clients.results()
    span = window_end - window_start
    inside = (data["at"] >= window_start) & (data["at"] < window_end)
    lags = data["lag"][inside]
    published = driver.last_seq - (driver.first_seq or driver.last_seq)
    return {
        "clients": len(people),
        "leaders": sum(p.role == "leader" for p in people),
        **percentiles_ms(lags),
        **{f"fanout_{k}": v for k, v in percentiles_ms(data["fanout"][inside]).items()},
        "messages_per_s": round(float(inside.sum()) / span, 1),
        "events_per_s": round(published / (args.seconds + args.talk_max + 2.0), 1),
        "calls_placed": driver.placed,
        "calls_answered": driver.answered,
        "answered_per_s": round(driver.answered / args.seconds, 1),
        "calls_ended": driver.ended,
        "driver_errors": driver.errors,
        "driver_error_samples": driver.error_samples,
        "driver_resyncs": driver.resyncs,
        "resyncs": int(data["snapshots"].sum()) - len(people),
        "server_cpu_pct": round(100 * (cpu_end[0] - cpu_start[0]) / span, 1),
        "server_rss_mb": round(rss_peak, 1),
        "clients_cpu_pct": round(100 * (cpu_end[1] - cpu_start[1]) / span, 1),
        "p99_ms_by_type": by_type(data["kind"][inside], lags),
        # before the bus (the core's lock, storing, the work-order workers, the screen pop)
        "p99_ms_before_bus_by_type": by_type(data["kind"][inside], lags - data["fanout"][inside]),
    }


def by_type(kinds: np.ndarray, lags: np.ndarray, top: int = 6) -> dict[str, float]:
    """p99 latency of the slowest event types (where the tail comes from)."""
    found = {
        str(kind): round(float(np.percentile(lags[kinds == kind], 99)) * 1000, 1) for kind in np.unique(kinds)
    }
    return dict(sorted(found.items(), key=lambda item: -item[1])[:top])


def pick(people: Sequence[Person], n: int) -> list[Person]:
    """``n`` clients with the same mix as the full set: a tenth leaders, at least one."""
    leaders = [p for p in people if p.role == "leader"]
    agents = [p for p in people if p.role == "agent"]
    k = max(1, round(n * LEADER_SHARE))
    return leaders[:k] + agents[: n - k]


async def bench(args: argparse.Namespace, console: Console) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="events-fanout-", dir=args.db_dir) as tmp:
        workdir = Path(tmp)
        with console.status(f"creating {args.clients} users …"):
            everyone = await populate(workdir, args.clients)
        driver_leader, people = everyone[0], everyone[1:]
        agents = [p for p in people if p.role == "agent"]
        server = ServerProcess(workdir, args.sql_profile, args.server_src, args.deflate)
        try:
            with console.status(f"signing in {len(agents)} agents …"):
                await sign_in(server.url, agents)
            baseline = None
            if args.baseline_clients:
                baseline = await phase(
                    workdir,
                    server,
                    pick(people, args.baseline_clients),
                    driver_leader,
                    agents,
                    args,
                    "baseline",
                    console,
                )
            full = await phase(workdir, server, people, driver_leader, agents, args, "full", console)
        except BaseException:
            log = (workdir / "server.log").read_text(errors="replace").splitlines()
            console.print("[red]server log (last lines):[/red]\n" + "\n".join(log[-30:]))
            raise
        finally:
            server.stop()
            if args.keep_log:  # the work directory goes: a copy of the server's log stays
                Path(args.keep_log).write_text((workdir / "server.log").read_text(errors="replace"))
            errors = [
                line
                for line in (workdir / "server.log").read_text(errors="replace").splitlines()
                if "error" in line.lower() or "exception" in line.lower()
            ]
            if errors:  # what went wrong in the server during the run, if anything did
                console.print(f"[yellow]server log: {len(errors)} error lines, the first ones:[/yellow]")
                console.print("\n".join(errors[:10]), markup=False, highlight=False)
            if args.sql_profile:  # the server wrote it to its log, which goes with the directory
                log = (workdir / "server.log").read_text(errors="replace")
                console.print(log[log.find("SQL by total time") :], markup=False, highlight=False)
    load = os.getloadavg()
    return {
        "clients": args.clients,
        "calls_per_second": args.calls_per_second,
        "driver": args.driver,
        "batch": args.batch,
        "deflate": args.deflate,
        "seconds": args.seconds,
        "full": full,
        "baseline": baseline,
        "p99_ratio_to_baseline": round(full["p99_ms"] / baseline["p99_ms"], 2)
        if baseline and baseline["p99_ms"]
        else None,
        "aim_p99_under_100ms": full["p99_ms"] < 100,
        "cpus": os.cpu_count(),
        "loadavg_1m_at_end": round(load[0], 2),
    }


def report(result: dict[str, Any], console: Console) -> None:
    table = Table(
        title=f"events fan-out: {result['calls_per_second']} calls/s for {result['seconds']} s "
        f"(driver: {result['driver']})"
    )
    rows = [("full", result["full"])] + ([("baseline", result["baseline"])] if result["baseline"] else [])
    table.add_column("figure")
    for name, _ in rows:
        table.add_column(name, justify="right")
    for key in (
        "clients",
        "leaders",
        "p50_ms",
        "p95_ms",
        "p99_ms",
        "max_ms",
        "fanout_p50_ms",
        "fanout_p99_ms",
        "messages_per_s",
        "events_per_s",
        "calls_placed",
        "calls_answered",
        "answered_per_s",
        "driver_errors",
        "driver_resyncs",
        "resyncs",
        "server_cpu_pct",
        "server_rss_mb",
        "clients_cpu_pct",
    ):
        table.add_row(key, *(str(r[key]) for _, r in rows))
    console.print(table)
    for name, figures in rows:
        slowest = ", ".join(f"{kind} {ms}" for kind, ms in figures["p99_ms_by_type"].items())
        console.print(f"{name}: p99 ms of the slowest event types: {slowest}")
    console.print(
        f"p99 ratio to baseline: {result['p99_ratio_to_baseline']}; aim p99 < 100 ms: "
        f"{'met' if result['aim_p99_under_100ms'] else 'missed'}; "
        f"load average at the end: {result['loadavg_1m_at_end']} on {result['cpus']} CPUs"
    )


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--sql-profile", action="store_true", help="the server logs its SQL by time")
    parser.add_argument("--clients-worker", nargs=2, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--clients", type=int, default=1000, help="WebSocket clients (a tenth leaders)")
    parser.add_argument("--calls-per-second", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=30.0, help="how long calls are placed, per phase")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds not measured at the start")
    parser.add_argument("--baseline-clients", type=int, default=10, help="0: no baseline phase")
    parser.add_argument("--client-procs", type=int, default=2, help="processes holding the clients")
    parser.add_argument("--talk-min", type=float, default=1.0)
    parser.add_argument("--talk-max", type=float, default=3.0)
    parser.add_argument(
        "--db-dir",
        default="/dev/shm" if Path("/dev/shm").is_dir() else None,
        help="where the SQLite file goes (default: memory-backed /dev/shm, so disk syncs do not count)",
    )
    parser.add_argument(
        "--deflate",
        action="store_true",
        help="the server compresses frames (permessage-deflate; helpline serve does not)",
    )
    parser.add_argument("--no-deflate", action="store_true", help="the default, kept for old command lines")
    parser.add_argument("--server-src", default=None, help="PYTHONPATH of the server (compare versions)")
    parser.add_argument(
        "--driver",
        choices=("sim", "http"),
        default="sim",
        help="sim: the server makes the calls itself (the platform's path, no HTTP); http: over the API",
    )
    parser.add_argument(
        "--batch",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="clients ask for ?batch=1 (arrays of events), as the browser does",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="an empty database to run on (e.g. postgresql://postgres@127.0.0.1/bench); default SQLite",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object last")
    parser.add_argument("--keep-log", default=None, help="copy the server's log to this file")
    args = parser.parse_args(argv)
    if args.database_url:
        os.environ[DATABASE_URL_ENV] = args.database_url
    if args.serve:
        serve_main(args.port, args.sql_profile, args.deflate)
        return {}
    if args.clients_worker:
        clients_main(*args.clients_worker)
        return {}
    if args.seconds <= args.warmup:
        parser.error("--seconds must be longer than --warmup")
    console = Console(stderr=args.json)
    result = asyncio.run(bench(args, console))
    report(result, console)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
