"""The one error the SIP parser raises, carrying what the transport needs to answer it."""

from __future__ import annotations


class SipParseError(ValueError):
    """A message that cannot be accepted.

    ``reason`` says why (it becomes the reason phrase of the error response), ``status`` is
    the response the transport should send when it can (400, 505 or 513), and
    ``headers``, when the header block was readable, holds the raw (name, value) pairs so
    Via, From, To, Call-ID and CSeq can be echoed in that response. ``method`` is the
    request method, or None for a response or an unreadable start line (never answered).
    """

    def __init__(
        self,
        reason: str,
        *,
        status: int = 400,
        method: str | None = None,
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.method = method
        self.headers = headers
