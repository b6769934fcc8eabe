"""Break requests (NORMS §5): agents ask the leader before leaving the seat.

An approved break is started by the agent (the desktop's "start" button: the agent goes not
ready with the break's reason, so nobody is pulled off the floor while they finish something)
and ends when the agent is no longer not ready. :class:`FloorService` keeps the started
breaks in memory for the norm rules, which then count an absence against the approved
minutes; it learns of a break only once the break is stored.

The use cases take the request's unit and commit it; the ``break_updated`` event goes out
after the commit, so the live stream never shows what the database does not have.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from helpline.app.acd.center_service import CenterService
from helpline.app.clock import Clock
from helpline.app.floor.ports import FloorUnit, FloorUnits
from helpline.app.floor.views import break_dict, user_names
from helpline.app.people.security import role_at_least
from helpline.app.timefmt import as_datetime
from helpline.app.workorders.service import Person
from helpline.domain.acd.agent import ON_CALL, AgentState
from helpline.domain.acd.center import ContactCenter
from helpline.domain.errors import Forbidden, Invalid, InvalidTransition, NotFound
from helpline.domain.events import Event
from helpline.domain.floor.events import BreakUpdated
from helpline.domain.floor.norms import BreakView
from helpline.domain.floor.records import OPEN_BREAKS, BreakRequest, check_minutes, checked_note


async def list_breaks(uow: FloorUnit, who: Person, status: str | None, mine: bool) -> list[dict[str, Any]]:
    """Leaders see the tenant's requests, agents (or ``mine``) their own; ``status="open"``:
    pending, approved or started."""
    agent_id = who.user_id if mine or not role_at_least(who.role, "leader") else None
    statuses = OPEN_BREAKS if status == "open" else (status,) if status else None
    found = await uow.breaks.list(agent_id=agent_id, statuses=statuses)
    names = await user_names(uow.users)
    return [break_dict(request, names) for request in found]


class FloorService:
    """The break use cases, and the breaks running now in every tenant (rebuilt at start, so
    a restart during a break keeps counting it)."""

    def __init__(self, units: FloorUnits, clock: Clock, centers: CenterService) -> None:
        self.units = units
        self.clock = clock
        self.centers = centers
        self.active: dict[str, dict[str, tuple[int, BreakView]]] = {}  # tenant -> agent -> started break
        self.version = 0  # moves on whenever the started breaks change (norm alerts look again)

    async def load(self, tenant_id: str) -> None:
        """Remember the tenant's started breaks."""
        async with self.units(tenant_id) as uow:
            for request in await uow.breaks.started():
                self._remember(request)

    def _remember(self, request: BreakRequest) -> None:
        self.version += 1
        self.active.setdefault(request.tenant_id, {})[request.agent_id] = (request.id, request.view())

    def breaks_of(self, tenant_id: str) -> list[BreakView]:
        return [view for _, view in self.active.get(tenant_id, {}).values()]

    async def request_break(
        self, uow: FloorUnit, who: Person, reason: str, minutes: int, note: str
    ) -> dict[str, Any]:
        """The agent asks; one request open at a time. Commits."""
        reason, note = reason.strip(), checked_note(note)
        reasons: set[str] = await self.centers.read(who.tenant_id, lambda c, now: set(c.not_ready_reasons))
        if reason not in reasons:
            raise Invalid(
                "unknown_reason",
                f"unknown not-ready reason {reason!r}",
                field="reason",
                allowed=sorted(reasons),
            )
        check_minutes(await uow.norm_policy.get(), reason, minutes)
        open_one = await uow.breaks.open_of(who.user_id)
        if open_one is not None:
            raise InvalidTransition("break_open", "you already have a break request open", id=open_one)
        now = as_datetime(self.clock.now())
        request = await uow.breaks.add(
            BreakRequest(0, uow.tenant_id, who.user_id, reason, minutes, now, note)
        )
        return await self._stored(uow, request)

    async def _stored(self, uow: FloorUnit, request: BreakRequest) -> dict[str, Any]:
        """Announce ``request`` as it now stands, and commit."""
        data = break_dict(request, await user_names(uow.users))
        uow.publish([self._event(uow.tenant_id, data)])
        await uow.commit()
        return data

    def _event(self, tenant_id: str, data: dict[str, Any]) -> BreakUpdated:
        return BreakUpdated(tenant_id=tenant_id, at=self.clock.now(), agent_id=data["agent_id"], request=data)

    async def _visible(self, uow: FloorUnit, who: Person, break_id: int, own: bool) -> BreakRequest:
        """The request, when ``who`` may see it (``own``: only when it is theirs)."""
        request = await uow.breaks.get(break_id)
        mine = request is not None and request.agent_id == who.user_id
        if request is None or not (mine or (not own and role_at_least(who.role, "leader"))):
            raise NotFound("break_not_found", "no such break request", id=break_id)
        return request

    async def decide(
        self, uow: FloorUnit, who: Person, break_id: int, approve: bool, note: str
    ) -> dict[str, Any]:
        """The leader approves or refuses a pending request; the agent is told at once. Commits."""
        if not role_at_least(who.role, "leader"):
            raise Forbidden("role_required", "requires role leader or higher", role="leader")
        note = checked_note(note)
        request = await self._visible(uow, who, break_id, own=False)
        request.decide(approve, who.user_id, note, as_datetime(self.clock.now()))
        await uow.breaks.save(request)
        return await self._stored(uow, request)

    async def cancel(self, uow: FloorUnit, who: Person, break_id: int) -> dict[str, Any]:
        """The agent withdraws their pending or approved request. Commits."""
        request = await self._visible(uow, who, break_id, own=True)
        request.cancel()
        await uow.breaks.save(request)
        return await self._stored(uow, request)

    async def start(self, uow: FloorUnit, who: Person, break_id: int) -> dict[str, Any]:
        """The agent leaves on an approved break: not ready with its reason, from now. Commits;
        the break counts on the floor once stored."""
        request = await self._visible(uow, who, break_id, own=True)
        request.check_startable()
        await self.centers.execute(who.tenant_id, _leave(who.user_id, request.reason))
        request.start(as_datetime(self.clock.now()))
        await uow.breaks.save(request)
        uow.after_commit(lambda: self._remember(request))
        return await self._stored(uow, request)

    async def end_breaks(self, tenant_id: str, agent_ids: list[str], now: float) -> None:
        """The agents came back (they are no longer not ready): their breaks end. Commits a
        unit of its own (the timer loop asks, not a request)."""
        active = self.active.get(tenant_id, {})
        ended: list[BreakUpdated] = []
        async with self.units(tenant_id) as uow:
            names = await user_names(uow.users)
            for agent_id in agent_ids:
                request = await uow.breaks.get(active[agent_id][0]) if agent_id in active else None
                if request is not None and request.end(as_datetime(now)):
                    await uow.breaks.save(request)
                    ended.append(self._event(tenant_id, break_dict(request, names)))
            uow.publish(ended)
            await uow.commit()
        for agent_id in agent_ids:  # forgotten once stored, so a failed write is tried again
            active.pop(agent_id, None)
        self.version += 1

    def back_from_break(self, tenant_id: str, center: ContactCenter) -> list[str]:
        """Agents on a started break who are no longer not ready (read under the center's lock)."""
        out = []
        for agent_id, (_, view) in self.active.get(tenant_id, {}).items():
            agent = center.agents.get(agent_id)
            left = agent is None or agent.state is not AgentState.NOT_READY
            if left or (agent is not None and agent.state_since > view.started_at + 1):
                out.append(agent_id)
        return out


def _leave(agent_id: str, reason: str) -> Callable[[ContactCenter, float], list[Event]]:
    """The center's command for an agent leaving on a break: not ready with its reason."""

    def go(center: ContactCenter, now: float) -> list[Event]:
        agent = center.agent(agent_id)
        if agent.state in ON_CALL:
            raise InvalidTransition("on_call", "finish the current call first")
        if agent.state is AgentState.LOGGED_OUT:
            raise InvalidTransition("logged_out", "sign in to the phone first")
        return center.not_ready(agent_id, reason, now)

    return go
