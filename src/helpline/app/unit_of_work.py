"""The unit of work the application layer is handed: every capability's repositories, in one
transaction of one tenant (``helpline.app.ports.UnitOfWork``).

Each capability declares the part it needs as a protocol in its own ``ports.py`` (a use case
of work orders takes a ``WorkOrdersUnit``, not this); this one is their sum, what the web
layer and the CLI open per request or command. A new capability adds its protocol here, ahead
of the units its own extends (``IvrUnit`` before ``AcdUnit``; Python needs that order).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from helpline.app.acd.ports import AcdUnit
from helpline.app.floor.ports import FloorUnit
from helpline.app.ivr.ports import IvrUnit
from helpline.app.knowledge.ports import KnowledgeUnit
from helpline.app.people.ports import CustomersUnit, PeopleUnit
from helpline.app.reports.ports import ReportsUnit
from helpline.app.search.ports import SearchUnit
from helpline.app.telephony.ports import TelephonyUnit
from helpline.app.workorders.ports import WorkOrdersUnit


class AppUnit(
    IvrUnit,
    AcdUnit,
    WorkOrdersUnit,
    KnowledgeUnit,
    CustomersUnit,
    PeopleUnit,
    SearchUnit,
    FloorUnit,
    ReportsUnit,
    TelephonyUnit,
    Protocol,
):
    """Every capability's repositories."""


Units = Callable[[str], AbstractAsyncContextManager[AppUnit]]
"""Opens a unit for a tenant: ``async with units(tenant_id) as uow``."""
