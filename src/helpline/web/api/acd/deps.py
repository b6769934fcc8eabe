"""Shortcuts the ACD routers share: roles as annotated types and the live-core service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from helpline.app.acd.center_service import CenterService
from helpline.web.deps import ContainerDep, Principal, require_role

Agent = Annotated[Principal, Depends(require_role("agent"))]
Leader = Annotated[Principal, Depends(require_role("leader"))]
Supervisor = Annotated[Principal, Depends(require_role("supervisor"))]
Admin = Annotated[Principal, Depends(require_role("admin"))]


def get_centers(container: ContainerDep) -> CenterService:
    return container.centers


Centers = Annotated[CenterService, Depends(get_centers)]
