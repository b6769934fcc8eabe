"""Every call makes a work order (所有来电均须制作工单, NORMS §4.1), and the screen pop shows
the caller's orders.

:meth:`CallOrders.on_events` is a dispatch hook of :class:`CenterService`: it runs inside the
center's lock, right after the call events were recorded and published, reads what it needs
from the live call, and only queues a job. ``WORKERS`` tasks run the jobs, each call's on
one of them by its id and in order, so an order made for an answered call exists before its
hang-up is noted on it; the center never waits for the database of work orders, and a busy
floor's calls are worked on side by side (a job mostly waits for the database):

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
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpline.adapters.db.tables import User
from helpline.app import customers, wo_config, wo_queries, wo_store
from helpline.app.center_service import CenterService
from helpline.app.workorders import ROLE_OF, WorkOrderService
from helpline.domain.call import Call, Direction
from helpline.domain.events import CallAbandoned, CallAnswered, CallEnded, CallEvent, CallExitedQueue, Event
from helpline.domain.workorder import SYSTEM_ACTOR, Actor, Channel, Role, WorkOrder, WorkOrderState

log = structlog.get_logger("helpline.workorders")
WORKERS = 4  # jobs worked on at once (each call's jobs by the same worker, in order)


@dataclass(frozen=True)
class CallJob:
    kind: str  # answered | ended | missed
    tenant_id: str
    call_id: str
    at: float
    number: str
    agent_id: str | None = None


class CallOrders:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        service: WorkOrderService,
        centers: CenterService,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.service = service
        self.centers = centers
        self.queues: list[asyncio.Queue[CallJob]] = [asyncio.Queue() for _ in range(WORKERS)]
        self._tasks: list[asyncio.Task[None]] = []

    # ---- the hook (inside the center's lock: no I/O) -----------------------------------------------

    def _call(self, event: CallEvent) -> Call | None:
        center = self.centers.centers.get(event.tenant_id)
        call = center.calls.get(event.call_id) if center is not None else None
        if call is None or "consult_for" in call.data or call.direction is Direction.INTERNAL:
            return None  # consult legs and internal calls belong to another call or to nobody
        return call

    def on_events(self, events: Sequence[Event]) -> None:
        for event in events:
            job = self._job(event)
            if job is not None:
                self.queues[zlib.crc32(job.call_id.encode()) % WORKERS].put_nowait(job)

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

    async def handle(self, job: CallJob) -> None:
        async with self.sessionmaker() as session:
            existing = await wo_store.order_for_call(session, job.tenant_id, job.call_id)
            if job.kind == "ended":
                if existing is not None:
                    await self._ended(session, job, existing)
            elif existing is None:  # a transferred call keeps the order of its first contact
                await self._open(session, job)

    async def _open(self, session: AsyncSession, job: CallJob) -> None:
        """Everything is read before the first write (the order's number), so the write
        transaction is short: on SQLite it holds the one write lock, which the call recorder,
        inside the center's lock, waits for."""
        settings = await wo_config.settings_of(session, job.tenant_id)
        if job.kind == "missed":
            if not settings.get("missed_call_orders", True):
                return
            actor, channel, ended = SYSTEM_ACTOR, Channel.MISSED_CALL, job.at
        else:
            user = await session.get(User, job.agent_id or "")
            role = ROLE_OF.get(user.role, Role.AGENT) if user is not None else Role.AGENT
            actor, channel, ended = Actor(job.agent_id or "", role), Channel.PHONE, None
        customer, rules = None, None
        if actor.role is not Role.SYSTEM:
            exact = [
                m
                for m in await customers.find_by_phone(session, job.tenant_id, job.number)
                if m.strength == "exact"
            ]
            if len(exact) == 1:  # several people share the line: the agent asks and picks
                rules = await wo_config.content_rules(session, job.tenant_id)
                customer = exact[0].customer
        number = await wo_store.issue_number(
            session, job.tenant_id, job.at, settings.get("number_prefix", "")
        )
        order, created = WorkOrder.open(
            str(uuid.uuid4()),
            job.tenant_id,
            number,
            actor,
            job.at,
            channel=channel,
            call_id=job.call_id,
            caller_number=job.number or None,
            call_ended_at=ended,
        )
        events: list[Event] = [created]
        if customer is not None and rules is not None:
            found = {"customer_id": customer.id, "caller_name": customer.name}
            edited = order.edit(actor, job.at, found, rules)
            events += [edited] if edited is not None else []
        stored = await wo_store.add(session, order, new_call_link=True)
        await self.service.finish(session, [stored], events)

    async def _ended(self, session: AsyncSession, job: CallJob, order_id: str) -> None:
        stored = await wo_store.load(session, job.tenant_id, order_id, lock=True)
        order = stored.order
        if order.call_id != job.call_id or order.call_ended_at is not None or not order.can("call_ended"):
            return
        event = order.note_call_ended(job.at)
        # An order submitted while the caller was still on the line has met its 15 minutes
        # already; the domain would start the completion clock anyway (reported upstream), so
        # only a draft's hang-up goes to the clocks.
        draft = order.state is WorkOrderState.DRAFT
        await self.service.finish(session, [stored], [event], sla_events=[event] if draft else [])

    async def _worker(self, queue: asyncio.Queue[CallJob]) -> None:
        while True:
            job = await queue.get()
            try:
                await self.centers.written()  # the call's record is stored before its order
                await self.handle(job)
            except Exception:  # the call went on; the report of calls without an order shows it
                log.exception("call_order_failed", call_id=job.call_id, kind=job.kind)
            finally:
                queue.task_done()

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


async def screen_pop_section(session: AsyncSession, tenant_id: str, pop: dict[str, Any]) -> None:
    """来电弹屏: the caller's open orders and the latest ones, by number or matched customer."""
    customer = pop.get("customer") or {}
    pop["work_orders"] = await wo_queries.caller_orders(
        session, tenant_id, str(pop.get("caller") or ""), customer.get("id")
    )
