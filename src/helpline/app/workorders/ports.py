"""What the work-order use cases need from storage, one tenant at a time: orders loaded and
saved whole with their numbers and calls (:class:`WorkOrderRepository`), the configuration
(:class:`WorkOrderConfigRepository`), and the read side the screens show
(:class:`WorkOrderReads`, which answers in the screens' own dicts: a read model, built in
one place so lists, the full view and the screen pop cannot drift apart).

Call-order rounds (ADR 0006) read first and write last: ``orders_for_calls``,
``load_many``, ``issue_numbers``, ``add(..., call_links=True)`` and one ``save`` keep the
few statements per round the database adapter has always sent.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from helpline.app.people.ports import PeopleUnit
from helpline.app.search.ports import SearchUnit
from helpline.domain.workorders.events import SlaEvent
from helpline.domain.workorders.order import Attachment, WorkOrder
from helpline.domain.workorders.records import FieldRecord, FileMeta, Holders, ShiftRecord, UnitRecord
from helpline.domain.workorders.sla import SlaClock

View = dict[str, Any]


@dataclass
class OrderFilter:
    """工单检索's filters (NORMS §2); ``fields`` are custom fields in their stored form."""

    q: str = ""
    number: str = ""
    caller: str = ""
    customer: str = ""
    call_id: str = ""
    states: Sequence[str] = ()
    categories: Sequence[str] = ()
    created_from: datetime | None = None
    created_to: datetime | None = None
    unit_id: str = ""
    assignee_id: str = ""
    owner_id: str = ""
    urgent: bool | None = None
    supervised: bool | None = None
    fields: Mapping[str, str] = field(default_factory=dict)


class WorkOrderRepository(Protocol):
    """Orders of the unit's tenant, loaded whole and saved as the domain changed them. The
    repository remembers what it loaded, so :meth:`save` writes only what was appended."""

    async def get(self, ref: str, *, lock: bool = False) -> WorkOrder:
        """By id or number; ``work_order_not_found`` otherwise. ``lock``: the row stays
        locked until the commit (PostgreSQL), and is read afresh."""
        ...

    async def load_many(self, order_ids: Sequence[str], *, lock: bool = False) -> dict[str, WorkOrder]:
        """Many orders by id in a few statements; ids not found are left out."""
        ...

    async def id_of(self, ref: str) -> str:
        """The id of the order with id or number ``ref`` (not loaded)."""
        ...

    async def issue_numbers(self, now: float, count: int, prefix: str = "") -> list[str]:
        """The next ``count`` numbers of the tenant's local day, without gaps or repeats,
        also under concurrency (the counter stays locked until the commit)."""
        ...

    async def add(
        self, orders: Sequence[WorkOrder], parent_id: str | None = None, *, call_links: bool = False
    ) -> None:
        """Store new orders (from ``WorkOrder.open``). ``call_links``: their calls are known
        to have no order yet, so the links are added without looking."""
        ...

    async def link_call(self, order_id: str, call_id: str, at: float) -> None:
        """Link a call to an order (once)."""
        ...

    async def orders_for_calls(self, call_ids: Collection[str]) -> dict[str, str]:
        """Call id -> the id of the first order linked to it, for the calls that have one."""
        ...

    async def save(self, orders: Sequence[WorkOrder], files: Mapping[str, FileMeta] | None = None) -> None:
        """Write what the domain changed in orders this repository handed out or added, in
        one flush; ``files`` gives the file facts of attachments new since."""
        ...

    async def attachment(self, order_id: str, attachment_id: str) -> tuple[Attachment, FileMeta] | None:
        """An attachment of that order, with its file facts."""
        ...

    async def holders(self, order_ids: Collection[str]) -> dict[str, Holders]:
        """Owner and assignee of the orders found (for addressing their events)."""
        ...


class WorkOrderConfigRepository(Protocol):
    """The tenant's work-order configuration (see :mod:`helpline.app.workorders.config`)."""

    async def settings(self) -> dict[str, Any]:
        """``tenants.settings["workorders"]``; ``tenant_not_found`` without the tenant."""
        ...

    async def save_settings(self, values: Mapping[str, Any]) -> None: ...

    async def units(self) -> list[UnitRecord]:
        """Ordered by id."""
        ...

    async def unit(self, unit_id: str) -> UnitRecord | None: ...

    async def save_unit(self, unit: UnitRecord) -> None: ...

    async def delete_unit(self, unit_id: str) -> None:
        """The unit and its memberships."""
        ...

    async def members(self, unit_id: str) -> list[str]:
        """Its handlers' user ids, ordered."""
        ...

    async def set_members(self, unit_id: str, user_ids: Sequence[str]) -> None:
        """Exactly these handlers (a user moves from any other unit)."""
        ...

    async def handler_units(self, user_id: str) -> list[str]:
        """Units whose orders the user handles: the one they belong to, and any they head."""
        ...

    async def unit_people(self, unit_ids: Collection[str]) -> dict[str, set[str]]:
        """Handlers and head of each unit."""
        ...

    async def shifts(self) -> list[ShiftRecord]:
        """Ordered by id."""
        ...

    async def add_shift(
        self, leader_id: str, hours: str, weekdays: Sequence[int], day: date | None
    ) -> ShiftRecord: ...

    async def delete_shift(self, shift_id: int) -> bool:
        """False when there is no such shift."""
        ...

    async def reason_nodes(self) -> list[dict[str, Any]]:
        """The reason-code tree's nodes in order (code, label, parent, categories)."""
        ...

    async def replace_reasons(self, nodes: Sequence[Mapping[str, Any]]) -> None: ...

    async def fields(self) -> list[FieldRecord]:
        """Ordered by position, then key."""
        ...

    async def field(self, key: str) -> FieldRecord | None: ...

    async def save_field(self, record: FieldRecord) -> None: ...

    async def delete_field(self, key: str) -> bool:
        """False when there is no such field."""
        ...


class WorkOrderReads(Protocol):
    """The read side: lists, the full order, clocks and the norms' reports, as the screens
    show them (times as ISO text)."""

    async def search(
        self, f: OrderFilter, *, offset: int, limit: int, scores: Mapping[str, float] | None = None
    ) -> tuple[int, list[View]]:
        """Newest first; with ``scores`` (full-text hits), only those, best first."""
        ...

    async def mine(
        self,
        user_id: str,
        units: Sequence[str],
        states: Sequence[str],
        now: float,
        *,
        offset: int,
        limit: int,
    ) -> tuple[int, list[View]]:
        """Orders the user owns or holds (themselves or through ``units``), with open clocks."""
        ...

    async def leader_inbox(self, now: float, *, offset: int, limit: int) -> tuple[int, list[View]]: ...

    async def due_clocks(
        self,
        now: float,
        *,
        kinds: Sequence[str] = (),
        overdue_only: bool = False,
        user_id: str | None = None,
        units: Sequence[str] = (),
    ) -> list[View]: ...

    async def calls_without_order(
        self, *, since: datetime | None, until: datetime | None, offset: int, limit: int
    ) -> tuple[int, list[View]]: ...

    async def sla_events(
        self,
        *,
        types: Sequence[str],
        since: datetime | None,
        until: datetime | None,
        offset: int,
        limit: int,
    ) -> tuple[int, list[View]]: ...

    async def caller_orders(
        self, caller: str, customer_id: str | None, limit: int = 5
    ) -> dict[str, list[View]]:
        """The screen pop's: the caller's open orders and the latest ones."""
        ...

    async def order_view(self, order: WorkOrder, now: float) -> View:
        """The full order: timeline (with its duplicates'), calls, files, clocks, relatives."""
        ...


class WorkOrderPeers(Protocol):
    """What work orders read of other capabilities' records (calls, customers, users)."""

    async def call(self, call_id: str) -> tuple[str, float | None] | None:
        """A call of the tenant: the other party's number and when it ended."""
        ...

    async def customer_exists(self, customer_id: str) -> bool: ...

    async def customers_by_phone(self, number: str, *, exact_only: bool = False) -> list[View]:
        """Customers whose numbers match ``number`` (``as_dict`` and ``match``), exact first."""
        ...

    async def user_roles(self, user_ids: Collection[str]) -> dict[str, str]:
        """The role of each user of the tenant found."""
        ...


class SlaClockStore(Protocol):
    """The SLA clocks of the tenant as they stand (``SlaClock.as_dict``), and their events
    as they happened (kept for reports)."""

    async def open_clocks(self) -> list[tuple[str, dict[str, Any]]]:
        """(clock id, saved state) of every clock still running or paused."""
        ...

    async def save(self, clocks: Sequence[SlaClock], events: Sequence[SlaEvent]) -> None:
        """Store the clocks' state and add the events, in a few statements."""
        ...


class WorkOrdersUnit(PeopleUnit, SearchUnit, Protocol):
    """What work-order use cases are given (the users of people and the search index too)."""

    @property
    def workorders(self) -> WorkOrderRepository: ...

    @property
    def workorder_config(self) -> WorkOrderConfigRepository: ...

    @property
    def workorder_reads(self) -> WorkOrderReads: ...

    @property
    def workorder_peers(self) -> WorkOrderPeers: ...

    @property
    def sla_clocks(self) -> SlaClockStore: ...


WorkOrderUnits = Callable[[str], AbstractAsyncContextManager[WorkOrdersUnit]]
"""Opens a unit for a tenant, for the long-lived services (call orders, SLA clocks, screen pop)."""
