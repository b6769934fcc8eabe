"""Callback requests (回电): a caller who would rather be called than wait (NORMS §3.2, a
long wait is offered as a callback; §2, the IVR's "request a callback"). Leaders see the open
ones; an agent places the callback (a dial-out to the number left, through the switch's trunk
when telephony is SIP) and marks the request done once the customer has been reached."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from helpline.app.acd.center_service import CenterService
from helpline.app.acd.ports import AcdUnit
from helpline.app.timefmt import iso
from helpline.domain.acd.center import ContactCenter
from helpline.domain.acd.records import CallbackRequest
from helpline.domain.errors import Invalid, InvalidTransition, NotFound
from helpline.domain.events import Event


async def request_callback(
    uow: AcdUnit,
    call_id: str,
    number: str,
    *,
    queue_id: str | None,
    source: str,
    data: dict[str, Any] | None = None,
) -> str:
    """Note the request; -> its id. One request per call (a second key press is the same). Commits."""
    existing = await uow.callbacks.by_call(call_id)
    if existing is not None:
        return existing.id
    request = CallbackRequest(
        id="", call_id=call_id, number=number, queue_id=queue_id, source=source, data=dict(data or {})
    )
    stored = await uow.callbacks.add(request)
    await uow.commit()
    return stored.id


def as_dict(request: CallbackRequest) -> dict[str, Any]:
    return {
        "id": request.id,
        "call_id": request.call_id,
        "number": request.number,
        "queue_id": request.queue_id,
        "source": request.source,
        "status": request.status,
        "requested_at": iso(request.requested_at),
        "data": request.data,
    }


async def list_callbacks(
    uow: AcdUnit, status: str | None = "open", limit: int = 200
) -> Sequence[CallbackRequest]:
    """The requests (``status``: open, done, or None for all), oldest first: the callbacks due."""
    return await uow.callbacks.list(status=status, limit=limit)


async def finish_callback(uow: AcdUnit, callback_id: str, by: str, now: float) -> CallbackRequest:
    """The customer was reached: the request is done (who and when noted in its data). Commits."""
    request = await _open_request(uow, callback_id)
    request.status = "done"
    request.data = {**request.data, "done_by": by, "done_at": iso(now)}
    await uow.callbacks.save(request)
    await uow.commit()
    return request


async def dial_callback(
    uow: AcdUnit, centers: CenterService, callback_id: str, agent_id: str, call_id: str
) -> tuple[CallbackRequest, list[Event]]:
    """The agent calls the customer back: a dial-out (外拨) to the number the request left,
    noted on the request (``data["dialled"]``); the request stays open until the agent marks
    it done (the customer may not answer). Commits."""
    request = await _open_request(uow, callback_id)
    number = request.number.removeprefix("+")
    if not (2 <= len(number) <= 32 and number.isascii() and number.isdigit()):
        raise Invalid("no_number", "this callback request has no number to call", callback_id=callback_id)
    dialled_at: list[float] = []

    def run(center: ContactCenter, now: float) -> list[Event]:
        dialled_at.append(now)
        return center.dial(agent_id, request.number, call_id, now)

    # The dial-out is the live call itself (not configuration): it happens now, and the note
    # of it is stored after.
    events = await centers.execute(uow.tenant_id, run)
    dialled = [
        *request.data.get("dialled", []),
        {"call_id": call_id, "by": agent_id, "at": iso(dialled_at[0])},
    ]
    request.data = {**request.data, "dialled": dialled}
    await uow.callbacks.save(request)
    await uow.commit()
    return request, events


async def _open_request(uow: AcdUnit, callback_id: str) -> CallbackRequest:
    request = await uow.callbacks.get(callback_id)
    if request is None:
        raise NotFound("callback_not_found", f"no callback request {callback_id}", callback_id=callback_id)
    if request.status != "open":
        raise InvalidTransition("callback_done", "this callback request is closed", callback_id=callback_id)
    return request
