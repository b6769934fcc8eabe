"""What the floor's screens and events show of its records: dictionaries with each person's
name beside their id, and where the leader's "today" begins.

The same dictionary is the API's answer and the payload of the event about it, so a screen
that applies an event shows what it would have fetched.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from helpline.app.people.ports import UserRepository
from helpline.app.timefmt import epoch
from helpline.domain.calendar import CHINA_TZ
from helpline.domain.floor.records import AgentMessage, BreakRequest, StoredAlert


async def user_names(users: UserRepository) -> dict[str, str]:
    """Every user of the tenant by id: their display name, or their username without one."""
    return {user.id: user.display_name or user.username for user in await users.list()}


def today_start(now: float) -> datetime:
    """Local midnight (China time, as the reports count days) as UTC."""
    local = datetime.fromtimestamp(now, CHINA_TZ)
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def break_dict(request: BreakRequest, names: dict[str, str] | None = None) -> dict[str, Any]:
    started = epoch(request.started_at)
    return {
        "id": request.id,
        "agent_id": request.agent_id,
        "agent_name": (names or {}).get(request.agent_id, ""),
        "reason": request.reason,
        "minutes": request.minutes,
        "note": request.note,
        "status": request.status,
        "requested_at": request.requested_at.isoformat(),
        "decided_at": _iso(request.decided_at),
        "decided_by": request.decided_by,
        "decision_note": request.decision_note,
        "started_at": _iso(request.started_at),
        "ended_at": _iso(request.ended_at),
        "ends_at": started + request.minutes * 60 if started is not None else None,
    }


def message_dict(message: AgentMessage, names: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "id": message.id,
        "batch_id": message.batch_id,
        "from_user_id": message.from_user_id,
        "from_name": (names or {}).get(message.from_user_id, ""),
        "to_user_id": message.to_user_id,
        "to_all": message.to_all,
        "body": message.body,
        "created_at": message.created_at.isoformat(),
        "read_at": _iso(message.read_at),
    }


def alert_dict(alert: StoredAlert, names: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "id": alert.id,
        "kind": alert.kind,
        "agent_id": alert.agent_id,
        "agent_name": (names or {}).get(alert.agent_id or "", ""),
        "call_id": alert.call_id,
        "order_ref": alert.order_ref,
        "detail": alert.detail,
        "raised_at": alert.raised_at.isoformat(),
        "acknowledged_at": _iso(alert.acknowledged_at),
        "acknowledged_by": alert.acknowledged_by,
    }
