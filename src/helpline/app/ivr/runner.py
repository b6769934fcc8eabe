"""The IVR interpreter: runs a tenant's flow (``helpline.domain.ivr.flow``) with a caller.

The switch answers the call and hands over a session (play with barge-in, collect keys,
record); this walks the flow node by node and leaves its decision in ``session.route``
(queue, priority, skills, the caller's choices for the screen pop) or an action that ends
the call without an agent (voicemail, callback, hangup). It also runs the satisfaction
survey after the agent hangs up, and the voicemail or callback a queue falls back to.

A key pressed while a prompt plays stops it and counts as the answer to the next question
(type-ahead), as callers who know the menu expect.
"""

from __future__ import annotations

import asyncio
import json
import urllib.parse
import urllib.request
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import structlog

from helpline.app.acd import callbacks
from helpline.app.acd.center_service import CenterService
from helpline.app.ivr.flows import FlowDirectory
from helpline.app.ivr.ports import CallerLookup, IvrUnits, Pcm
from helpline.app.ivr.prompts import PromptLibrary, beep
from helpline.app.timefmt import as_datetime
from helpline.domain.acd.center import ContactCenter
from helpline.domain.errors import DomainError
from helpline.domain.events import Event
from helpline.domain.ivr.flow import MAX_STEPS, Flow
from helpline.domain.ivr.nodes import calendar_of

log = structlog.get_logger("helpline.ivr")
SaveRecording = Callable[[str, str, str, Sequence[tuple[str, float]]], Awaitable[None]]
Fetch = Callable[[str, str, dict[str, Any], float], Awaitable[dict[str, Any]]]


class CallerSession(Protocol):
    """What the switch's IVR session offers (``adapters.telephony.sip.ivr.IvrSession``)."""

    tenant_id: str
    call_id: str
    caller: str
    callee: str
    route: dict[str, Any]

    async def play(self, pcm: Pcm, *, barge_in: bool = True) -> str | None: ...

    async def collect(
        self,
        max_digits: int,
        first_timeout: float,
        inter_digit_timeout: float,
        terminator: str = "#",
        first: str | None = None,
    ) -> str: ...

    async def record(self, path: str | Path, max_seconds: float, stop_digits: str = "#") -> float: ...


async def fetch_json(method: str, url: str, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
    """A self-service look-up: JSON in, JSON out (stdlib, in a thread: no new dependency)."""

    def call() -> dict[str, Any]:
        body = json.dumps(payload).encode()
        target = url if method == "POST" else f"{url}?{urllib.parse.urlencode(payload['vars'])}"
        request = urllib.request.Request(
            target,
            data=body if method == "POST" else None,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            result = json.loads(response.read(1_000_000) or b"{}")
        return result if isinstance(result, dict) else {}

    return await asyncio.to_thread(call)


@dataclass
class _Run:
    session: CallerSession
    flow: Flow
    typeahead: str | None = None
    digits: str = ""
    vars: dict[str, str] = field(default_factory=dict)
    ivr: dict[str, Any] = field(default_factory=dict)
    priority: int | None = None
    skills: dict[str, int] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)

    def route(self, **values: Any) -> None:
        self.session.route = {"ivr": self.ivr, "data": {**self.data, "vars": self.vars}, **values}


class IvrRunner:
    def __init__(
        self,
        flows: FlowDirectory,
        prompts: PromptLibrary,
        units: IvrUnits,
        recordings_dir: Path,
        save_recording: SaveRecording,
        *,
        clock: Callable[[], float],
        fetch: Fetch = fetch_json,
        can_transfer: bool = False,
        lookup: CallerLookup | None = None,
    ) -> None:
        self.flows = flows
        self.prompts = prompts
        self.units = units
        self.lookup = lookup  # the customers a caller may be (None: nobody is known)
        self.recordings_dir = recordings_dir
        self.save_recording = save_recording
        self.clock = clock
        self.fetch = fetch
        self.can_transfer = can_transfer  # a trunk carries the transfer node's calls out
        self.centers: CenterService | None = None  # set once the ACD exists (surveys rate calls)

    # -- the parts callers hear -------------------------------------------------------------

    async def _say(self, run: _Run, spec: dict[str, Any], prefix: str = "", *, default: str = "") -> None:
        pcm = await self.prompts.render(run.session.tenant_id, spec, prefix)
        if pcm is None and default:
            pcm = self.prompts.load(run.session.tenant_id, default)
        if pcm is not None:
            key = await run.session.play(pcm)
            if key is not None and run.typeahead is None:
                run.typeahead = key

    async def _ask(self, run: _Run, node: dict[str, Any], max_digits: int) -> str:
        if run.typeahead is None:
            await self._say(run, node)
        first, run.typeahead = run.typeahead, None
        return await run.session.collect(
            max_digits, float(node["timeout"]), 3.0, str(node.get("terminator", "#")), first
        )

    # -- the flow ---------------------------------------------------------------------------

    async def run(self, session: CallerSession) -> str:
        """The switch's IVR: walk the flow for the dialled number; -> the keys pressed."""
        flow = self.flows.for_call(session.tenant_id, session.callee)
        run = _Run(session, flow)
        node_id: str | None = flow.start
        steps = 0
        while node_id is not None:
            steps += 1
            if steps > MAX_STEPS:
                run.route(action="hangup")
                break
            node = flow.nodes[node_id]
            try:
                node_id = await getattr(self, f"_node_{node['type']}")(run, node_id, node)
            except DomainError as exc:
                log.warning("ivr_node_failed", node=node_id, code=exc.code, call_id=session.call_id)
                run.route(action="hangup")
                break
        return run.digits

    async def _node_play(self, run: _Run, node_id: str, node: dict[str, Any]) -> str | None:
        await self._say(run, node)
        return str(node["next"])

    async def _node_menu(self, run: _Run, node_id: str, node: dict[str, Any]) -> str | None:
        options: dict[str, str] = node["options"]
        for _ in range(int(node["retries"]) + 1):
            key = await self._ask(run, node, 1)
            if key in options:
                run.digits += key
                run.ivr[node_id] = key
                return options[key]
            if key and node.get("invalid"):
                return str(node["invalid"])
            await self._say(run, {}, default="invalid" if key else "no_input")
        if node.get("no_input"):
            return str(node["no_input"])
        await self._end(run, {"prompt": "goodbye"}, "hangup")
        return None

    async def _node_collect(self, run: _Run, node_id: str, node: dict[str, Any]) -> str | None:
        for _ in range(int(node["retries"]) + 1):
            keys = await self._ask(run, node, int(node["max_digits"]))
            if len(keys) >= int(node["min_digits"]):
                run.vars[str(node["var"])] = keys
                run.ivr[str(node["var"])] = keys
                return str(node["next"])
            await self._say(run, {}, default="invalid" if keys else "no_input")
        if node.get("no_input"):
            return str(node["no_input"])
        await self._end(run, {"prompt": "goodbye"}, "hangup")
        return None

    async def _node_hours(self, run: _Run, node_id: str, node: dict[str, Any]) -> str | None:
        is_open = calendar_of(node).is_open(self.clock())
        run.ivr[node_id] = "open" if is_open else "closed"
        return str(node["open"] if is_open else node["closed"])

    async def _node_lookup(self, run: _Run, node_id: str, node: dict[str, Any]) -> str | None:
        """Find the caller among the customers; a VIP waits with a higher priority."""
        if self.lookup is None:
            return str(node["next"])
        try:
            customer = await self.lookup(run.session.tenant_id, run.session.caller)
        except Exception:  # the database is down: serve the caller as anyone else
            log.exception("ivr_lookup_failed", call_id=run.session.call_id)
            return str(node["next"])
        if customer is None:
            return str(node["next"])
        run.data["customer_id"] = customer.customer_id
        if customer.vip_level >= int(node["min_level"]):
            run.ivr["vip"] = customer.vip_level
            run.priority = max(run.priority or 0, int(node["vip_priority"]))
            return str(node.get("vip") or node["next"])
        return str(node["next"])

    async def _node_set(self, run: _Run, node_id: str, node: dict[str, Any]) -> str | None:
        if node.get("priority") is not None:
            run.priority = int(node["priority"])
        run.skills.update(node.get("skills") or {})
        run.data.update(node.get("data") or {})
        return str(node["next"])

    async def _node_http(self, run: _Run, node_id: str, node: dict[str, Any]) -> str | None:
        """Self-service: ask the tenant's system (balance, order status), say its answer,
        branch on its ``result``. Its JSON may carry ``say`` (text), ``vars`` and ``result``."""
        s = run.session
        payload = {
            "tenant": s.tenant_id,
            "call_id": s.call_id,
            "caller": s.caller,
            "callee": s.callee,
            "vars": dict(run.vars),
        }
        try:
            answer = await self.fetch(str(node["method"]), str(node["url"]), payload, float(node["timeout"]))
        except Exception as exc:  # the endpoint is down or slow: the flow's error path
            log.warning("ivr_http_failed", node=node_id, error=str(exc)[:200], call_id=s.call_id)
            run.ivr[node_id] = "error"
            return str(node.get("error") or node["next"])
        run.vars.update({str(k): str(v) for k, v in (answer.get("vars") or {}).items()})
        if isinstance(answer.get("say"), str | dict):
            await self._say(run, {"say": answer["say"]})
        result = str(answer.get("result", ""))
        run.ivr[node_id] = result
        return str((node.get("branches") or {}).get(result) or node["next"])

    async def _end(self, run: _Run, node: dict[str, Any], action: str, **values: Any) -> None:
        await self._say(run, node)
        run.route(action=action, **values)

    async def _node_queue(self, run: _Run, node_id: str, node: dict[str, Any]) -> str | None:
        priority = node.get("priority") if node.get("priority") is not None else run.priority
        await self._say(run, node)
        run.route(queue=node["queue"], priority=priority, skills={**run.skills, **(node.get("skills") or {})})
        return None

    async def _node_voicemail(self, run: _Run, node_id: str, node: dict[str, Any]) -> str | None:
        await self.voicemail(run.session, node, speak=lambda spec, d: self._say(run, spec, default=d))
        run.route(action="voicemail")
        return None

    async def _node_callback(self, run: _Run, node_id: str, node: dict[str, Any]) -> str | None:
        s = run.session
        async with self.units(s.tenant_id) as uow:
            await callbacks.request_callback(
                uow, s.call_id, s.caller, queue_id=node.get("queue"), source="ivr", data={"ivr": run.ivr}
            )
        await self._end(
            run, node if node.get("prompt") or node.get("say") else {"prompt": "callback_ok"}, "callback"
        )
        return None

    async def _node_transfer(self, run: _Run, node_id: str, node: dict[str, Any]) -> str | None:
        """The switch sends the caller out to the number through the trunk (after the node's
        own prompt, if it has one); without a trunk the caller is told it cannot be done."""
        if not self.can_transfer:
            await self._end(run, {"prompt": "transfer_failed"}, "transfer", number=node["number"])
            return None
        await self._end(run, node, "transfer", number=node["number"])
        return None

    async def _node_hangup(self, run: _Run, node_id: str, node: dict[str, Any]) -> str | None:
        await self._end(
            run, node if node.get("prompt") or node.get("say") else {"prompt": "goodbye"}, "hangup"
        )
        return None

    # -- voicemail, survey, queue exits -------------------------------------------------------

    async def voicemail(
        self,
        session: CallerSession,
        node: dict[str, Any],
        speak: Callable[[dict[str, Any], str], Awaitable[None]] | None = None,
    ) -> float:
        """The prompt, a beep, then the caller's message to a WAV linked to the call."""
        if speak is not None:
            await speak(node, "voicemail")
        else:
            pcm = await self.prompts.render(session.tenant_id, node)
            if pcm is None:
                pcm = self.prompts.load(session.tenant_id, "voicemail")
            if pcm is not None:
                await session.play(pcm, barge_in=False)
        await session.play(beep(), barge_in=False)
        day = as_datetime(self.clock()).strftime("%Y-%m-%d")
        tenant = "".join(c if c.isalnum() or c in "-_" else "_" for c in session.tenant_id) or "_"
        target = self.recordings_dir / tenant / day / f"{session.call_id}-voicemail.wav"
        seconds = await session.record(target, float(node.get("max_seconds", 60)))
        await self.save_recording(session.tenant_id, session.call_id, "voicemail", [(str(target), seconds)])
        return seconds

    async def survey(self, session: CallerSession) -> str:
        """After the agent hung up: a key 1-5 rates the call (``SatisfactionRated``)."""
        survey = self.flows.for_call(session.tenant_id, session.callee).survey
        if survey is None:
            return ""
        run = _Run(session, self.flows.builtin)
        key = await self._ask(run, survey, 1)
        if key not in ("1", "2", "3", "4", "5") or self.centers is None:
            return key
        score = int(key)

        def rate(center: ContactCenter, now: float) -> list[Event]:
            return center.rate(session.call_id, score, now)

        try:
            await self.centers.execute(session.tenant_id, rate)
        except DomainError as exc:
            log.info("rating_refused", call_id=session.call_id, code=exc.code)
            return key
        await self._say(run, survey, "thanks_", default="thanks")
        return key

    async def exit_voicemail(self, session: CallerSession) -> str:
        """The queue gave up on the caller (its maximum wait): take a message instead."""
        await self.voicemail(session, {"prompt": "voicemail", "max_seconds": 60})
        return ""

    async def exit_callback(self, session: CallerSession, queue_id: str | None = None) -> str:
        """The queue gave up on the caller with the exit action callback: note it, confirm it."""
        async with self.units(session.tenant_id) as uow:
            await callbacks.request_callback(
                uow,
                session.call_id,
                session.caller,
                queue_id=queue_id,
                source="queue",
                data={"cause": "queue_exit"},
            )
        pcm = self.prompts.load(session.tenant_id, "callback_ok")
        if pcm is not None:
            await session.play(pcm, barge_in=False)
        return ""
