"""Where a SIP message comes from or goes to: transport, host and port."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Address:
    host: str
    port: int
    transport: str = "UDP"  # "UDP" or "TCP"

    @property
    def reliable(self) -> bool:
        """Reliable transports make the retransmission timers unnecessary (RFC 3261 §17)."""
        return self.transport != "UDP"

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.transport.lower()}:{host}:{self.port}"
