"""The virtual switch: carries out the ACD's telephony commands on imaginary lines.

No audio moves; the switch keeps each call's legs so that tests and the API can see what
a real switch would have done (rung, bridged, held, monitored, hung up).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SimLine:
    call_id: str
    ringing: set[str] = field(default_factory=set)
    bridged_to: str | None = None
    on_hold: bool = False
    monitors: dict[str, str] = field(default_factory=dict)
    ended: bool = False
    log: list[str] = field(default_factory=list)


class SimSwitch:
    def __init__(self) -> None:
        self.lines: dict[tuple[str, str], SimLine] = {}

    def line(self, tenant_id: str, call_id: str) -> SimLine:
        return self.lines.setdefault((tenant_id, call_id), SimLine(call_id))

    async def ring_agent(self, tenant_id: str, call_id: str, agent_id: str) -> None:
        line = self.line(tenant_id, call_id)
        line.ringing.add(agent_id)
        line.log.append(f"ring {agent_id}")

    async def bridge(self, tenant_id: str, call_id: str, agent_id: str) -> None:
        line = self.line(tenant_id, call_id)
        line.ringing.clear()
        line.bridged_to = agent_id
        line.on_hold = False
        line.log.append(f"bridge {agent_id}")

    async def hold(self, tenant_id: str, call_id: str) -> None:
        line = self.line(tenant_id, call_id)
        line.on_hold = True
        line.log.append("hold music")

    async def retrieve(self, tenant_id: str, call_id: str, agent_id: str) -> None:
        await self.bridge(tenant_id, call_id, agent_id)

    async def monitor(self, tenant_id: str, call_id: str, supervisor_id: str, mode: str) -> None:
        line = self.line(tenant_id, call_id)
        line.monitors[supervisor_id] = mode
        line.log.append(f"{mode} {supervisor_id}")

    async def hangup(self, tenant_id: str, call_id: str) -> None:
        line = self.line(tenant_id, call_id)
        line.ended = True
        line.ringing.clear()
        line.log.append("hangup")
        self.lines.pop((tenant_id, call_id), None)

    async def cancel_ring(self, tenant_id: str, call_id: str, agent_id: str) -> None:
        line = self.lines.get((tenant_id, call_id))
        if line is not None:
            line.ringing.discard(agent_id)
            line.log.append(f"cancel ring {agent_id}")

    async def unmonitor(self, tenant_id: str, call_id: str, supervisor_id: str) -> None:
        line = self.lines.get((tenant_id, call_id))
        if line is not None:
            line.monitors.pop(supervisor_id, None)
            line.log.append(f"unmonitor {supervisor_id}")

    async def survey(self, tenant_id: str, call_id: str) -> None:
        """No caller to ask on imaginary lines: the call just ends (rate it through the API)."""
        self.line(tenant_id, call_id).log.append("survey")
        await self.hangup(tenant_id, call_id)

    async def release_agent(self, tenant_id: str, call_id: str, agent_id: str) -> None:
        line = self.lines.get((tenant_id, call_id))
        if line is not None:
            if line.bridged_to == agent_id:
                line.bridged_to = None
            line.log.append(f"release {agent_id}")
