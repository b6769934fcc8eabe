"""Allowed values of request fields, taken from the domain's one list of them, so the API, its
OpenAPI document and ``GET /api/v1/meta`` can never disagree."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any, Literal


def one_of(values: type[StrEnum] | Iterable[str]) -> Any:
    """``Literal["a", "b", ...]`` of an enumeration's values (or of a tuple of strings).
    mypy cannot read a Literal built at run time: declare the alias as ``str`` under
    ``TYPE_CHECKING``."""
    return Literal[tuple(str(value) for value in values)]
