"""Customers (客户资料): records, phone look-up, import and export."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Response, UploadFile, status
from pydantic import BaseModel, ConfigDict, Field

from helpline.app.people import customer_import, customers
from helpline.domain.errors import Invalid
from helpline.web.api.acd.deps import Agent, Supervisor
from helpline.web.deps import UnitDep

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])
MAX_UPLOAD = 20 * 1024 * 1024


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=200)
    phones: list[str] | None = None
    address: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=254)
    vip_level: int | None = None
    tags: list[str] | None = None
    custom: dict[str, Any] | None = None
    notes: str | None = None


@router.get("")
async def search(
    actor: Agent,
    uow: UnitDep,
    q: str = "",
    phone: str = "",
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    total, rows = await customers.search_customers(
        uow, q=q, phone=phone, offset=(page - 1) * page_size, limit=page_size
    )
    return {"total": total, "page": page, "items": [customers.as_dict(c) for c in rows]}


@router.post("", status_code=status.HTTP_201_CREATED)
async def create(body: CustomerIn, actor: Agent, uow: UnitDep) -> dict[str, Any]:
    customer = await customers.create_customer(uow, body.model_dump(exclude_none=True))
    return customers.as_dict(customer)


@router.get("/lookup")
async def lookup(actor: Agent, uow: UnitDep, phone: str) -> list[dict[str, Any]]:
    """Who is calling: customers whose numbers match, exact matches first."""
    matches = await customers.lookup(uow, phone)
    return [{**customers.as_dict(m.customer), "match": m.strength} for m in matches]


@router.get("/export")
async def export(
    actor: Supervisor, uow: UnitDep, format: Annotated[str, Query(pattern="^(csv|xlsx)$")] = "csv"
) -> Response:
    file = await customer_import.export_file(uow, format)
    return Response(
        file.data,
        media_type=file.media_type,
        headers={"Content-Disposition": f'attachment; filename="{file.filename}"'},
    )


@router.post("/import")
async def import_file(actor: Supervisor, uow: UnitDep, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    """CSV or XLSX with a header row (name, phones, address, email, vip_level, tags, notes,
    phone2…, custom.<field>). Bad rows are reported by row number; good rows load."""
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise Invalid("file_too_large", "at most 20 MB per import", field="file")
    report = await customer_import.import_file(uow, file.filename or "", data)
    return report.as_dict()


@router.get("/{customer_id}")
async def get(customer_id: str, actor: Agent, uow: UnitDep) -> dict[str, Any]:
    return customers.as_dict(await customers.get_customer(uow, customer_id))


@router.patch("/{customer_id}")
async def change(customer_id: str, body: CustomerIn, actor: Agent, uow: UnitDep) -> dict[str, Any]:
    customer = await customers.update_customer(uow, customer_id, body.model_dump(exclude_unset=True))
    return customers.as_dict(customer)


@router.delete("/{customer_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete(customer_id: str, actor: Supervisor, uow: UnitDep) -> Response:
    await customers.delete_customer(uow, customer_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
