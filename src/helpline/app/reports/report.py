"""A report as the use cases build it: a key, a bilingual title, columns and rows, the period
it covers and notes. Rendering it (JSON, CSV, XLSX, printable HTML, PDF) is a port."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FORMATS = ("json", "csv", "xlsx", "html", "pdf")


def _cell(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 3)
    return value


@dataclass
class Report:
    key: str
    title: str
    columns: list[tuple[str, str]]  # (field, heading)
    rows: list[dict[str, Any]]
    params: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def table(self) -> list[list[Any]]:
        """The header row, then one row per record, in column order (for CSV and XLSX)."""
        return [[label for _, label in self.columns]] + [
            [_cell(row.get(key)) for key, _ in self.columns] for row in self.rows
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "report": self.key,
            "title": self.title,
            "params": self.params,
            "columns": [{"key": k, "label": v} for k, v in self.columns],
            "rows": self.rows,
            "notes": self.notes,
        }
