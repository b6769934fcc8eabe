"""Domain errors: a code and fields, no HTTP or SIP shape.

The web layer maps codes to status codes in one place; the CLI prints the message.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule of the domain refused a request. ``code`` is stable and machine-readable."""

    kind = "conflict"

    def __init__(self, code: str, message: str = "", **fields: Any) -> None:
        self.code = code
        self.message = message or code.replace("_", " ")
        self.fields = fields
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.fields}


class NotFound(DomainError):
    """The object does not exist (or belongs to another tenant, which looks the same)."""

    kind = "not_found"


class InvalidTransition(DomainError):
    """A state machine was asked for a transition its current state does not allow."""

    kind = "conflict"


class Invalid(DomainError):
    """Input that is well-formed but breaks a rule (a bad value, a missing field)."""

    kind = "invalid"


class Forbidden(DomainError):
    """The actor's role does not allow the action."""

    kind = "forbidden"
