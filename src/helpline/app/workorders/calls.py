"""Every call makes a work order (所有来电均须制作工单, NORMS §4.1), and the screen pop shows
the caller's orders.

:meth:`CallOrders.on_events` is a dispatch hook of :class:`CenterService`: it runs inside the
center's lock, right after the call events were recorded and published, reads what it needs
from the live call, and only queues a job. ``WORKERS`` tasks run the jobs, each call's on
one of them by its id and in order, so an order made for an answered call exists before its
hang-up is noted on it; the center never waits for the database of work orders. A worker
takes every job queued so far and does them in rounds, one transaction each, reading first
and writing last: on a busy floor the statements (and, on SQLite, the time the one write
lock is held) grow with the rounds, not with the calls:

- answered (or an outbound call connected): a draft linked to the call, owned by the agent
  (首问负责), with the customer when exactly one matches the number;
- the call ended: the hang-up is noted on the order, which starts the 15-minute clock;
- missed in a queue (abandoned, or sent to voicemail/callback): an order the system opens
  for a callback within 24 h, owned by whoever claims it (tenant setting
  ``missed_call_orders``, on by default).

Calls that still end without an order show in the ``calls without an order`` report.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import structlog

from helpline.app.acd.center_service import CenterService
from helpline.app.workorders import config as wo_config
from helpline.app.workorders.ports import WorkOrdersUnit, WorkOrderUnits
from helpline.app.workorders.service import ROLE_OF, WorkOrderService
from helpline.domain.acd.call import Call, Direction
from helpline.domain.calendar import CHINA_TZ
from helpline.domain.events import CallAbandoned, CallAnswered, CallEnded, CallEvent, CallExitedQueue, Event
from helpline.domain.workorders.content import ContentRules
from helpline.domain.workorders.numbering import day_key
from helpline.domain.workorders.order import SYSTEM_ACTOR, Actor, Channel, Role, WorkOrder, WorkOrderState

log = structlog.get_logger("helpline.workorders")
# rounds worked on at once (each call's jobs by one worker, in order); on SQLite more than one
# only wait for each other at the write lock (benchmarks/events_fanout.py: 2 had a longer tail)
WORKERS = 1
MAX_ROUND = 50  # calls whose jobs a worker takes at once (a burst is worked on in a few rounds)


@dataclass(frozen=True)
class CallJob:
    kind: str  # answered | ended | missed
    tenant_id: str
    call_id: str
    at: float
    number: str
    agent_id: str | None = None


@dataclass(frozen=True)
class _Draft:
    """A call's new order, all read: it only needs its number."""

    job: CallJob
    actor: Actor
    channel: Channel
    call_ended_at: float | None
    prefix: str
    customer: dict[str, Any] | None
    rules: ContentRules | None

    def open(self, number: str) -> tuple[WorkOrder, list[Event]]:
        job = self.job
        order, created = WorkOrder.open(
            str(uuid.uuid4()),
            job.tenant_id,
            number,
            self.actor,
            job.at,
            channel=self.channel,
            call_id=job.call_id,
            caller_number=job.number or None,
            call_ended_at=self.call_ended_at,
        )
        events: list[Event] = [created]
        if self.customer is not None and self.rules is not None:
            edited = order.edit(self.actor, job.at, self.customer, self.rules)
            events += [edited] if edited is not None else []
        return order, events


def _by_counter(drafts: Sequence[_Draft]) -> dict[tuple[str, str, str], list[_Draft]]:
    """Drafts by the counter their numbers come from: tenant, local day and prefix."""
    groups: dict[tuple[str, str, str], list[_Draft]] = {}
    for draft in drafts:
        key = (draft.job.tenant_id, day_key(draft.job.at, CHINA_TZ), draft.prefix)
        groups.setdefault(key, []).append(draft)
    return groups


def _rounds(jobs: Sequence[CallJob]) -> list[list[CallJob]]:
    """Jobs in order, cut where a call comes again (its next job sees its first one's order)."""
    rounds: list[list[CallJob]] = [[]]
    calls: set[str] = set()
    for job in jobs:
        if job.call_id in calls:
            rounds.append([])
            calls = set()
        rounds[-1].append(job)
        calls.add(job.call_id)
    return rounds


class CallOrders:
    def __init__(
        self,
        units: WorkOrderUnits,
        service: WorkOrderService,
        centers: CenterService,
    ) -> None:
        self.units = units
        self.service = service
        self.centers = centers
        self.queues: list[asyncio.Queue[CallJob]] = [asyncio.Queue() for _ in range(WORKERS)]
        self._stored: dict[CallJob, asyncio.Future[None]] = {}  # the write of each job's call event
        self._tasks: list[asyncio.Task[None]] = []

    # ---- the hook (inside the center's lock: no I/O) -----------------------------------------------

    def _call(self, event: CallEvent) -> Call | None:
        center = self.centers.centers.get(event.tenant_id)
        call = center.calls.get(event.call_id) if center is not None else None
        if call is None or "consult_for" in call.data or call.direction is Direction.INTERNAL:
            return None  # consult legs and internal calls belong to another call or to nobody
        return call

    def on_events(self, events: Sequence[Event]) -> None:
        stored = self.centers.being_written()
        for event in events:
            job = self._job(event)
            if job is not None:
                self.queues[zlib.crc32(job.call_id.encode()) % WORKERS].put_nowait(job)
                if stored is not None and not stored.done():
                    self._stored[job] = stored

    def _job(self, event: Event) -> CallJob | None:
        if not isinstance(event, CallAnswered | CallEnded | CallAbandoned | CallExitedQueue):
            return None
        call = self._call(event)
        if call is None:
            return None
        number = call.callee if call.direction is Direction.OUTBOUND else call.caller
        if isinstance(event, CallAnswered):
            kind, agent_id = "answered", event.agent_id
        elif isinstance(event, CallEnded):
            if call.answered_at is None:
                return None
            kind, agent_id = "ended", None
        elif isinstance(event, CallExitedQueue) and event.action == "queue":
            return None  # moved to another queue: still waiting
        else:
            kind, agent_id = "missed", None
        return CallJob(kind, event.tenant_id, event.call_id, event.at, number, agent_id)

    # ---- the worker ---------------------------------------------------------------------------------

    async def handle_round(self, jobs: Sequence[CallJob]) -> None:
        """The orders of several calls (each call at most once) in one transaction per tenant:
        everything is read first, then written in one go, so the write lock (SQLite has one
        for the whole database, which the call recorder needs too) is held for a few
        statements per round, not a few per call. Its statements are small: ``units`` are
        the composition root's units for small statements (on SQLite: in this thread)."""
        for tenant_id in dict.fromkeys(job.tenant_id for job in jobs):
            async with self.units(tenant_id) as uow:
                await self._handle_round(uow, [job for job in jobs if job.tenant_id == tenant_id])

    async def _handle_round(self, uow: WorkOrdersUnit, jobs: Sequence[CallJob]) -> None:
        drafts, ended = await self._read(uow, jobs)
        orders: list[WorkOrder] = []
        events: list[Event] = []
        clock_events: list[Event] = []
        for (_tenant, _day, prefix), group in _by_counter(drafts).items():
            numbers = await uow.workorders.issue_numbers(group[0].job.at, len(group), prefix)
            opened = [draft.open(number) for draft, number in zip(group, numbers, strict=True)]
            await uow.workorders.add([order for order, _ in opened], call_links=True)
            for order, made in opened:
                orders.append(order)
                events += made
                clock_events += made
        for job, order in ended:
            if order.call_ended_at is not None or not order.can("call_ended"):
                continue
            event = order.note_call_ended(job.at)
            orders.append(order)
            events.append(event)
            # An order submitted while the caller was still on the line has met its 15
            # minutes already; the domain would start the completion clock anyway (reported
            # upstream), so only a draft's hang-up goes to the clocks.
            if order.state is WorkOrderState.DRAFT:
                clock_events.append(event)
        if orders:
            await self.service.finish(uow, orders, events, sla_events=clock_events)

    async def _read(
        self, uow: WorkOrdersUnit, jobs: Sequence[CallJob]
    ) -> tuple[list[_Draft], list[tuple[CallJob, WorkOrder]]]:
        """The new orders to open, and the calls' orders to note a hang-up on (one tenant's)."""
        existing = await uow.workorders.orders_for_calls([job.call_id for job in jobs])
        roles = await uow.workorder_peers.user_roles({job.agent_id for job in jobs if job.agent_id})
        hung_up = [job for job in jobs if job.kind == "ended" and job.call_id in existing]
        loaded = await uow.workorders.load_many([existing[job.call_id] for job in hung_up], lock=True)
        drafts: list[_Draft] = []
        ended: list[tuple[CallJob, WorkOrder]] = []
        for job in jobs:
            order_id = existing.get(job.call_id)
            if job.kind == "ended":
                order = loaded.get(order_id or "")
                if order is not None and order.call_id == job.call_id:
                    ended.append((job, order))
            elif order_id is None:  # a transferred call keeps the order of its first contact
                draft = await self._draft(uow, job, roles)
                drafts += [draft] if draft is not None else []
        return drafts, ended

    async def _draft(self, uow: WorkOrdersUnit, job: CallJob, roles: dict[str, str]) -> _Draft | None:
        """What a new order for the call needs from the database (read before any write)."""
        settings = await wo_config.settings_of(uow)
        if job.kind == "missed":
            if not settings.get("missed_call_orders", True):
                return None
            actor, channel, ended = SYSTEM_ACTOR, Channel.MISSED_CALL, job.at
        else:
            role = ROLE_OF.get(roles.get(job.agent_id or "", ""), Role.AGENT)
            actor, channel, ended = Actor(job.agent_id or "", role), Channel.PHONE, None
        customer, rules = None, None
        if actor.role is not Role.SYSTEM:
            exact = await uow.workorder_peers.customers_by_phone(job.number, exact_only=True)
            if len(exact) == 1:  # several people share the line: the agent asks and picks
                rules = await wo_config.content_rules(uow)
                customer = exact[0]
        found = (
            {"customer_id": customer["id"], "caller_name": customer["name"]} if customer is not None else None
        )
        return _Draft(job, actor, channel, ended, str(settings.get("number_prefix", "")), found, rules)

    async def _worker(self, queue: asyncio.Queue[CallJob]) -> None:
        while True:
            jobs = [await queue.get()]
            while len(jobs) < MAX_ROUND and not queue.empty():
                jobs.append(queue.get_nowait())
            try:
                # the calls' records are stored (and their events published) before their orders
                stored = {f for job in jobs if (f := self._stored.pop(job, None)) is not None}
                if stored:
                    await asyncio.wait(stored)
                for round_ in _rounds(jobs):
                    await self._round(round_)
            finally:
                for _ in jobs:
                    queue.task_done()

    async def _round(self, jobs: Sequence[CallJob]) -> None:
        try:
            await self.handle_round(jobs)
        except Exception:
            if len(jobs) == 1:  # the call went on; the report of calls without an order shows it
                log.exception("call_order_failed", call_id=jobs[0].call_id, kind=jobs[0].kind)
                return
            for job in jobs:  # one bad call must not lose the others' orders
                await self._round([job])

    async def settle(self) -> None:
        """Wait until every queued call has its order (tests; a clean shutdown)."""
        for queue in self.queues:
            await queue.join()

    async def start(self) -> None:
        if not self._tasks:
            self._tasks = [
                asyncio.create_task(self._worker(queue), name=f"call-orders-{n}")
                for n, queue in enumerate(self.queues)
            ]

    async def stop(self) -> None:
        if self._tasks:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.settle(), 5.0)
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self._tasks = []


async def screen_pop_section(uow: WorkOrdersUnit, pop: dict[str, Any]) -> None:
    """来电弹屏: the caller's open orders and the latest ones, by number or matched customer."""
    customer = pop.get("customer") or {}
    pop["work_orders"] = await uow.workorder_reads.caller_orders(
        str(pop.get("caller") or ""), customer.get("id")
    )
