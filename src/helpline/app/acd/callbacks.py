"""Callback requests (回电): a caller who would rather be called than wait (NORMS §3.2, a
long wait is offered as a callback; §2, the IVR's "request a callback"). Leaders see the open
ones; an agent places the callback (a dial-out to the number left, through the switch's trunk
when telephony is SIP) and marks the request done once the customer has been reached."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from helpline.adapters.db.tables.telephony import CallbackRequest
from helpline.app.acd.center_service import CenterService
from helpline.domain.acd.center import ContactCenter
from helpline.domain.errors import Invalid, InvalidTransition, NotFound
from helpline.domain.events import Event


async def request_callback(
    sessionmaker: async_sessionmaker[AsyncSession],
    tenant_id: str,
    call_id: str,
    number: str,
    *,
    queue_id: str | None,
    source: str,
    data: dict[str, Any] | None = None,
) -> str:
    """Note the request; -> its id. One open request per call (a second key press is the same)."""
    async with sessionmaker() as session, session.begin():
        existing = await session.scalar(
            select(CallbackRequest).where(
                CallbackRequest.tenant_id == tenant_id, CallbackRequest.call_id == call_id
            )
        )
        if existing is not None:
            return existing.id
        row = CallbackRequest(
            tenant_id=tenant_id,
            call_id=call_id,
            number=number,
            queue_id=queue_id,
            source=source,
            status="open",
            data=data or {},
        )
        session.add(row)
        await session.flush()
        return row.id


def as_dict(row: CallbackRequest) -> dict[str, Any]:
    return {
        "id": row.id,
        "call_id": row.call_id,
        "number": row.number,
        "queue_id": row.queue_id,
        "source": row.source,
        "status": row.status,
        "requested_at": row.requested_at.isoformat(),
        "data": row.data,
    }


async def list_callbacks(
    session: AsyncSession, tenant_id: str, status: str | None = "open", limit: int = 200
) -> list[CallbackRequest]:
    stmt = select(CallbackRequest).where(CallbackRequest.tenant_id == tenant_id)
    if status:
        stmt = stmt.where(CallbackRequest.status == status)
    return list((await session.scalars(stmt.order_by(CallbackRequest.requested_at).limit(limit))).all())


async def finish_callback(
    session: AsyncSession, tenant_id: str, callback_id: str, by: str
) -> CallbackRequest:
    row = await _open_request(session, tenant_id, callback_id)
    row.status = "done"
    row.data = {**(row.data or {}), "done_by": by, "done_at": datetime.now(UTC).isoformat()}
    await session.flush()
    return row


async def dial_callback(
    session: AsyncSession,
    centers: CenterService,
    tenant_id: str,
    callback_id: str,
    agent_id: str,
    call_id: str,
) -> tuple[CallbackRequest, list[Event]]:
    """The agent calls the customer back: a dial-out (外拨) to the number the request left,
    noted on the request (``data["dialled"]``); the request stays open until the agent marks
    it done (the customer may not answer)."""
    row = await _open_request(session, tenant_id, callback_id)
    number = row.number.removeprefix("+")
    if not (2 <= len(number) <= 32 and number.isascii() and number.isdigit()):
        raise Invalid("no_number", "this callback request has no number to call", callback_id=callback_id)

    def run(center: ContactCenter, now: float) -> list[Event]:
        return center.dial(agent_id, row.number, call_id, now)

    events = await centers.execute(tenant_id, run)
    dialled = [
        *(row.data or {}).get("dialled", []),
        {"call_id": call_id, "by": agent_id, "at": datetime.now(UTC).isoformat()},
    ]
    row.data = {**(row.data or {}), "dialled": dialled}
    await session.flush()
    return row, events


async def _open_request(session: AsyncSession, tenant_id: str, callback_id: str) -> CallbackRequest:
    row = await session.get(CallbackRequest, callback_id)
    if row is None or row.tenant_id != tenant_id:
        raise NotFound("callback_not_found", f"no callback request {callback_id}", callback_id=callback_id)
    if row.status != "open":
        raise InvalidTransition("callback_done", "this callback request is closed", callback_id=callback_id)
    return row
