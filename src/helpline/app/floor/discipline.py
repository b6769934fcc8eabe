"""Floor discipline (NORMS §5): agents ask the leader before leaving the seat, and the leader
sends messages to one agent or to all (坐席消息).

Break requests go pending -> approved | refused | cancelled; an approved break is started by
the agent (the desktop's "start" button: the agent goes not ready with the break's reason,
so nobody is pulled off the floor while they finish something) and ends when the agent is
no longer not ready. Started breaks are kept in memory as :class:`BreakView` for the norm
rules: the absence alert then counts against the approved minutes.

Every change is committed before its event is published, so the live stream never shows
what the database does not have.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpline.adapters.db.tables.floor import AgentMessage, BreakRequest
from helpline.adapters.db.tables.people import Tenant, User
from helpline.app.acd.center_service import CenterService
from helpline.app.clock import Clock
from helpline.app.people.security import role_at_least
from helpline.app.ports import EventBus
from helpline.app.workorders.service import Person
from helpline.app.workorders.store import as_datetime, epoch
from helpline.domain.acd.agent import ON_CALL, AgentState
from helpline.domain.acd.center import ContactCenter
from helpline.domain.calendar import CHINA_TZ
from helpline.domain.errors import Forbidden, Invalid, InvalidTransition, NotFound
from helpline.domain.events import Event
from helpline.domain.floor.norms import BreakView, NormPolicy

SETTINGS_KEY = "floor"
OPEN_BREAKS = ("pending", "approved", "started")
MAX_MESSAGE = 500
MAX_NOTE = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class BreakUpdated(Event):
    """A break request as it now stands (requested, decided, started, ended or cancelled)."""

    topic: ClassVar[str] = "floor"
    agent_id: str
    request: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class LeaderMessage(Event):
    """A message from the leader; ``ids`` maps each recipient to their own row."""

    topic: ClassVar[str] = "floor"
    batch_id: str
    from_user_id: str
    from_name: str
    body: str
    to_all: bool
    agent_ids: tuple[str, ...]
    ids: dict[str, int]


def break_dict(row: BreakRequest, names: dict[str, str] | None = None) -> dict[str, Any]:
    started = epoch(row.started_at)
    return {
        "id": row.id,
        "agent_id": row.agent_id,
        "agent_name": (names or {}).get(row.agent_id, ""),
        "reason": row.reason,
        "minutes": row.minutes,
        "note": row.note,
        "status": row.status,
        "requested_at": row.requested_at.isoformat(),
        "decided_at": row.decided_at.isoformat() if row.decided_at else None,
        "decided_by": row.decided_by,
        "decision_note": row.decision_note,
        "started_at": row.started_at.isoformat() if row.started_at else None,
        "ended_at": row.ended_at.isoformat() if row.ended_at else None,
        "ends_at": started + row.minutes * 60 if started is not None else None,
    }


def message_dict(row: AgentMessage, names: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "id": row.id,
        "batch_id": row.batch_id,
        "from_user_id": row.from_user_id,
        "from_name": (names or {}).get(row.from_user_id, ""),
        "to_user_id": row.to_user_id,
        "to_all": row.to_all,
        "body": row.body,
        "created_at": row.created_at.isoformat(),
        "read_at": row.read_at.isoformat() if row.read_at else None,
    }


async def user_names(session: AsyncSession, tenant_id: str) -> dict[str, str]:
    rows = await session.execute(
        select(User.id, User.display_name, User.username).where(User.tenant_id == tenant_id)
    )
    return {uid: display or username for uid, display, username in rows.all()}


async def norm_policy(session: AsyncSession, tenant_id: str) -> NormPolicy:
    tenant = await session.get(Tenant, tenant_id)
    return NormPolicy.from_settings(((tenant.settings or {}) if tenant else {}).get(SETTINGS_KEY) or {})


class FloorService:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[AsyncSession],
        clock: Clock,
        bus: EventBus,
        centers: CenterService,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock
        self.bus = bus
        self.centers = centers
        self.active: dict[str, dict[str, tuple[int, BreakView]]] = {}  # tenant -> agent -> started break
        self.version = 0  # moves on whenever the started breaks change (norm alerts look again)

    # ---- settings -------------------------------------------------------------------------------

    async def save_policy(self, tenant_id: str, values: dict[str, Any]) -> NormPolicy:
        policy = NormPolicy.from_settings(values)
        async with self.sessionmaker() as session, session.begin():
            tenant = await session.get(Tenant, tenant_id)
            if tenant is None:
                raise NotFound("tenant_not_found", "no such tenant")
            tenant.settings = {**(tenant.settings or {}), SETTINGS_KEY: policy.as_dict()}
        return policy

    # ---- breaks ---------------------------------------------------------------------------------

    async def load_all(self) -> None:
        """Rebuild the started breaks (a restart during a break keeps counting it)."""
        async with self.sessionmaker() as session:
            rows = await session.scalars(select(BreakRequest).where(BreakRequest.status == "started"))
            for row in rows.all():
                self._remember(row)

    def _remember(self, row: BreakRequest) -> None:
        self.version += 1
        started = epoch(row.started_at) or 0.0
        self.active.setdefault(row.tenant_id, {})[row.agent_id] = (
            row.id,
            BreakView(row.agent_id, row.minutes, started, row.reason),
        )

    def breaks_of(self, tenant_id: str) -> list[BreakView]:
        return [view for _, view in self.active.get(tenant_id, {}).values()]

    async def request_break(self, who: Person, reason: str, minutes: int, note: str) -> dict[str, Any]:
        reason, note = reason.strip(), note.strip()
        if len(note) > MAX_NOTE:
            raise Invalid("note_too_long", f"the note is at most {MAX_NOTE} characters", field="note")
        reasons: set[str] = await self.centers.read(who.tenant_id, lambda c, now: set(c.not_ready_reasons))
        if reason not in reasons:
            raise Invalid(
                "unknown_reason",
                f"unknown not-ready reason {reason!r}",
                field="reason",
                allowed=sorted(reasons),
            )
        async with self.sessionmaker() as session, session.begin():
            policy = await norm_policy(session, who.tenant_id)
            longest = policy.max_minutes(reason)
            if not 1 <= minutes <= longest:
                raise Invalid(
                    "minutes_out_of_range",
                    f"a {reason} break is 1 to {longest} minutes (NORMS §5)",
                    field="minutes",
                    max=longest,
                )
            open_one = await session.scalar(
                select(BreakRequest.id).where(
                    BreakRequest.tenant_id == who.tenant_id,
                    BreakRequest.agent_id == who.user_id,
                    BreakRequest.status.in_(OPEN_BREAKS),
                )
            )
            if open_one is not None:
                raise InvalidTransition("break_open", "you already have a break request open", id=open_one)
            row = BreakRequest(
                tenant_id=who.tenant_id,
                agent_id=who.user_id,
                reason=reason,
                minutes=minutes,
                note=note,
                status="pending",
                decision_note="",
                requested_at=as_datetime(self.clock.now()),
            )
            session.add(row)
            await session.flush()
            data = break_dict(row, await user_names(session, who.tenant_id))
        self._publish(who.tenant_id, data)
        return data

    async def list_breaks(self, who: Person, status: str | None, mine: bool) -> list[dict[str, Any]]:
        async with self.sessionmaker() as session:
            stmt = select(BreakRequest).where(BreakRequest.tenant_id == who.tenant_id)
            if mine or not role_at_least(who.role, "leader"):
                stmt = stmt.where(BreakRequest.agent_id == who.user_id)
            if status == "open":
                stmt = stmt.where(BreakRequest.status.in_(OPEN_BREAKS))
            elif status:
                stmt = stmt.where(BreakRequest.status == status)
            rows = await session.scalars(stmt.order_by(BreakRequest.requested_at.desc()).limit(200))
            names = await user_names(session, who.tenant_id)
            return [break_dict(r, names) for r in rows.all()]

    async def _change(self, who: Person, break_id: int, change: Any) -> dict[str, Any]:
        async with self.sessionmaker() as session, session.begin():
            row = await session.get(BreakRequest, break_id)
            if row is None or row.tenant_id != who.tenant_id:
                raise NotFound("break_not_found", "no such break request", id=break_id)
            if not role_at_least(who.role, "leader") and row.agent_id != who.user_id:
                raise NotFound("break_not_found", "no such break request", id=break_id)
            await change(row)
            data = break_dict(row, await user_names(session, who.tenant_id))
        self._publish(who.tenant_id, data)
        return data

    async def decide(self, who: Person, break_id: int, approve: bool, note: str) -> dict[str, Any]:
        """The leader approves or refuses a pending request; the agent is told at once."""
        if not role_at_least(who.role, "leader"):
            raise Forbidden("role_required", "requires role leader or higher", role="leader")
        note = note.strip()
        if len(note) > MAX_NOTE:
            raise Invalid("note_too_long", f"the note is at most {MAX_NOTE} characters", field="note")

        async def change(row: BreakRequest) -> None:
            if row.status != "pending":
                raise InvalidTransition(
                    "break_not_pending", f"the request is already {row.status}", status=row.status
                )
            row.status = "approved" if approve else "refused"
            row.decided_at, row.decided_by = as_datetime(self.clock.now()), who.user_id
            row.decision_note = note

        return await self._change(who, break_id, change)

    async def cancel(self, who: Person, break_id: int) -> dict[str, Any]:
        async def change(row: BreakRequest) -> None:
            if row.agent_id != who.user_id:
                raise NotFound("break_not_found", "no such break request", id=break_id)
            if row.status not in ("pending", "approved"):
                raise InvalidTransition(
                    "break_not_open", f"the request is already {row.status}", status=row.status
                )
            row.status = "cancelled"

        return await self._change(who, break_id, change)

    async def start(self, who: Person, break_id: int) -> dict[str, Any]:
        """The agent leaves on an approved break: not ready with its reason, from now."""

        async def change(row: BreakRequest) -> None:
            if row.agent_id != who.user_id:
                raise NotFound("break_not_found", "no such break request", id=break_id)
            if row.status != "approved":
                raise InvalidTransition(
                    "break_not_approved", "only an approved break can start", status=row.status
                )

            def go(center: ContactCenter, now: float) -> list[Event]:
                agent = center.agent(who.user_id)
                if agent.state in ON_CALL:
                    raise InvalidTransition("on_call", "finish the current call first")
                if agent.state is AgentState.LOGGED_OUT:
                    raise InvalidTransition("logged_out", "sign in to the phone first")
                return center.not_ready(who.user_id, row.reason, now)

            await self.centers.execute(who.tenant_id, go)
            row.status, row.started_at = "started", as_datetime(self.clock.now())
            self._remember(row)

        return await self._change(who, break_id, change)

    async def end_breaks(self, tenant_id: str, agent_ids: list[str], now: float) -> None:
        """The agents came back (they are no longer not ready): their breaks end."""
        ended: list[dict[str, Any]] = []
        active = self.active.get(tenant_id, {})
        async with self.sessionmaker() as session, session.begin():
            names = await user_names(session, tenant_id)
            for agent_id in agent_ids:
                break_id = active[agent_id][0] if agent_id in active else None
                row = await session.get(BreakRequest, break_id) if break_id is not None else None
                if row is not None and row.status == "started":
                    row.status, row.ended_at = "ended", as_datetime(now)
                    ended.append(break_dict(row, names))
        for agent_id in agent_ids:  # forgotten once stored, so a failed write is tried again
            active.pop(agent_id, None)
        self.version += 1
        for data in ended:
            self._publish(tenant_id, data)

    def back_from_break(self, tenant_id: str, center: ContactCenter) -> list[str]:
        """Agents on a started break who are no longer not ready (read under the center's lock)."""
        out = []
        for agent_id, (_, view) in self.active.get(tenant_id, {}).items():
            agent = center.agents.get(agent_id)
            left = agent is None or agent.state is not AgentState.NOT_READY
            if left or (agent is not None and agent.state_since > view.started_at + 1):
                out.append(agent_id)
        return out

    def _publish(self, tenant_id: str, data: dict[str, Any]) -> None:
        self.bus.publish(
            [BreakUpdated(tenant_id=tenant_id, at=self.clock.now(), agent_id=data["agent_id"], request=data)]
        )

    # ---- messages -------------------------------------------------------------------------------

    async def send(self, who: Person, to_user_id: str | None, body: str) -> dict[str, Any]:
        """To one user of the tenant, or (None) to every active agent."""
        body = body.strip()
        if not body:
            raise Invalid("message_empty", "write a message first", field="body")
        if len(body) > MAX_MESSAGE:
            raise Invalid("message_too_long", f"a message is at most {MAX_MESSAGE} characters", field="body")
        batch_id, now = str(uuid.uuid4()), self.clock.now()
        async with self.sessionmaker() as session, session.begin():
            if to_user_id is None:
                recipients = list(
                    (
                        await session.scalars(
                            select(User.id)
                            .where(
                                User.tenant_id == who.tenant_id,
                                User.role == "agent",
                                User.is_active.is_(True),
                            )
                            .order_by(User.username)
                        )
                    ).all()
                )
                if not recipients:
                    raise InvalidTransition("no_agents", "the tenant has no agents to write to")
            else:
                user = await session.get(User, to_user_id)
                if user is None or user.tenant_id != who.tenant_id or not user.is_active:
                    raise NotFound("user_not_found", "no such user", id=to_user_id)
                recipients = [user.id]
            rows = [
                AgentMessage(
                    tenant_id=who.tenant_id,
                    from_user_id=who.user_id,
                    to_user_id=uid,
                    batch_id=batch_id,
                    to_all=to_user_id is None,
                    body=body,
                    created_at=as_datetime(now),
                )
                for uid in recipients
            ]
            session.add_all(rows)
            await session.flush()
            names = await user_names(session, who.tenant_id)
        self.bus.publish(
            [
                LeaderMessage(
                    tenant_id=who.tenant_id,
                    at=now,
                    batch_id=batch_id,
                    from_user_id=who.user_id,
                    from_name=names.get(who.user_id, ""),
                    body=body,
                    to_all=to_user_id is None,
                    agent_ids=tuple(recipients),
                    ids={r.to_user_id or "": r.id for r in rows},
                )
            ]
        )
        return {
            "batch_id": batch_id,
            "body": body,
            "to_all": to_user_id is None,
            "recipients": len(recipients),
            "created_at": as_datetime(now).isoformat(),
        }

    async def inbox(self, who: Person) -> dict[str, Any]:
        """The user's messages, newest first, with the unread count."""
        async with self.sessionmaker() as session:
            base = select(AgentMessage).where(
                AgentMessage.tenant_id == who.tenant_id, AgentMessage.to_user_id == who.user_id
            )
            rows = (await session.scalars(base.order_by(AgentMessage.id.desc()).limit(100))).all()
            unread = await session.scalar(
                select(func.count()).where(
                    AgentMessage.tenant_id == who.tenant_id,
                    AgentMessage.to_user_id == who.user_id,
                    AgentMessage.read_at.is_(None),
                )
            )
            names = await user_names(session, who.tenant_id)
            return {"unread": int(unread or 0), "items": [message_dict(r, names) for r in rows]}

    async def sent(self, who: Person) -> list[dict[str, Any]]:
        """What the tenant's leaders sent, one entry per sending, with how many have read it."""
        async with self.sessionmaker() as session:
            rows = (
                await session.scalars(
                    select(AgentMessage)
                    .where(AgentMessage.tenant_id == who.tenant_id)
                    .order_by(AgentMessage.id.desc())
                    .limit(1000)
                )
            ).all()
            names = await user_names(session, who.tenant_id)
        batches: dict[str, dict[str, Any]] = {}
        for row in rows:
            entry = batches.get(row.batch_id)
            if entry is None:
                to_name = "" if row.to_all else names.get(row.to_user_id or "", "")
                entry = batches[row.batch_id] = {
                    **message_dict(row, names),
                    "recipients": 0,
                    "read": 0,
                    "to_name": to_name,
                }
            entry["recipients"] += 1
            entry["read"] += row.read_at is not None
        return list(batches.values())[:100]

    async def mark_read(self, who: Person, message_id: int | None) -> dict[str, Any]:
        """One message (or, with None, every message) of the user's as read."""
        now = as_datetime(self.clock.now())
        async with self.sessionmaker() as session, session.begin():
            if message_id is not None:
                row = await session.get(AgentMessage, message_id)
                if row is None or row.tenant_id != who.tenant_id or row.to_user_id != who.user_id:
                    raise NotFound("message_not_found", "no such message", id=message_id)
                if row.read_at is None:
                    row.read_at = now
            else:
                await session.execute(
                    update(AgentMessage)
                    .where(
                        AgentMessage.tenant_id == who.tenant_id,
                        AgentMessage.to_user_id == who.user_id,
                        AgentMessage.read_at.is_(None),
                    )
                    .values(read_at=now)
                )
        return await self.inbox(who)


def today_start(now: float) -> datetime:
    """Local midnight (China time, as the reports count days) as UTC."""
    local = datetime.fromtimestamp(now, CHINA_TZ)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
