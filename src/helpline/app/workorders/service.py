"""Work-order use cases: load the order, let the domain change it, save it, commit, publish
its events, then feed the SLA clocks and publish theirs.

Every rule is the domain's (:mod:`helpline.domain.workorders.order`); this layer finds the order
in the caller's tenant (another tenant's is a 404), turns the signed-in user into the
domain's :class:`Actor`, gathers the tenant's configuration (content rules, duty roster,
unit heads) and checks that references (customer, unit, user, parent) exist. A refused
change raises before anything is written; the request's transaction rolls back.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.attachments import AttachmentStore
from helpline.adapters.db.tables.acd import CallRecord
from helpline.adapters.db.tables.people import Customer
from helpline.adapters.db.tables.workorders import UnitRow
from helpline.app.clock import Clock
from helpline.app.ports import EventBus
from helpline.app.timefmt import epoch, iso
from helpline.app.workorders import config as wo_config
from helpline.app.workorders import store as wo_store
from helpline.app.workorders.notify import address
from helpline.app.workorders.search import index_orders
from helpline.app.workorders.sla import SlaService
from helpline.app.workorders.store import FileMeta, Stored
from helpline.domain.errors import Invalid, NotFound
from helpline.domain.events import Event
from helpline.domain.workorders import events as ev
from helpline.domain.workorders.content import ContentRules, Problem, coerce_changes, refuse
from helpline.domain.workorders.order import (
    OPEN_STATES,
    Actor,
    Assignee,
    AssigneeKind,
    Attachment,
    Channel,
    Role,
    WorkOrder,
    merge_duplicate,
)
from helpline.domain.workorders.routing import submit_and_route
from helpline.domain.workorders.sla_triggers import clock_id

ROLE_OF = {"agent": Role.AGENT, "leader": Role.LEADER, "supervisor": Role.SUPERVISOR, "admin": Role.ADMIN}
log = structlog.get_logger("helpline.workorders")
HANDLER_ACTIONS = frozenset({"accept", "return", "start", "reply", "comment", "attach"})
"""What the holder of an order does as its handler (the domain's ``department`` role)."""
SIMPLE_ACTIONS = frozenset(
    {"accept", "return", "start", "close", "visit", "reopen", "supervise", "comment", "claim"}
)
CONTENT_EVENTS = (ev.WorkOrderCreated, ev.WorkOrderEdited, ev.WorkOrderReplied)
Change = Callable[[WorkOrder, Actor, float], "Event | Sequence[Event] | None"]


class Person(Protocol):
    """The signed-in user as the app layer needs it (the web's ``Principal`` is one)."""

    @property
    def user_id(self) -> str: ...

    @property
    def tenant_id(self) -> str: ...

    @property
    def role(self) -> str: ...


async def actor_for(session: AsyncSession, who: Person, order: WorkOrder, action: str) -> Actor:
    """The domain actor for ``who`` doing ``action`` on ``order``. An agent who holds the
    order (its assigned user, or a handler of its assigned unit) signs for, returns, works
    and answers it as the ``department`` role; otherwise the user's own role applies."""
    role = ROLE_OF.get(who.role, Role.AGENT)
    held = order.assignee
    if role is Role.AGENT and action in HANDLER_ACTIONS and held is not None:
        if held.kind is AssigneeKind.USER and held.id == who.user_id:
            return Actor(who.user_id, Role.DEPARTMENT)
        if held.kind is AssigneeKind.UNIT and held.id in await wo_config.handler_units(
            session, who.tenant_id, who.user_id
        ):
            return Actor(who.user_id, Role.DEPARTMENT, held.id)
    return Actor(who.user_id, role)


def _as_list(result: Event | Sequence[Event] | None) -> list[Event]:
    if result is None:
        return []
    return [result] if isinstance(result, Event) else list(result)


class WorkOrderService:
    def __init__(self, clock: Clock, bus: EventBus, sla: SlaService, files: AttachmentStore) -> None:
        self.clock = clock
        self.bus = bus
        self.sla = sla
        self.files = files

    # ---- the one path of every change ------------------------------------------------------------

    async def finish(
        self,
        session: AsyncSession,
        stored: Sequence[Stored],
        events: Sequence[Event],
        *,
        sla_events: Sequence[Event] | None = None,
    ) -> list[Event]:
        """Save, index, commit; publish the orders' events, then feed the clocks and publish
        theirs (an order's change is not held back while its clocks are stored). ``sla_events``
        narrows what the clocks are fed (default: everything)."""
        for item in stored:
            await wo_store.save(session, item, flush=False)
        await session.flush()  # (many orders: one statement per table and shape, not per order)
        changed = {e.order_id for e in events if isinstance(e, CONTENT_EVENTS)}
        await index_orders(session, [item.order for item in stored if item.order.id in changed])
        await session.commit()
        published = list(events)
        try:  # the change is committed: a failure from here on is logged, not answered
            self.bus.publish(await address(session, published))
            clocks = await self.sla.feed(events if sla_events is None else sla_events)
            self.bus.publish(await address(session, clocks))
            published += clocks
        except Exception:
            log.exception("workorder_after_commit_failed", order_ids=[i.order.id for i in stored])
        return published

    async def _after_commit(self, session: AsyncSession, clocks: Awaitable[list[Event]]) -> None:
        """Run an SLA change that follows a committed order change, and publish its events."""
        try:
            events = await clocks
            if events:
                self.bus.publish(await address(session, events))
        except Exception:
            log.exception("workorder_after_commit_failed")

    async def change(
        self, session: AsyncSession, who: Person, ref: str, action: str, apply: Change
    ) -> Stored:
        now = self.clock.now()
        stored = await wo_store.load(session, who.tenant_id, ref, lock=True)
        actor = await actor_for(session, who, stored.order, action)
        events = _as_list(apply(stored.order, actor, now))
        if events:
            await self.finish(session, [stored], events)
        return stored

    # ---- creating and editing ----------------------------------------------------------------------

    async def check_refs(
        self, session: AsyncSession, tenant_id: str, changes: Mapping[str, Any], rules: ContentRules
    ) -> None:
        """Malformed values (the domain's verdict) and references to nothing, all in one 422."""
        _, problems = coerce_changes(changes, rules)
        customer = changes.get("customer_id")
        if isinstance(customer, str) and customer:
            row = await session.get(Customer, customer)
            if row is None or row.tenant_id != tenant_id:
                problems.append(Problem("customer_id", "unknown_customer", "no such customer"))
        unit = changes.get("unit_id")
        if isinstance(unit, str) and unit and await session.get(UnitRow, (tenant_id, unit)) is None:
            problems.append(Problem("unit_id", "unknown_unit", "no such unit"))
        if problems:
            raise refuse(problems, "invalid_changes")

    async def create(
        self,
        session: AsyncSession,
        who: Person,
        *,
        channel: Channel = Channel.PHONE,
        call_id: str | None = None,
        caller_number: str | None = None,
        parent_id: str | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> Stored:
        """A draft opened by hand (manual, e-mail, missed call): ``who`` is its first-contact owner."""
        now = self.clock.now()
        ended_at = None
        if call_id:
            call = await session.get(CallRecord, call_id)
            if call is None or call.tenant_id != who.tenant_id:
                raise NotFound("call_not_found", f"no call {call_id}", call_id=call_id)
            ended_at = epoch(call.ended_at)
            caller_number = caller_number or (call.callee if call.direction == "outbound" else call.caller)
        if parent_id:
            parent_id = (await wo_store.find_row(session, who.tenant_id, parent_id)).id
        rules = await wo_config.content_rules(session, who.tenant_id)
        if values:
            await self.check_refs(session, who.tenant_id, values, rules)
        settings = await wo_config.settings_of(session, who.tenant_id)
        number = await wo_store.issue_number(session, who.tenant_id, now, settings.get("number_prefix", ""))
        actor = Actor(who.user_id, ROLE_OF.get(who.role, Role.AGENT))
        order, created = WorkOrder.open(
            str(uuid.uuid4()),
            who.tenant_id,
            number,
            actor,
            now,
            channel=channel,
            call_id=call_id,
            caller_number=caller_number,
            call_ended_at=ended_at,
        )
        events: list[Event] = [created]
        if values:
            events += _as_list(order.edit(actor, now, values, rules))
        stored = await wo_store.add(session, order, parent_id)
        await self.finish(session, [stored], events)
        return stored

    async def edit(self, session: AsyncSession, who: Person, ref: str, changes: Mapping[str, Any]) -> Stored:
        """Change content; malformed values are refused all at once and the draft stays as it was."""
        rules = await wo_config.content_rules(session, who.tenant_id)
        await self.check_refs(session, who.tenant_id, changes, rules)
        return await self.change(session, who, ref, "edit", lambda o, a, now: o.edit(a, now, changes, rules))

    async def submit(self, session: AsyncSession, who: Person, ref: str) -> Stored:
        """Every missing or offending field in one 422; complaint/help/urgent then go to the
        leader on duty (or the responsible unit's head) at once."""
        rules = await wo_config.content_rules(session, who.tenant_id)
        roster = await wo_config.roster(session, who.tenant_id)
        heads = await wo_config.unit_heads(session, who.tenant_id)
        return await self.change(
            session, who, ref, "submit", lambda o, a, now: submit_and_route(o, a, now, rules, roster, heads)
        )

    # ---- the flow ----------------------------------------------------------------------------------

    async def assign(
        self, session: AsyncSession, who: Person, ref: str, kind: str, target: str | None, note: str = ""
    ) -> Stored:
        """转办 to a user, a unit, or ``leader``: whoever the duty roster says is on duty now."""
        if kind == "leader":
            target = (await wo_config.roster(session, who.tenant_id)).on_duty(self.clock.now())
            if target is None:
                raise Invalid("no_leader_on_duty", "no shift leader is on duty now", fields=["assignee"])
            to = Assignee.user(target)
        elif kind == "user" and target:
            to = Assignee.user((await wo_config.check_user(session, who.tenant_id, target, "id")).id)
        elif kind == "unit" and target:
            to = Assignee.unit((await wo_config.get_unit(session, who.tenant_id, target)).id)
        else:
            raise Invalid(
                "assignee_required",
                "name a user or a unit, or ask for the leader on duty",
                fields=["assignee"],
            )
        return await self.change(session, who, ref, "assign", lambda o, a, now: o.assign(a, now, to, note))

    async def simple(self, session: AsyncSession, who: Person, ref: str, action: str, **kw: Any) -> Stored:
        """accept, return, start, close, visit, reopen, supervise, comment, claim."""
        if action not in SIMPLE_ACTIONS:
            raise ValueError(f"not a simple work-order action: {action}")
        method = {"return": "return_order"}.get(action, action)
        return await self.change(
            session, who, ref, action, lambda o, a, now: getattr(o, method)(a, now, **kw)
        )

    async def reply(self, session: AsyncSession, who: Person, ref: str, text: str, cause: str = "") -> Stored:
        stored = await self.change(
            session, who, ref, "reply", lambda o, a, now: o.reply(a, now, text, cause=cause)
        )
        # a promise to the customer is kept by the answer (the clock is the app's, see promise())
        promised = [clock_id(stored.order.id, "promised")]
        await self._after_commit(session, self.sla.meet(who.tenant_id, promised, self.clock.now()))
        return stored

    async def promise(
        self, session: AsyncSession, who: Person, ref: str, due: float, note: str = ""
    ) -> Stored:
        """承诺时限 (NORMS §4.9: whoever promises a time tracks it): a comment on the timeline
        says who promised what, and a ``promised`` clock warns before it runs out."""
        now = self.clock.now()
        if due <= now:
            raise Invalid("due_in_past", "a promised time lies in the future", fields=["due"])
        text = f"承诺时限 {iso(due)}" + (f"：{note}" if note else "")

        def apply(order: WorkOrder, actor: Actor, at: float) -> Event:
            if order.state not in OPEN_STATES:
                raise Invalid("order_finished", "promise times only on open orders", fields=["due"])
            return order.comment(actor, at, text)

        stored = await self.change(session, who, ref, "comment", apply)
        await self._after_commit(session, self.sla.promise(who.tenant_id, stored.order.id, due, now))
        return stored

    async def merge(self, session: AsyncSession, who: Person, ref: str, into: str) -> tuple[Stored, Stored]:
        """重复件: ``ref`` goes on in ``into``; both keep their timelines. Rows are locked in
        id order so that two merges of the same pair cannot deadlock."""
        now = self.clock.now()
        first = await wo_store.find_row(session, who.tenant_id, ref)
        second = await wo_store.find_row(session, who.tenant_id, into)
        loaded = {}
        for row_id in sorted({first.id, second.id}):
            loaded[row_id] = await wo_store.load(session, who.tenant_id, row_id, lock=True)
        duplicate, target = loaded[first.id], loaded[second.id]
        actor = await actor_for(session, who, duplicate.order, "merge")
        events = merge_duplicate(duplicate.order, target.order, actor, now)
        await self.finish(session, [duplicate, target], events)
        return duplicate, target

    async def attach(
        self, session: AsyncSession, who: Person, ref: str, name: str, content_type: str, data: bytes
    ) -> Stored:
        """Keep the file, then the row; if the order refuses it, the file goes again."""
        stored = await wo_store.load(session, who.tenant_id, ref, lock=True)
        actor = await actor_for(session, who, stored.order, "attach")
        stored.order.check("attach", actor)
        key, digest = await self.files.put(who.tenant_id, stored.order.id, data)
        try:
            now = self.clock.now()
            attachment = Attachment(
                str(uuid.uuid4()),
                name.strip()[:255] or "file",
                content_type or "application/octet-stream",
                len(data),
                key,
            )
            stored.files[attachment.id] = FileMeta(digest, who.user_id, now)
            event = stored.order.attach(actor, now, attachment)
            await self.finish(session, [stored], [event])
        except BaseException:
            await self.files.remove(key)
            raise
        return stored
