"""Supervisors on a live call (监听 listen, 耳语 whisper, 强插 barge, 拦截 intercept), and the
caller's satisfaction key press after the agent hung up."""

from __future__ import annotations

from helpline.domain.acd.agent import IN_CONVERSATION
from helpline.domain.acd.call import CallState
from helpline.domain.acd.core import Events
from helpline.domain.acd.dial_out import DialOut
from helpline.domain.errors import Invalid, InvalidTransition
from helpline.domain.events import (
    SatisfactionRated,
    SupervisorJoined,
    SupervisorLeft,
)

SUPERVISOR_MODES = ("listen", "whisper", "barge", "intercept")


class Supervision(DialOut):
    def supervise(self, call_id: str, supervisor_id: str, mode: str, now: float) -> Events:
        """监听 / 耳语 / 强插 / 拦截. Intercept takes the call from the agent."""
        if mode not in SUPERVISOR_MODES:
            raise Invalid("invalid_mode", f"mode must be one of {', '.join(SUPERVISOR_MODES)}", field="mode")
        call = self.call(call_id)
        if call.state not in (CallState.TALKING, CallState.ON_HOLD):
            raise InvalidTransition(
                "call_not_active", f"call {call_id} is {call.state.value}", call_id=call_id
            )
        if mode == "intercept" and "consult_for" in call.data:
            raise InvalidTransition("consult_leg", "a consult call cannot be intercepted", call_id=call_id)
        supervisors: dict[str, str] = call.data.setdefault("supervisors", {})
        supervisors[supervisor_id] = mode
        out: Events = [
            SupervisorJoined(
                tenant_id=self.tenant_id,
                at=now,
                call_id=call_id,
                supervisor_id=supervisor_id,
                mode=mode,
                agent_id=call.agent_id,
            )
        ]
        if mode == "intercept" and call.agent_id is not None:
            consult_id = self._consult_of.get(call_id)
            if consult_id is not None:  # the agent was consulting: that leg ends with the takeover
                self._end_consult(self.calls[consult_id], now, "cancelled", out, restore=False)
            if call.held_since is not None:
                self._take_off_hold(call, now)
            on_call = [call.agent_id, *call.data.pop("conference", ())]
            for agent_id in dict.fromkeys(on_call):  # every agent leaves, conference members too
                agent = self.agents[agent_id]
                if agent.state in IN_CONVERSATION and agent.current_call_id == call_id:
                    self._agent_leaves(agent, call, now, out)
            call.agent_id = None
            call.data["intercepted_by"] = supervisor_id
        return out

    def unsupervise(self, call_id: str, supervisor_id: str, now: float) -> Events:
        call = self.call(call_id)
        supervisors: dict[str, str] = call.data.get("supervisors", {})
        if supervisors.pop(supervisor_id, None) is None:
            raise InvalidTransition("not_supervising", "this supervisor is not on the call", call_id=call_id)
        return [
            SupervisorLeft(tenant_id=self.tenant_id, at=now, call_id=call_id, supervisor_id=supervisor_id)
        ]

    def rate(self, call_id: str, score: int, now: float) -> Events:
        """The caller's satisfaction key press after the agent hung up (NORMS §6)."""
        call = self.call(call_id)
        if not 1 <= score <= 5:
            raise Invalid("invalid_score", "satisfaction scores run from 1 to 5", field="score")
        if call.answered_at is None:
            raise InvalidTransition("call_not_answered", "only answered calls are rated", call_id=call_id)
        call.data["satisfaction"] = score
        return [
            SatisfactionRated(
                tenant_id=self.tenant_id,
                at=now,
                call_id=call_id,
                agent_id=call.agent_id or call.data.get("last_agent"),
                score=score,
            )
        ]
