"""Instants between the forms the layers use: the domain's epoch seconds, timezone-aware
datetimes (what storage and Python's calendar code want), and ISO 8601 text for the API.

One module for it, so that every capability converts the same way (UTC, never naive)."""

from __future__ import annotations

from datetime import UTC, datetime


def as_datetime(at: float) -> datetime:
    """Epoch seconds as an aware UTC datetime."""
    return datetime.fromtimestamp(at, UTC)


def maybe_datetime(at: float | None) -> datetime | None:
    return None if at is None else as_datetime(at)


def epoch(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


def iso(at: float | datetime | None) -> str | None:
    """Timestamps leave the API as ISO 8601 in UTC."""
    if at is None:
        return None
    moment = at if isinstance(at, datetime) else as_datetime(at)
    return moment.astimezone(UTC).isoformat()
