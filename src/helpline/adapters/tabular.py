"""CSV and XLSX in and out: the one place every import and report export goes through.

CSV is written UTF-8 with a byte-order mark, so that Excel on a Chinese Windows opens it
without mojibake; reading accepts UTF-8 (with or without BOM) and GB18030 files.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook, load_workbook

from helpline.domain.errors import Invalid

FORMATS = ("csv", "xlsx")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def format_of(filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in FORMATS:
        raise Invalid("unsupported_format", "upload a .csv or .xlsx file", field="file")
    return suffix


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Invalid("unreadable_file", "the file is neither UTF-8 nor GB18030 text", field="file")


def read_table(filename: str, data: bytes) -> list[dict[str, Any]]:
    """Rows as dicts keyed by the header row (lower-cased, trimmed)."""
    kind = format_of(filename)
    rows: list[list[Any]]
    if kind == "csv":
        reader = csv.reader(io.StringIO(_decode(data)))
        rows = [list(r) for r in reader]
    else:
        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # openpyxl raises many kinds for a broken file
            raise Invalid("unreadable_file", f"not a readable .xlsx file: {exc}", field="file") from exc
        rows = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    if not rows:
        return []
    header = [str(h).strip().lower() for h in rows[0]]
    return [dict(zip(header, row, strict=False)) for row in rows[1:] if any(str(v).strip() for v in row)]


def write_table(kind: str, rows: Iterable[Sequence[Any]], sheet: str = "data") -> bytes:
    """``rows`` (the first is the header) as a CSV or XLSX file."""
    if kind == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in rows:
            writer.writerow(["" if v is None else v for v in row])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
    if kind == "xlsx":
        workbook = Workbook(write_only=True)
        worksheet = workbook.create_sheet(sheet[:31])
        for row in rows:
            worksheet.append(list(row))
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()
    raise Invalid("unsupported_format", "format is csv or xlsx", field="format")


class Tabular:
    """The functions above as the application's ``Spreadsheets`` port
    (:class:`helpline.app.people.ports.Spreadsheets`)."""

    def read(self, filename: str, data: bytes) -> list[dict[str, Any]]:
        return read_table(filename, data)

    def write(self, kind: str, rows: Iterable[Sequence[Any]], sheet: str) -> bytes:
        return write_table(kind, rows, sheet=sheet)

    def media_type(self, kind: str) -> str:
        return MEDIA_TYPES[kind]
