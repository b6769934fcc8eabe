"""Norm alerts as they happen: the rules of :mod:`helpline.domain.floor.norms` run on the live
contact centers, and the SLA board's breaches of the 15-minute clocks become alerts too.

The service keeps no timer of its own: it is a deadline source and a tick hook of the
:class:`CenterService` loop, which wakes when the next norm falls due and after every
command. A look at the floor is a pass over every agent and call, so while the floor keeps
changing it is taken at most every ``LOOK_INTERVAL`` of the clock, not after each of a busy
floor's hundreds of commands a second; a norm is then late by that much at most.
Each alert is stored (``norm_alerts``) and then published as a ``norm_alert``
event; leaders list and acknowledge them. SLA events arrive on the bus (the SLA service
publishes them); a listener per tenant turns a breach of the completion clock into
``order_not_completed`` and a breach of the callback clock into ``callback_due``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any

import structlog

from helpline.app.acd.center_service import CenterService
from helpline.app.clock import Clock
from helpline.app.floor.breaks import FloorService
from helpline.app.floor.ports import FloorUnit, FloorUnits
from helpline.app.floor.views import alert_dict, today_start, user_names
from helpline.app.ports import EventBus
from helpline.app.timefmt import as_datetime
from helpline.domain.acd.center import ContactCenter
from helpline.domain.errors import NotFound
from helpline.domain.events import Event
from helpline.domain.floor.events import NormAlert, NormAlertAcknowledged
from helpline.domain.floor.norms import (
    CALLBACK_DUE,
    ORDER_NOT_COMPLETED,
    AgentView,
    CallView,
    FloorSnapshot,
    NormPolicy,
    NormWatch,
    Occurrence,
)
from helpline.domain.floor.records import StoredAlert

log = structlog.get_logger("helpline.norms")
# kind, agent, call, order, detail
Raised = tuple[str, str | None, str | None, str | None, dict[str, Any]]
SLA_ALERTS = {"completion": ORDER_NOT_COMPLETED, "callback": CALLBACK_DUE}
LOOK_INTERVAL = 0.25  # seconds of the clock between two looks at a changing floor


def floor_snapshot(center: ContactCenter, floor: FloorService) -> FloorSnapshot:
    agents = tuple(AgentView(a.id, a.state.value, a.state_since, a.reason) for a in center.agents.values())
    calls = tuple(
        CallView(c.id, c.state.value, c.agent_id, tuple(sorted(c.offered_to)), c.offered_at, c.held_since)
        for c in center.calls.values()
        if not c.is_final
    )
    return FloorSnapshot(agents, calls, tuple(floor.breaks_of(center.tenant_id)))


class NormAlertService:
    def __init__(
        self,
        units: FloorUnits,
        clock: Clock,
        bus: EventBus,
        centers: CenterService,
        floor: FloorService,
        platform_tenant: str = "default",
    ) -> None:
        self.units = units
        self.platform_tenant = platform_tenant  # the unit the list of tenants is read in
        self.clock = clock
        self.bus = bus
        self.centers = centers
        self.floor = floor
        self.watches: dict[str, NormWatch] = {}
        self._listeners: dict[str, asyncio.Task[None]] = {}
        self.live = False
        self._lock = asyncio.Lock()
        self._due: float | None = None  # the earliest norm due, as of the last look
        self._changed = True  # the floor changed since the last look
        self._looked_at = float("-inf")
        self._breaks_seen = -1  # the floor service's version of the breaks at the last look

    def watch(self, tenant_id: str) -> NormWatch:
        watch = self.watches.get(tenant_id)
        if watch is None:
            watch = self.watches[tenant_id] = NormWatch()
        return watch

    # ---- start and stop -------------------------------------------------------------------------

    async def start(self) -> None:
        """Load every tenant's limits, hook into the center's timer loop, listen for SLA breaches."""
        async with self.units(self.platform_tenant) as uow:
            tenant_ids = [tenant.id for tenant in await uow.tenants.list()]
        for tenant_id in tenant_ids:
            async with self.units(tenant_id) as uow:
                self.watch(tenant_id).policy = await uow.norm_policy.get()
            await self.floor.load(tenant_id)
            self._listen(tenant_id)
        self.live = True
        self.centers.deadline_sources.append(self.next_due)
        self.centers.tick_hooks.append(self._on_tick)
        self.centers.dispatch_hooks.append(self._on_events)
        self.centers.wake()

    async def stop(self) -> None:
        self.live = False
        if self.next_due in self.centers.deadline_sources:
            self.centers.deadline_sources.remove(self.next_due)
        if self._on_tick in self.centers.tick_hooks:
            self.centers.tick_hooks.remove(self._on_tick)
        if self._on_events in self.centers.dispatch_hooks:
            self.centers.dispatch_hooks.remove(self._on_events)
        for task in self._listeners.values():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._listeners.clear()

    async def save_policy(self, uow: FloorUnit, values: dict[str, Any]) -> NormPolicy:
        """Store the tenant's floor limits (what ``values`` lacks takes the NORMS default);
        the live rules use them once stored. Commits."""
        policy = NormPolicy.from_settings(values)
        await uow.norm_policy.save(policy)
        tenant_id = uow.tenant_id
        uow.after_commit(lambda: self.set_policy(tenant_id, policy))
        await uow.commit()
        return policy

    def set_policy(self, tenant_id: str, policy: NormPolicy) -> None:
        self.watch(tenant_id).policy = policy
        self._changed = True
        self.centers.wake()  # the next deadline may be sooner now

    # ---- the floor rules ------------------------------------------------------------------------

    def _on_events(self, events: Sequence[Event]) -> None:
        """A dispatch hook: the floor changed (inside the center's lock: just note it)."""
        self._changed = True

    def _stale(self) -> bool:
        return self._changed or self.floor.version != self._breaks_seen

    def next_due(self) -> float | None:
        """When the floor is next looked at (the timer loop's question): the earliest norm due
        as of the last look, or sooner, when the floor has changed since, the next look."""
        if self._stale():
            soon = self._looked_at + LOOK_INTERVAL
            return soon if self._due is None else min(self._due, soon)
        return self._due

    async def _on_tick(self) -> None:
        now = self.clock.now()
        due = self._due is not None and now >= self._due
        if due or (self._stale() and now >= self._looked_at + LOOK_INTERVAL):
            await self.check(now)

    async def check(self, now: float | None = None) -> list[dict[str, Any]]:
        """Raise what fell due by ``now`` (default: the clock's now); tests pass a time."""
        async with self._lock:  # the timer loop and a test may both ask
            return await self._check(now)

    async def _check(self, now: float | None) -> list[dict[str, Any]]:
        at = self.clock.now() if now is None else now
        self._changed, self._breaks_seen, self._looked_at = False, self.floor.version, at
        raised: list[dict[str, Any]] = []
        dues: list[float] = []
        for tenant_id in list(self.centers.centers):
            if self.live:
                self._listen(tenant_id)

            def read(
                center: ContactCenter, _now: float, tenant_id: str = tenant_id
            ) -> tuple[list[Occurrence], list[str], float | None]:
                back = self.floor.back_from_break(tenant_id, center)
                snapshot, watch = floor_snapshot(center, self.floor), self.watch(tenant_id)
                return watch.check(snapshot, at), back, watch.next_due(snapshot)

            due, back, next_due = await self.centers.read(tenant_id, read)
            if next_due is not None:
                dues.append(next_due)
            if back:
                await self.floor.end_breaks(tenant_id, back, at)
            raised += await self._raise(
                tenant_id, [(o.kind, o.agent_id, o.call_id, None, o.detail) for o in due], at
            )
        self._due = min(dues) if dues else None
        return raised

    async def _raise(self, tenant_id: str, alerts: list[Raised], now: float) -> list[dict[str, Any]]:
        """Store the alerts, then announce them (a unit of their own: the timer loop or the SLA
        listener asks, not a request)."""
        if not alerts:
            return []
        at = as_datetime(now)
        async with self.units(tenant_id) as uow:
            stored = await uow.norm_alerts.add_all(
                [
                    StoredAlert(0, tenant_id, kind, at, agent_id, call_id, order_ref, detail)
                    for kind, agent_id, call_id, order_ref, detail in alerts
                ]
            )
            names = await user_names(uow.users)
            out = [alert_dict(alert, names) for alert in stored]
            uow.publish([_announced(tenant_id, now, a) for a in out])
            await uow.commit()
        return out

    # ---- SLA breaches of the order clocks -------------------------------------------------------

    def _listen(self, tenant_id: str) -> None:
        if tenant_id not in self._listeners:
            self._listeners[tenant_id] = asyncio.create_task(
                self._sla_listener(tenant_id), name=f"norm-sla-{tenant_id}"
            )

    async def _sla_listener(self, tenant_id: str) -> None:
        subscription = self.bus.subscribe(tenant_id)
        try:
            while True:
                _, event = await subscription.get()
                try:
                    await self.on_sla_event(tenant_id, event)
                except Exception:  # one bad event must not stop the listener
                    log.exception("norm_sla_alert_failed", event=event.get("type"))
        finally:
            subscription.close()

    async def on_sla_event(self, tenant_id: str, event: dict[str, Any]) -> list[dict[str, Any]]:
        kind = SLA_ALERTS.get(event.get("kind", "")) if event.get("type") == "sla_breached" else None
        if kind is None:
            return []
        detail = {"due": event.get("due"), "clock_id": event.get("clock_id")}
        return await self._raise(
            tenant_id,
            [(kind, event.get("owner_id") or event.get("assignee_id"), None, event.get("order_id"), detail)],
            float(event.get("at") or 0.0) or self.clock.now(),
        )

    # ---- reading and acknowledging --------------------------------------------------------------

    async def list(self, uow: FloorUnit, scope: str) -> list[dict[str, Any]]:
        """``today``: raised since local midnight; ``open``: not yet acknowledged (any day)."""
        if scope == "open":
            found = await uow.norm_alerts.list(unacknowledged=True)
        else:
            found = await uow.norm_alerts.list(since=today_start(self.clock.now()))
        names = await user_names(uow.users)
        return [alert_dict(alert, names) for alert in found]

    async def acknowledge(self, uow: FloorUnit, alert_id: int, user_id: str) -> dict[str, Any]:
        """A leader has seen the alert (the first acknowledgement counts). Commits."""
        alert = await uow.norm_alerts.get(alert_id)
        if alert is None:
            raise NotFound("alert_not_found", "no such alert", id=alert_id)
        now = self.clock.now()
        alert.acknowledge(user_id, as_datetime(now))
        await uow.norm_alerts.save(alert)
        data = alert_dict(alert, await user_names(uow.users))
        uow.publish([NormAlertAcknowledged(tenant_id=uow.tenant_id, at=now, id=alert_id, by=user_id)])
        await uow.commit()
        return data


def _announced(tenant_id: str, now: float, alert: dict[str, Any]) -> NormAlert:
    """The ``norm_alert`` event of a stored alert: its detail carries the agent's name."""
    return NormAlert(
        tenant_id=tenant_id,
        at=now,
        id=alert["id"],
        kind=alert["kind"],
        agent_id=alert["agent_id"],
        call_id=alert["call_id"],
        order_ref=alert["order_ref"],
        detail={**alert["detail"], "agent_name": alert["agent_name"]},
    )
