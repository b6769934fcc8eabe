"""Customers in and out of spreadsheets (CSV or XLSX): a bad row is reported with its line and
fields and the good rows still load; the export is the same columns, one customer a row.

The files are read and written through the unit's :class:`~helpline.app.people.ports.Spreadsheets`,
so the rules here know no file format.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from helpline.app.people.customers import add_customer
from helpline.app.people.ports import CustomersUnit
from helpline.domain.people.customers import Customer, check_values

COLUMNS = ("name", "phones", "address", "email", "vip_level", "tags", "notes")
EXPORT_LIMIT = 1_000_000


@dataclass
class ImportReport:
    imported: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"imported": self.imported, "failed": len(self.errors), "errors": self.errors}


@dataclass(frozen=True)
class TableFile:
    """A file to hand out: its bytes, media type and name."""

    data: bytes
    media_type: str
    filename: str


def _split(value: Any) -> list[str]:
    text = str(value or "").replace("；", ";").replace("，", ",")
    return [p.strip() for chunk in text.split(";") for p in chunk.split(",") if p.strip()]


def row_values(row: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """A spreadsheet row as customer values, plus what is wrong with it."""
    problems: list[dict[str, str]] = []
    values: dict[str, Any] = {
        "name": str(row.get("name") or "").strip(),
        "address": str(row.get("address") or "").strip(),
        "email": str(row.get("email") or "").strip(),
        "notes": str(row.get("notes") or "").strip(),
        "tags": _split(row.get("tags")),
        "custom": {},
    }
    phones = _split(row.get("phones"))
    for key, value in row.items():
        if key and str(key).startswith("phone") and key != "phones" and value not in (None, ""):
            phones.append(str(value).strip())
        if key and str(key).startswith("custom.") and value not in (None, ""):
            values["custom"][str(key)[len("custom.") :]] = value
    values["phones"] = phones
    level = row.get("vip_level")
    if level in (None, ""):
        values["vip_level"] = 0
    else:
        try:
            values["vip_level"] = int(float(str(level)))
        except ValueError:
            problems.append({"field": "vip_level", "message": f"{level!r} is not a number"})
    if not phones:
        problems.append({"field": "phones", "message": "at least one phone number"})
    problems += check_values(
        {k: v for k, v in values.items() if not (k == "vip_level" and any(p["field"] == k for p in problems))}
    )
    return values, problems


async def import_rows(
    uow: CustomersUnit, rows: Iterable[dict[str, Any]], *, first_row: int = 2
) -> ImportReport:
    """Add every good row, not yet committed; report every bad one with its row number
    (the header is row 1) and fields."""
    report = ImportReport()
    for number, row in enumerate(rows, start=first_row):
        values, problems = row_values(row)
        if problems:
            report.errors.append({"row": number, "errors": problems})
            continue
        await add_customer(uow, values)
        report.imported += 1
    return report


async def import_file(uow: CustomersUnit, filename: str, data: bytes) -> ImportReport:
    """Load a CSV or XLSX file with a header row (name, phones, address, email, vip_level,
    tags, notes, phone2…, custom.<field>): the good rows in one transaction. Commits."""
    report = await import_rows(uow, uow.spreadsheets.read(filename, data))
    await uow.commit()
    return report


def export_rows(customers: Iterable[Customer]) -> Iterator[list[Any]]:
    yield list(COLUMNS)
    for c in customers:
        yield [
            c.name,
            "; ".join(p.raw for p in c.phones),
            c.address,
            c.email,
            c.vip_level,
            "; ".join(c.tags or []),
            c.notes,
        ]


async def export_file(uow: CustomersUnit, kind: str) -> TableFile:
    """Every customer of the tenant as a ``csv`` or ``xlsx`` file, by name."""
    _, customers = await uow.customers.search(limit=EXPORT_LIMIT)
    data = uow.spreadsheets.write(kind, export_rows(customers), sheet="customers")
    return TableFile(data, uow.spreadsheets.media_type(kind), f"customers.{kind}")
