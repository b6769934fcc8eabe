"""Which work-order change moves which SLA clock (NORMS §4.4, §4.5, §4.9): one table.

:func:`on_workorder_event` reads a work-order event and starts, pauses, resumes, meets or
cancels the clocks of that order on a :class:`~helpline.domain.workorders.sla.SlaBoard`.
"""

from __future__ import annotations

from helpline.domain.events import Event
from helpline.domain.workorders import events as ev
from helpline.domain.workorders.sla import ClockState, SlaBoard, SlaKind


def clock_id(order_id: str, slot: str) -> str:
    """Clock ids of an order: ``<order>:completion``, ``:callback``, ``:reply``, ``:email``,
    ``:missed_call``, ``:department``."""
    return f"{order_id}:{slot}"


def _reply_kind(complex_case: bool) -> SlaKind:
    return SlaKind.COMPLAINT_COMPLEX if complex_case else SlaKind.COMPLAINT_SIMPLE


class _OrderClocks:
    """The clocks of one order at one moment, and the events their changes made."""

    def __init__(self, board: SlaBoard, order_id: str, now: float) -> None:
        self.board, self.order_id, self.now = board, order_id, now
        self.out: list[Event] = []

    def _is_open(self, slot: str) -> bool:
        clock = self.board.clocks.get(clock_id(self.order_id, slot))
        return clock is not None and clock.is_open

    def start(
        self, slot: str, kind: SlaKind, start_at: float | None = None, unit_id: str | None = None
    ) -> None:
        """Start the slot's clock unless one is already open (an event seen twice)."""
        if not self._is_open(slot):
            cid, oid = clock_id(self.order_id, slot), self.order_id
            self.out += self.board.start(cid, kind, self.now, start=start_at, order_id=oid, unit_id=unit_id)

    def meet(self, *slots: str) -> None:
        for slot in slots:
            if self._is_open(slot):
                self.out += self.board.meet(clock_id(self.order_id, slot), self.now)

    def meet_all(self) -> None:
        for clock in self.board.open_clocks(self.order_id):
            self.out += self.board.meet(clock.id, self.now)

    def cancel_all(self) -> None:
        for clock in self.board.open_clocks(self.order_id):
            self.out += self.board.cancel(clock.id, self.now)


def on_workorder_event(board: SlaBoard, event: Event) -> list[Event]:
    """Start, pause, resume, meet or cancel the clocks a work-order event concerns.

    ==================  ============================================================
    event               clocks
    ==================  ============================================================
    created             e-mail: ``email`` (8 h); missed call: ``missed_call`` (24 h);
                        after the call ended: ``completion`` from the hang-up
    call ended          ``completion`` (15 min)
    submitted           meets ``completion`` and ``missed_call``; an inquiry to call
                        back starts ``callback`` from the hang-up; complaint and help
                        start ``reply`` (2 h simple, 24 h complex)
    assigned to a unit  ``department`` on the unit's calendar (resumed if it is the
                        unit that returned it, else restarted); to a user: cancelled
    returned (退单)     pauses ``department``
    replied             meets ``callback``, ``reply``, ``email``, ``department``
    closed              meets every clock of the order still open
    reopened (重办)     a new ``reply`` clock
    merged              cancels every clock of the duplicate
    ==================  ============================================================
    """
    if not isinstance(event, ev.WorkOrderEvent):
        return []
    clocks = _OrderClocks(board, event.order_id, event.at)
    if isinstance(event, ev.WorkOrderCreated):
        _created(clocks, event)
    elif isinstance(event, ev.WorkOrderCallEnded):
        clocks.start("completion", SlaKind.COMPLETION)
    elif isinstance(event, ev.WorkOrderSubmitted):
        _submitted(clocks, event)
    elif isinstance(event, ev.WorkOrderAssigned):
        _assigned(clocks, event)
    elif isinstance(event, ev.WorkOrderReturned):
        department = board.clocks.get(clock_id(event.order_id, "department"))
        if department is not None and department.state is ClockState.RUNNING:
            clocks.out += board.pause(department.id, event.at)
    elif isinstance(event, ev.WorkOrderReplied):
        clocks.meet("callback", "reply", "email", "department")
    elif isinstance(event, ev.WorkOrderClosed):
        clocks.meet_all()
    elif isinstance(event, ev.WorkOrderReopened):
        clocks.start("reply", _reply_kind(event.complex_case))
    elif isinstance(event, ev.WorkOrderMerged):
        clocks.cancel_all()
    return clocks.out


def _created(clocks: _OrderClocks, event: ev.WorkOrderCreated) -> None:
    if event.channel == "email":
        clocks.start("email", SlaKind.EMAIL)
    elif event.channel == "missed_call":
        clocks.start("missed_call", SlaKind.MISSED_CALL, event.call_ended_at)
    elif event.call_ended_at is not None:
        clocks.start("completion", SlaKind.COMPLETION, event.call_ended_at)


def _submitted(clocks: _OrderClocks, event: ev.WorkOrderSubmitted) -> None:
    clocks.meet("completion", "missed_call")
    if event.category == "inquiry" and event.answer_mode == "callback":
        clocks.start("callback", SlaKind.CALLBACK, event.call_ended_at)
    if event.category in ("complaint", "help"):
        clocks.start("reply", _reply_kind(event.complex_case), event.call_ended_at)


def _assigned(clocks: _OrderClocks, event: ev.WorkOrderAssigned) -> None:
    """A unit that returned the order and takes it back resumes its clock; any other move
    cancels the department clock, and a unit that takes the order starts a new one."""
    board, now = clocks.board, clocks.now
    department = board.clocks.get(clock_id(event.order_id, "department"))
    if department is not None and department.is_open:
        if (
            event.assignee_kind == "unit"
            and department.unit_id == event.assignee_id
            and department.state is ClockState.PAUSED
        ):
            clocks.out += board.resume(department.id, now)
            return
        clocks.out += board.cancel(department.id, now)
    if event.assignee_kind == "unit":
        clocks.start("department", SlaKind.DEPARTMENT, unit_id=event.assignee_id)
