"""Callers waiting in a queue: music on hold (the switch plays it), and every so often their
place in line and the expected wait; after a long wait, the offer of a callback (NORMS §3.2:
"大概需要X分钟,您是等待还是我稍后回电给您?"). When the queue itself gives up on a caller
(its maximum wait or length, with the exit action voicemail or callback), the caller leaves
a message or gets a callback confirmed instead of silence.

What is said and when comes from the flow that answered the call (its ``waiting`` part).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import structlog

from helpline.app.acd import callbacks
from helpline.app.acd.center_service import CenterService
from helpline.app.ivr.flows import FlowDirectory
from helpline.app.ivr.ports import IvrUnits, Pcm
from helpline.app.ivr.prompts import PromptLibrary
from helpline.app.ivr.runner import IvrRunner
from helpline.domain.acd.call import CallState
from helpline.domain.acd.center import ContactCenter
from helpline.domain.errors import DomainError
from helpline.domain.events import CallExitedQueue, Event

log = structlog.get_logger("helpline.queue_waiting")
DEFAULT_HANDLE_SECONDS = 180.0  # until the agents of a queue have taken calls today


class CallerLine(Protocol):
    async def announce(self, tenant_id: str, call_id: str, pcm: Pcm) -> bool: ...

    async def take_over(self, tenant_id: str, call_id: str, flow: Any) -> bool: ...


def place_in_line(center: ContactCenter, call_id: str, now: float) -> dict[str, Any] | None:
    """Where a waiting call stands: position, waited, expected wait (None: not waiting).

    The expected wait is the calls ahead (and this one) times the queue's average handle
    time, shared by the agents signed in to the queue: rough, but it moves the right way.
    """
    call = center.calls.get(call_id)
    if call is None or call.state is not CallState.QUEUED or call.queue_id is None:
        return None
    index = center.router.queue(call.queue_id)
    position = index.position_of(call_id)
    staffed = [center.agents[a] for a in index.members if center.agents[a].state.value != "logged_out"]
    calls = sum(a.calls_today for a in staffed)
    handle = sum(a.talk_seconds_today for a in staffed) / calls if calls else DEFAULT_HANDLE_SECONDS
    expected = position * handle / max(1, len(staffed))
    return {
        "position": position,
        "waited": now - call.enqueued_at,
        "expected": expected,
        "callee": call.callee,
        "caller": call.caller,
        "queue_id": call.queue_id,
    }


class QueueWaiting:
    def __init__(
        self,
        centers: CenterService,
        line: CallerLine,
        flows: FlowDirectory,
        prompts: PromptLibrary,
        runner: IvrRunner,
        units: IvrUnits,
        *,
        clock: Callable[[], float],
        tick: float = 1.0,
    ) -> None:
        self.centers = centers
        self.line = line
        self.flows = flows
        self.prompts = prompts
        self.runner = runner
        self.units = units
        self.clock = clock
        self.tick = tick
        self._watchers: dict[str, asyncio.Task[None]] = {}
        self._offered: dict[str, tuple[str, dict[str, Any]]] = {}  # call id -> key, waiting settings
        self._tasks: set[asyncio.Task[Any]] = set()

    async def on_queued(self, tenant_id: str, call_id: str) -> None:
        task = asyncio.create_task(self._watch(tenant_id, call_id), name=f"waiting-{call_id}")
        self._watchers[call_id] = task
        task.add_done_callback(lambda _: self._forget(call_id))

    def _forget(self, call_id: str) -> None:
        self._watchers.pop(call_id, None)
        self._offered.pop(call_id, None)

    async def _status(self, tenant_id: str, call_id: str) -> tuple[str, dict[str, Any] | None]:
        def read(center: ContactCenter, now: float) -> tuple[str, dict[str, Any] | None]:
            call = center.calls.get(call_id)
            state = call.state.value if call is not None else "gone"
            return state, place_in_line(center, call_id, now)

        result: tuple[str, dict[str, Any] | None] = await self.centers.read(tenant_id, read)
        return result

    async def _watch(self, tenant_id: str, call_id: str) -> None:
        state, place = await self._status(tenant_id, call_id)
        if place is None:
            return
        waiting = self.flows.for_call(tenant_id, str(place["callee"])).waiting
        every = float(waiting.get("announce_every") or 0)
        offer_after = waiting.get("callback_after")
        started = self.clock()
        next_announce = started + every if every else math.inf
        while True:
            await asyncio.sleep(self.tick)
            state, place = await self._status(tenant_id, call_id)
            if state in ("talking", "on_hold", "ended", "abandoned", "exited", "gone"):
                return  # answered or over: nothing more to say
            if place is None:
                continue  # ringing at an agent: the caller may yet come back to the queue
            now = self.clock()
            if offer_after is not None and call_id not in self._offered and now - started >= offer_after:
                pcm = await self.prompts.render(tenant_id, waiting, "callback_")
                if pcm is not None and await self.line.announce(tenant_id, call_id, pcm):
                    self._offered[call_id] = (str(waiting.get("callback_key", "1")), waiting)
                    next_announce = max(next_announce, now + len(pcm) / 8000 + 5)
            elif now >= next_announce:
                pcm = await self.prompts.say(_position_text(place))
                if pcm is not None:
                    await self.line.announce(tenant_id, call_id, pcm)
                next_announce = now + every

    async def on_digit(self, tenant_id: str, call_id: str, digit: str) -> None:
        """A key pressed while waiting: the callback offer's key takes the callback."""
        offered = self._offered.get(call_id)
        if offered is None or offered[0] != digit:
            return
        _, place = await self._status(tenant_id, call_id)
        if place is None:
            return
        async with self.units(tenant_id) as uow:
            await callbacks.request_callback(
                uow,
                call_id,
                str(place["caller"]),
                queue_id=str(place["queue_id"]),
                source="queue",
                data={"waited": round(float(place["waited"]), 1)},
            )

        def leave(center: ContactCenter, now: float) -> list[Event]:
            return center.hangup(call_id, now, by="callback")

        watcher = self._watchers.get(call_id)
        if watcher is not None:
            watcher.cancel()
        pcm = await self.prompts.render(tenant_id, offered[1], "confirm_")
        if pcm is None:
            pcm = self.prompts.load(tenant_id, "callback_ok")
        if pcm is not None and await self.line.announce(tenant_id, call_id, pcm):
            await asyncio.sleep(len(pcm) / 8000)  # let the confirmation be heard, then hang up
        with contextlib.suppress(DomainError):
            await self.centers.execute(tenant_id, leave)

    def on_events(self, events: Sequence[Event]) -> None:
        """Dispatch hook: a queue's exit to voicemail or callback is carried out on the line."""
        for event in events:
            if isinstance(event, CallExitedQueue) and event.action in ("voicemail", "callback"):
                queue_id = event.queue_id

                async def callback(session: Any, queue_id: str = queue_id) -> str:
                    return await self.runner.exit_callback(session, queue_id)

                flow = self.runner.exit_voicemail if event.action == "voicemail" else callback
                task = asyncio.create_task(self.line.take_over(event.tenant_id, event.call_id, flow))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        for task in [*self._watchers.values(), *self._tasks]:
            task.cancel()
        for task in [*self._watchers.values(), *self._tasks]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


def _position_text(place: dict[str, Any]) -> dict[str, str]:
    ahead = max(0, int(place["position"]) - 1)
    minutes = max(1, math.ceil(float(place["expected"]) / 60))
    return {
        "zh": f"您前面还有{ahead}位客户，预计等待{minutes}分钟。",
        "en": f"There {'is' if ahead == 1 else 'are'} {ahead} caller{'' if ahead == 1 else 's'} ahead of "
        f"you. The expected wait is {minutes} minute{'' if minutes == 1 else 's'}.",
    }
