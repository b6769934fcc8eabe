"""The leader's messages to agents (坐席消息): to one user of the tenant or to every active
agent, each recipient with their own copy so that each reads it on their own.

Use cases on a :class:`~helpline.app.floor.ports.FloorUnit`; those that change something
commit it, and the ``leader_message`` event goes out once the copies are stored.
"""

from __future__ import annotations

import uuid
from typing import Any

from helpline.app.floor.ports import FloorUnit
from helpline.app.floor.views import message_dict, user_names
from helpline.app.timefmt import as_datetime
from helpline.domain.errors import InvalidTransition, NotFound
from helpline.domain.floor.events import LeaderMessage
from helpline.domain.floor.records import AgentMessage, checked_body


async def _recipients(uow: FloorUnit, to_user_id: str | None) -> list[str]:
    if to_user_id is None:
        agents = await uow.users.list(role="agent", active=True)
        if not agents:
            raise InvalidTransition("no_agents", "the tenant has no agents to write to")
        return [agent.id for agent in agents]
    user = await uow.users.get(to_user_id)
    if user is None or not user.is_active:
        raise NotFound("user_not_found", "no such user", id=to_user_id)
    return [user.id]


async def send(
    uow: FloorUnit, sender_id: str, to_user_id: str | None, body: str, now: float
) -> dict[str, Any]:
    """To one user of the tenant, or (None) to every active agent. Commits."""
    body = checked_body(body)
    recipients = await _recipients(uow, to_user_id)
    batch_id, at = str(uuid.uuid4()), as_datetime(now)
    stored = await uow.messages.add_all(
        [
            AgentMessage(0, uow.tenant_id, sender_id, uid, batch_id, to_user_id is None, body, at)
            for uid in recipients
        ]
    )
    names = await user_names(uow.users)
    uow.publish(
        [
            LeaderMessage(
                tenant_id=uow.tenant_id,
                at=now,
                batch_id=batch_id,
                from_user_id=sender_id,
                from_name=names.get(sender_id, ""),
                body=body,
                to_all=to_user_id is None,
                agent_ids=tuple(recipients),
                ids={m.to_user_id or "": m.id for m in stored},
            )
        ]
    )
    await uow.commit()
    return {
        "batch_id": batch_id,
        "body": body,
        "to_all": to_user_id is None,
        "recipients": len(recipients),
        "created_at": at.isoformat(),
    }


async def inbox(uow: FloorUnit, user_id: str) -> dict[str, Any]:
    """The user's messages, newest first, with the unread count."""
    found = await uow.messages.inbox(user_id)
    unread = await uow.messages.unread(user_id)
    names = await user_names(uow.users)
    return {"unread": unread, "items": [message_dict(m, names) for m in found]}


async def sent(uow: FloorUnit) -> list[dict[str, Any]]:
    """What the tenant's leaders sent, one entry per sending, with how many have read it."""
    copies = await uow.messages.recent()
    names = await user_names(uow.users)
    batches: dict[str, dict[str, Any]] = {}
    for copy in copies:
        entry = batches.get(copy.batch_id)
        if entry is None:
            to_name = "" if copy.to_all else names.get(copy.to_user_id or "", "")
            entry = batches[copy.batch_id] = {
                **message_dict(copy, names),
                "recipients": 0,
                "read": 0,
                "to_name": to_name,
            }
        entry["recipients"] += 1
        entry["read"] += copy.read_at is not None
    return list(batches.values())[:100]


async def mark_read(uow: FloorUnit, user_id: str, message_id: int | None, now: float) -> dict[str, Any]:
    """One message (or, with None, every message) of the user's as read; commits and answers
    the inbox as it now is."""
    at = as_datetime(now)
    if message_id is not None:
        message = await uow.messages.get(message_id)
        if message is None or message.to_user_id != user_id:
            raise NotFound("message_not_found", "no such message", id=message_id)
        if message.read_at is None:
            message.read_at = at
            await uow.messages.save(message)
    else:
        await uow.messages.mark_all_read(user_id, at)
    await uow.commit()
    return await inbox(uow, user_id)
