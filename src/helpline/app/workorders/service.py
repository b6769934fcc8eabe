"""Work-order use cases: load the order, let the domain change it, save it, commit; the unit
then publishes its events, and the SLA clocks are fed and publish theirs.

Every rule is the domain's (:mod:`helpline.domain.workorders.order`); this layer finds the order
in the unit's tenant (another tenant's is a 404), turns the signed-in user into the
domain's :class:`Actor`, gathers the tenant's configuration (content rules, duty roster,
unit heads) and checks that references (customer, unit, user, parent) exist. A refused
change raises before anything is written; the unit rolls back.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import structlog

from helpline.app.clock import Clock
from helpline.app.ports import EventBus
from helpline.app.timefmt import iso
from helpline.app.workorders import config as wo_config
from helpline.app.workorders.files import AttachmentFiles
from helpline.app.workorders.notify import Audience, address, audience
from helpline.app.workorders.ports import WorkOrdersUnit
from helpline.app.workorders.search import index_orders
from helpline.app.workorders.sla import SlaService
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
from helpline.domain.workorders.records import FileMeta
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


async def actor_for(uow: WorkOrdersUnit, who: Person, order: WorkOrder, action: str) -> Actor:
    """The domain actor for ``who`` doing ``action`` on ``order``. An agent who holds the
    order (its assigned user, or a handler of its assigned unit) signs for, returns, works
    and answers it as the ``department`` role; otherwise the user's own role applies."""
    role = ROLE_OF.get(who.role, Role.AGENT)
    held = order.assignee
    if role is Role.AGENT and action in HANDLER_ACTIONS and held is not None:
        if held.kind is AssigneeKind.USER and held.id == who.user_id:
            return Actor(who.user_id, Role.DEPARTMENT)
        if held.kind is AssigneeKind.UNIT and held.id in await uow.workorder_config.handler_units(
            who.user_id
        ):
            return Actor(who.user_id, Role.DEPARTMENT, held.id)
    return Actor(who.user_id, role)


def as_list(result: Event | Sequence[Event] | None) -> list[Event]:
    if result is None:
        return []
    return [result] if isinstance(result, Event) else list(result)


class WorkOrderService:
    def __init__(self, clock: Clock, bus: EventBus, sla: SlaService, files: AttachmentFiles) -> None:
        self.clock = clock
        self.bus = bus
        self.sla = sla
        self.files = files

    # ---- the one path of every change ------------------------------------------------------------

    async def finish(
        self,
        uow: WorkOrdersUnit,
        orders: Sequence[WorkOrder],
        events: Sequence[Event],
        *,
        sla_events: Sequence[Event] | None = None,
        files: Mapping[str, FileMeta] | None = None,
    ) -> None:
        """Save, index, commit; the unit publishes the orders' events, then the clocks are fed
        and theirs published (an order's change is not held back while its clocks are
        stored). ``sla_events`` narrows what the clocks are fed (default: everything)."""
        await uow.workorders.save(orders, files)
        changed = {e.order_id for e in events if isinstance(e, CONTENT_EVENTS)}
        await index_orders(uow, [order for order in orders if order.id in changed])
        heard = await audience(uow, orders)
        uow.publish(address(heard, events))
        fed = list(events if sla_events is None else sla_events)
        uow.after_commit(lambda: self._feed(heard, fed, [order.id for order in orders]))
        await uow.commit()

    async def _feed(self, heard: Audience, events: Sequence[Event], order_ids: list[str]) -> None:
        """After the commit: a failure from here on is logged, not answered."""
        try:
            clocks = await self.sla.feed(events)
            if clocks:
                self.bus.publish(address(heard, clocks))
        except Exception:
            log.exception("workorder_after_commit_failed", order_ids=order_ids)

    async def change(
        self, uow: WorkOrdersUnit, who: Person, ref: str, action: str, apply: Change
    ) -> WorkOrder:
        now = self.clock.now()
        order = await uow.workorders.get(ref, lock=True)
        actor = await actor_for(uow, who, order, action)
        events = as_list(apply(order, actor, now))
        if events:
            await self.finish(uow, [order], events)
        return order

    # ---- creating and editing ----------------------------------------------------------------------

    async def check_refs(self, uow: WorkOrdersUnit, changes: Mapping[str, Any], rules: ContentRules) -> None:
        """Malformed values (the domain's verdict) and references to nothing, all in one 422."""
        _, problems = coerce_changes(changes, rules)
        customer = changes.get("customer_id")
        if isinstance(customer, str) and customer and not await uow.workorder_peers.customer_exists(customer):
            problems.append(Problem("customer_id", "unknown_customer", "no such customer"))
        unit = changes.get("unit_id")
        if isinstance(unit, str) and unit and await uow.workorder_config.unit(unit) is None:
            problems.append(Problem("unit_id", "unknown_unit", "no such unit"))
        if problems:
            raise refuse(problems, "invalid_changes")

    async def create(
        self,
        uow: WorkOrdersUnit,
        who: Person,
        *,
        channel: Channel = Channel.PHONE,
        call_id: str | None = None,
        caller_number: str | None = None,
        parent_id: str | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> WorkOrder:
        """A draft opened by hand (manual, e-mail, missed call): ``who`` is its first-contact owner."""
        now = self.clock.now()
        ended_at = None
        if call_id:
            call = await uow.workorder_peers.call(call_id)
            if call is None:
                raise NotFound("call_not_found", f"no call {call_id}", call_id=call_id)
            number, ended_at = call
            caller_number = caller_number or number
        if parent_id:
            parent_id = await uow.workorders.id_of(parent_id)
        rules = await wo_config.content_rules(uow)
        if values:
            await self.check_refs(uow, values, rules)
        settings = await wo_config.settings_of(uow)
        [number] = await uow.workorders.issue_numbers(now, 1, settings.get("number_prefix", ""))
        actor = Actor(who.user_id, ROLE_OF.get(who.role, Role.AGENT))
        order, created = WorkOrder.open(
            str(uuid.uuid4()),
            uow.tenant_id,
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
            events += as_list(order.edit(actor, now, values, rules))
        await uow.workorders.add([order], parent_id)
        await self.finish(uow, [order], events)
        return order

    async def edit(self, uow: WorkOrdersUnit, who: Person, ref: str, changes: Mapping[str, Any]) -> WorkOrder:
        """Change content; malformed values are refused all at once and the draft stays as it was."""
        rules = await wo_config.content_rules(uow)
        await self.check_refs(uow, changes, rules)
        return await self.change(uow, who, ref, "edit", lambda o, a, now: o.edit(a, now, changes, rules))

    async def submit(self, uow: WorkOrdersUnit, who: Person, ref: str) -> WorkOrder:
        """Every missing or offending field in one 422; complaint/help/urgent then go to the
        leader on duty (or the responsible unit's head) at once."""
        rules = await wo_config.content_rules(uow)
        roster = await wo_config.roster(uow)
        heads = await wo_config.unit_heads(uow)
        return await self.change(
            uow, who, ref, "submit", lambda o, a, now: submit_and_route(o, a, now, rules, roster, heads)
        )

    # ---- the flow ----------------------------------------------------------------------------------

    async def assign(
        self, uow: WorkOrdersUnit, who: Person, ref: str, kind: str, target: str | None, note: str = ""
    ) -> WorkOrder:
        """转办 to a user, a unit, or ``leader``: whoever the duty roster says is on duty now."""
        if kind == "leader":
            target = (await wo_config.roster(uow)).on_duty(self.clock.now())
            if target is None:
                raise Invalid("no_leader_on_duty", "no shift leader is on duty now", fields=["assignee"])
            to = Assignee.user(target)
        elif kind == "user" and target:
            to = Assignee.user((await wo_config.check_user(uow, target, "id")).id)
        elif kind == "unit" and target:
            to = Assignee.unit((await wo_config.get_unit(uow, target)).id)
        else:
            raise Invalid(
                "assignee_required",
                "name a user or a unit, or ask for the leader on duty",
                fields=["assignee"],
            )
        return await self.change(uow, who, ref, "assign", lambda o, a, now: o.assign(a, now, to, note))

    async def simple(self, uow: WorkOrdersUnit, who: Person, ref: str, action: str, **kw: Any) -> WorkOrder:
        """accept, return, start, close, visit, reopen, supervise, comment, claim."""
        if action not in SIMPLE_ACTIONS:
            raise ValueError(f"not a simple work-order action: {action}")
        method = {"return": "return_order"}.get(action, action)
        return await self.change(uow, who, ref, action, lambda o, a, now: getattr(o, method)(a, now, **kw))

    async def reply(
        self, uow: WorkOrdersUnit, who: Person, ref: str, text: str, cause: str = ""
    ) -> WorkOrder:
        order = await self.change(
            uow, who, ref, "reply", lambda o, a, now: o.reply(a, now, text, cause=cause)
        )
        # a promise to the customer is kept by the answer (the clock is the app's, see promise())
        promised = [clock_id(order.id, "promised")]
        await self._clocks_after(uow, order, self.sla.meet(uow.tenant_id, promised, self.clock.now()))
        return order

    async def _clocks_after(
        self, uow: WorkOrdersUnit, order: WorkOrder, clocks: Awaitable[list[Event]]
    ) -> None:
        """Run an SLA change that follows a committed order change, and publish its events."""
        try:
            events = await clocks
            if events:
                self.bus.publish(address(await audience(uow, [order]), events))
        except Exception:
            log.exception("workorder_after_commit_failed")

    async def promise(
        self, uow: WorkOrdersUnit, who: Person, ref: str, due: float, note: str = ""
    ) -> WorkOrder:
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

        order = await self.change(uow, who, ref, "comment", apply)
        await self._clocks_after(uow, order, self.sla.promise(uow.tenant_id, order.id, due, now))
        return order

    async def merge(
        self, uow: WorkOrdersUnit, who: Person, ref: str, into: str
    ) -> tuple[WorkOrder, WorkOrder]:
        """重复件: ``ref`` goes on in ``into``; both keep their timelines. Rows are locked in
        id order so that two merges of the same pair cannot deadlock."""
        now = self.clock.now()
        first, second = await uow.workorders.id_of(ref), await uow.workorders.id_of(into)
        loaded = {}
        for order_id in sorted({first, second}):
            loaded[order_id] = await uow.workorders.get(order_id, lock=True)
        duplicate, target = loaded[first], loaded[second]
        actor = await actor_for(uow, who, duplicate, "merge")
        events = merge_duplicate(duplicate, target, actor, now)
        await self.finish(uow, [duplicate, target], events)
        return duplicate, target

    async def attach(
        self, uow: WorkOrdersUnit, who: Person, ref: str, name: str, content_type: str, data: bytes
    ) -> WorkOrder:
        """Keep the file, then the row; if the order refuses it, the file goes again."""
        order = await uow.workorders.get(ref, lock=True)
        actor = await actor_for(uow, who, order, "attach")
        order.check("attach", actor)
        key, digest = await self.files.put(uow.tenant_id, order.id, data)
        try:
            now = self.clock.now()
            attachment = Attachment(
                str(uuid.uuid4()),
                name.strip()[:255] or "file",
                content_type or "application/octet-stream",
                len(data),
                key,
            )
            event = order.attach(actor, now, attachment)
            files = {attachment.id: FileMeta(digest, who.user_id, now)}
            await self.finish(uow, [order], [event], files=files)
        except BaseException:
            await self.files.remove(key)
            raise
        return order

    async def download(self, uow: WorkOrdersUnit, ref: str, attachment_id: str) -> tuple[Attachment, Path]:
        """An attachment of the order and where its bytes are (the web layer sends them)."""
        order_id = await uow.workorders.id_of(ref)
        found = await uow.workorders.attachment(order_id, attachment_id)
        if found is None:
            raise NotFound(
                "attachment_not_found", f"no attachment {attachment_id}", attachment_id=attachment_id
            )
        attachment, _ = found
        return attachment, self.files.path(attachment.storage_key)
