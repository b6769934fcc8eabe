"""Work orders (工单) over HTTP: create, read with the timeline, edit, the flow, comments,
attachments, merge, search and the working lists; and the reports of the work-order norms.

Handlers are thin: any signed-in user of the tenant may ask; the domain decides, per order,
what their role and responsibility allow (403), what the flow allows (409) and what the
content must be (422 naming every field). Another tenant's order is a 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, File, Query, Request, Response, UploadFile, status
from fastapi.responses import FileResponse

from helpline.app.reports.report import Report
from helpline.app.workorders import queries as wo_queries
from helpline.app.workorders.files import MAX_ATTACHMENT
from helpline.app.workorders.ports import OrderFilter, WorkOrdersUnit
from helpline.app.workorders.service import WorkOrderService
from helpline.domain.calendar import CHINA_TZ
from helpline.domain.errors import Invalid
from helpline.domain.workorders.order import Channel, WorkOrder
from helpline.web.api.acd.deps import Agent, Leader
from helpline.web.api.workorders.schemas import (
    AssignIn,
    CommentIn,
    CreateIn,
    MergeIn,
    NoteIn,
    OrderSuperviseIn,
    PromiseIn,
    ReasonIn,
    ReplyIn,
    VisitIn,
)
from helpline.web.deps import ContainerDep, UnitDep

router = APIRouter(prefix="/api/v1", tags=["workorders"])
Page = Annotated[int, Query(ge=1)]
PageSize = Annotated[int, Query(ge=1, le=200)]


def get_workorders(container: ContainerDep) -> WorkOrderService:
    return container.workorders


Orders = Annotated[WorkOrderService, Depends(get_workorders)]


def local(moment: datetime | None) -> datetime | None:
    """A time without a zone is the center's local time (China Standard Time)."""
    return moment.replace(tzinfo=CHINA_TZ) if moment is not None and moment.tzinfo is None else moment


async def _view(uow: WorkOrdersUnit, orders: WorkOrderService, order: WorkOrder) -> dict[str, Any]:
    return await uow.workorder_reads.order_view(order, orders.clock.now())


def _page(total: int, page: int, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {"total": total, "page": page, "items": items}


# ---- lists ------------------------------------------------------------------------------------


@router.get("/workorders")
async def search(
    request: Request,
    actor: Agent,
    uow: UnitDep,
    q: str = "",
    number: str = "",
    caller: str = "",
    customer: str = "",
    call_id: str = "",
    state: Annotated[list[str] | None, Query()] = None,
    category: Annotated[list[str] | None, Query()] = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    unit_id: str = "",
    assignee_id: str = "",
    owner_id: str = "",
    urgent: bool | None = None,
    supervised: bool | None = None,
    page: Page = 1,
    page_size: PageSize = 50,
) -> dict[str, Any]:
    """工单检索: any of the filters; custom fields as ``cf.<key>=<value>``; ``q`` is full text."""
    fields = {k[3:]: v for k, v in request.query_params.items() if k.startswith("cf.")}
    found = OrderFilter(
        q=q.strip(),
        number=number,
        caller=caller,
        customer=customer.strip(),
        call_id=call_id,
        states=state or (),
        categories=category or (),
        created_from=local(created_from),
        created_to=local(created_to),
        unit_id=unit_id,
        assignee_id=assignee_id,
        owner_id=owner_id,
        urgent=urgent,
        supervised=supervised,
        fields=fields,
    )
    total, items = await wo_queries.search(uow, found, offset=(page - 1) * page_size, limit=page_size)
    return _page(total, page, items)


@router.get("/workorders/mine")
async def mine(
    actor: Agent,
    uow: UnitDep,
    orders: Orders,
    state: Annotated[list[str] | None, Query()] = None,
    page: Page = 1,
    page_size: PageSize = 50,
) -> dict[str, Any]:
    """Orders I own (首问) or hold, myself or through my unit; open ones unless ``state`` says."""
    total, items = await wo_queries.mine(
        uow, actor.user_id, state or (), orders.clock.now(), offset=(page - 1) * page_size, limit=page_size
    )
    return _page(total, page, items)


@router.get("/workorders/inbox")
async def inbox(
    actor: Leader, uow: UnitDep, orders: Orders, page: Page = 1, page_size: PageSize = 50
) -> dict[str, Any]:
    """The leader's inbox: complaint, help and urgent orders being worked, with their clocks."""
    total, items = await uow.workorder_reads.leader_inbox(
        orders.clock.now(), offset=(page - 1) * page_size, limit=page_size
    )
    return _page(total, page, items)


@router.get("/workorders/callbacks")
async def callbacks(actor: Agent, uow: UnitDep, orders: Orders) -> list[dict[str, Any]]:
    """Inquiries promised a callback, soonest due first (an agent sees their own)."""
    mine_only = None if actor.at_least("leader") else actor.user_id
    return await wo_queries.due_clocks_of(uow, orders.clock.now(), kinds=["callback"], user_id=mine_only)


@router.get("/workorders/overdue")
async def overdue(actor: Agent, uow: UnitDep, orders: Orders) -> list[dict[str, Any]]:
    """Open clocks past their deadline, the most overdue first (an agent sees their own)."""
    mine_only = None if actor.at_least("leader") else actor.user_id
    return await wo_queries.due_clocks_of(uow, orders.clock.now(), overdue_only=True, user_id=mine_only)


# ---- one order ----------------------------------------------------------------------------------


@router.post("/workorders", status_code=status.HTTP_201_CREATED)
async def create(body: CreateIn, actor: Agent, uow: UnitDep, orders: Orders) -> dict[str, Any]:
    """A draft by hand: a walk-in, an e-mail, a missed call, or a call that has none yet."""
    stored = await orders.create(
        uow,
        actor,
        channel=Channel(body.channel),
        call_id=body.call_id,
        caller_number=body.caller_number,
        parent_id=body.parent_id,
        values=body.values,
    )
    return await _view(uow, orders, stored)


@router.get("/workorders/{ref}")
async def get(ref: str, actor: Agent, uow: UnitDep, orders: Orders) -> dict[str, Any]:
    """By id or number, with the timeline (and the merged duplicates'), calls, files and clocks."""
    return await _view(uow, orders, await uow.workorders.get(ref))


@router.patch("/workorders/{ref}")
async def edit(
    ref: str, actor: Agent, uow: UnitDep, orders: Orders, body: Annotated[dict[str, Any], Body()]
) -> dict[str, Any]:
    return await _view(uow, orders, await orders.edit(uow, actor, ref, body))


@router.post("/workorders/{ref}/submit")
async def submit(ref: str, actor: Agent, uow: UnitDep, orders: Orders) -> dict[str, Any]:
    return await _view(uow, orders, await orders.submit(uow, actor, ref))


@router.post("/workorders/{ref}/claim")
async def claim(ref: str, actor: Agent, uow: UnitDep, orders: Orders) -> dict[str, Any]:
    return await _view(uow, orders, await orders.simple(uow, actor, ref, "claim"))


@router.post("/workorders/{ref}/assign")
async def assign(ref: str, body: AssignIn, actor: Agent, uow: UnitDep, orders: Orders) -> dict[str, Any]:
    """转办 to a user, a unit, or the leader on duty (``{"kind": "leader"}``)."""
    stored = await orders.assign(uow, actor, ref, body.kind, body.id, body.note)
    return await _view(uow, orders, stored)


@router.post("/workorders/{ref}/accept")
async def accept(ref: str, actor: Agent, uow: UnitDep, orders: Orders) -> dict[str, Any]:
    return await _view(uow, orders, await orders.simple(uow, actor, ref, "accept"))


@router.post("/workorders/{ref}/return")
async def return_order(
    ref: str, body: ReasonIn, actor: Agent, uow: UnitDep, orders: Orders
) -> dict[str, Any]:
    stored = await orders.simple(uow, actor, ref, "return", reason=body.reason)
    return await _view(uow, orders, stored)


@router.post("/workorders/{ref}/start")
async def start(ref: str, actor: Agent, uow: UnitDep, orders: Orders) -> dict[str, Any]:
    return await _view(uow, orders, await orders.simple(uow, actor, ref, "start"))


@router.post("/workorders/{ref}/reply")
async def reply(ref: str, body: ReplyIn, actor: Agent, uow: UnitDep, orders: Orders) -> dict[str, Any]:
    return await _view(uow, orders, await orders.reply(uow, actor, ref, body.text, body.cause))


@router.post("/workorders/{ref}/close")
async def close(ref: str, body: NoteIn, actor: Agent, uow: UnitDep, orders: Orders) -> dict[str, Any]:
    return await _view(uow, orders, await orders.simple(uow, actor, ref, "close", note=body.note))


@router.post("/workorders/{ref}/visit")
async def visit(ref: str, body: VisitIn, actor: Agent, uow: UnitDep, orders: Orders) -> dict[str, Any]:
    """回访: the customer's satisfaction, 1-5."""
    stored = await orders.simple(uow, actor, ref, "visit", score=body.score, note=body.note)
    return await _view(uow, orders, stored)


@router.post("/workorders/{ref}/reopen")
async def reopen(ref: str, body: ReasonIn, actor: Agent, uow: UnitDep, orders: Orders) -> dict[str, Any]:
    return await _view(uow, orders, await orders.simple(uow, actor, ref, "reopen", reason=body.reason))


@router.post("/workorders/{ref}/supervise")
async def supervise(
    ref: str, body: OrderSuperviseIn, actor: Agent, uow: UnitDep, orders: Orders
) -> dict[str, Any]:
    """督办 on or off."""
    stored = await orders.simple(uow, actor, ref, "supervise", on=body.on, note=body.note)
    return await _view(uow, orders, stored)


@router.post("/workorders/{ref}/promise")
async def promise(ref: str, body: PromiseIn, actor: Agent, uow: UnitDep, orders: Orders) -> dict[str, Any]:
    """承诺时限: a time promised to the customer, tracked by a clock that warns before it."""
    due = local(body.due)
    assert due is not None
    return await _view(uow, orders, await orders.promise(uow, actor, ref, due.timestamp(), body.note))


@router.post("/workorders/{ref}/comments", status_code=status.HTTP_201_CREATED)
async def comment(ref: str, body: CommentIn, actor: Agent, uow: UnitDep, orders: Orders) -> dict[str, Any]:
    return await _view(uow, orders, await orders.simple(uow, actor, ref, "comment", text=body.text))


@router.post("/workorders/{ref}/merge")
async def merge(ref: str, body: MergeIn, actor: Agent, uow: UnitDep, orders: Orders) -> dict[str, Any]:
    """重复件: this order duplicates ``into``; answers with ``into`` as it is now."""
    _, target = await orders.merge(uow, actor, ref, body.into)
    return await _view(uow, orders, target)


@router.post("/workorders/{ref}/attachments", status_code=status.HTTP_201_CREATED)
async def upload(
    ref: str, actor: Agent, uow: UnitDep, orders: Orders, file: Annotated[UploadFile, File()]
) -> dict[str, Any]:
    """A file of at most 20 MB."""
    data = await file.read(MAX_ATTACHMENT + 1)
    if len(data) > MAX_ATTACHMENT:
        raise Invalid("file_too_large", "an attachment is at most 20 MB", fields=["file"])
    stored = await orders.attach(
        uow, actor, ref, file.filename or "file", file.content_type or "application/octet-stream", data
    )
    return await _view(uow, orders, stored)


@router.get("/workorders/{ref}/attachments/{attachment_id}")
async def download(ref: str, attachment_id: str, actor: Agent, uow: UnitDep, orders: Orders) -> FileResponse:
    attachment, path = await orders.download(uow, ref, attachment_id)
    return FileResponse(path, media_type=attachment.content_type, filename=attachment.name)


# ---- reports --------------------------------------------------------------------------------------


@router.get("/reports/calls-without-order", response_model=None)
async def calls_without_order(
    actor: Leader,
    uow: UnitDep,
    container: ContainerDep,
    since: Annotated[datetime | None, Query(alias="from")] = None,
    until: Annotated[datetime | None, Query(alias="to")] = None,
    page: Page = 1,
    page_size: Annotated[int, Query(ge=1, le=1000)] = 100,
    format: Annotated[str, Query(pattern="^(json|csv|xlsx|html|pdf)$")] = "json",
) -> dict[str, Any] | Response:
    """NORMS §4.1: every call makes an order. Answered or missed calls that ended without one."""
    if format != "json":
        page, page_size = 1, 1_000_000
    total, items = await wo_queries.calls_without_order(
        uow,
        since=local(since),
        until=local(until),
        offset=(page - 1) * page_size,
        limit=page_size,
    )
    if format == "json":
        return _page(total, page, items)
    report = Report(
        "calls-without-order",
        "无工单来电 Calls without an order",
        [(c, c) for c in wo_queries.REPORT_COLUMNS],
        items,
        {"from": since.isoformat() if since else "", "to": until.isoformat() if until else ""},
    )
    data, media_type = container.report_renderer.render(report, format)
    headers = (
        {}
        if format == "html"
        else {"Content-Disposition": f'attachment; filename="calls-without-order.{format}"'}
    )
    return Response(data, media_type=media_type, headers=headers)


@router.get("/reports/sla-events")
async def sla_event_report(
    actor: Leader,
    uow: UnitDep,
    type: Annotated[list[str] | None, Query()] = None,
    since: Annotated[datetime | None, Query(alias="from")] = None,
    until: Annotated[datetime | None, Query(alias="to")] = None,
    page: Page = 1,
    page_size: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """SLA warnings and breaches as they happened (``type=sla_met`` etc. for the others)."""
    total, items = await uow.workorder_reads.sla_events(
        types=type or ("sla_warning", "sla_breached"),
        since=local(since),
        until=local(until),
        offset=(page - 1) * page_size,
        limit=page_size,
    )
    return _page(total, page, items)
