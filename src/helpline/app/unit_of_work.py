"""The unit of work the application layer is handed: every capability's repositories, in one
transaction of one tenant (``helpline.app.ports.UnitOfWork``).

Each capability declares the part it needs as a protocol in its own ``ports.py`` (a use case
of work orders takes a ``WorkOrdersUnit``, not this); this one is their sum, what the web
layer and the CLI open per request or command. A new capability adds its protocol here.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from helpline.app.people.ports import PeopleUnit
from helpline.app.search.ports import SearchUnit
from helpline.app.workorders.ports import WorkOrdersUnit


class AppUnit(WorkOrdersUnit, PeopleUnit, SearchUnit, Protocol):
    """Every capability's repositories."""


Units = Callable[[str], AbstractAsyncContextManager[AppUnit]]
"""Opens a unit for a tenant: ``async with units(tenant_id) as uow``."""
