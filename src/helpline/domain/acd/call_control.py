"""Call control on answered calls: hold, transfers, consult, conference, dial-out, supervisors.

A mixin of :class:`~helpline.domain.acd.center.ContactCenter`, kept apart so each file holds one
concern. Shapes follow Wazo's call API: transfers have a flow (blind or attended), and a
supervisor's presence on a call has a mode (listen, whisper, barge, intercept).
"""

from __future__ import annotations

from helpline.domain.acd.agent import IN_CONVERSATION, Agent, AgentState
from helpline.domain.acd.call import Call, CallState, Direction
from helpline.domain.acd.core import AcdCore
from helpline.domain.errors import Invalid, InvalidTransition
from helpline.domain.events import (
    CallAnswered,
    CallEnded,
    CallHeld,
    CallOfferEnded,
    CallRetrieved,
    CallTransferred,
    ConferenceStarted,
    ConsultAnswered,
    ConsultEnded,
    ConsultStarted,
    Event,
    SatisfactionRated,
    SupervisorJoined,
    SupervisorLeft,
)

Events = list[Event]
SUPERVISOR_MODES = ("listen", "whisper", "barge", "intercept")


class CallControl(AcdCore):
    # ---- helpers -----------------------------------------------------------------------

    def _owned_call(self, call_id: str, agent_id: str) -> tuple[Call, Agent]:
        call, agent = self.call(call_id), self.agent(agent_id)
        if (
            agent.current_call_id != call_id
            or agent.state not in IN_CONVERSATION
            or call.state not in (CallState.TALKING, CallState.ON_HOLD)
        ):
            raise InvalidTransition(
                "not_on_this_call",
                f"agent {agent_id} is not on call {call_id}",
                call_id=call_id,
                agent_id=agent_id,
            )
        if "consult_for" in call.data:
            # the consulted colleague's leg: the consulting agent decides its fate; hang up to leave
            raise InvalidTransition(
                "consult_leg", "a consult call can only be hung up", call_id=call_id, agent_id=agent_id
            )
        return call, agent

    def _put_on_hold(self, call: Call, now: float) -> None:
        if call.held_since is None:
            call.held_since = now
        call.state = CallState.ON_HOLD

    def _take_off_hold(self, call: Call, now: float) -> float:
        held = 0.0
        if call.held_since is not None:
            held = now - call.held_since
            call.held_total += held
            call.held_since = None
        call.state = CallState.TALKING
        return held

    # ---- hold --------------------------------------------------------------------------

    def hold(self, call_id: str, agent_id: str, now: float) -> Events:
        """保持: the caller hears music; the 30-second hold norm is timed from here."""
        call, agent = self._owned_call(call_id, agent_id)
        out: Events = [self._transition(agent, "hold", now, call_id=call_id)]
        self._put_on_hold(call, now)
        out.append(CallHeld(tenant_id=self.tenant_id, at=now, call_id=call_id, agent_id=agent_id))
        return out

    def retrieve(self, call_id: str, agent_id: str, now: float) -> Events:
        call, agent = self._owned_call(call_id, agent_id)
        out: Events = [self._transition(agent, "retrieve", now, call_id=call_id)]
        held = self._take_off_hold(call, now)
        out.append(
            CallRetrieved(tenant_id=self.tenant_id, at=now, call_id=call_id, agent_id=agent_id, held=held)
        )
        return out

    # ---- blind transfer ----------------------------------------------------------------

    def transfer(
        self,
        call_id: str,
        agent_id: str,
        now: float,
        *,
        to_queue_id: str | None = None,
        to_agent_id: str | None = None,
        to_number: str | None = None,
    ) -> Events:
        """Blind transfer (盲转) to a queue, an agent or an outside number."""
        if sum(x is not None for x in (to_queue_id, to_agent_id, to_number)) != 1:
            raise Invalid("one_target", "name exactly one of to_queue_id, to_agent_id, to_number")
        call, agent = self._owned_call(call_id, agent_id)
        if agent.state not in (AgentState.TALKING, AgentState.ON_HOLD):
            # consulting: complete or cancel the consult; in a conference: leave it
            raise InvalidTransition(
                "invalid_agent_transition",
                f"agent {agent_id} cannot transfer while {agent.state.value}",
                agent_id=agent_id,
                state=agent.state.value,
                command="transfer",
            )
        if to_queue_id is not None:
            self.router.queue(to_queue_id)
        target = self.agent(to_agent_id) if to_agent_id else None
        if target is not None and not target.available:
            raise InvalidTransition(
                "agent_not_available",
                f"agent {to_agent_id} is not ready",
                agent_id=to_agent_id,
                state=target.state.value,
            )
        out: Events = [
            CallTransferred(
                tenant_id=self.tenant_id,
                at=now,
                call_id=call_id,
                from_agent_id=agent_id,
                to_agent_id=to_agent_id,
                to_queue_id=to_queue_id,
                to_number=to_number,
            )
        ]
        if call.held_since is not None:
            self._take_off_hold(call, now)
        self._agent_leaves(agent, call, now, out)
        call.agent_id = None
        if to_number is not None:
            call.state = CallState.ENDED
            call.ended_at = now
            out.append(
                CallEnded(
                    tenant_id=self.tenant_id,
                    at=now,
                    call_id=call_id,
                    agent_id=agent_id,
                    queue_id=call.queue_id,
                    talk=call.talk_time(now),
                    held=call.held_total,
                    ended_by="transfer",
                )
            )
        elif to_queue_id is not None:
            call.state = CallState.ARRIVED
            self._enter_queue(call, to_queue_id, now, out, first=False)
        elif target is not None:
            self._offer(call, [target], now, out)
        return out

    # ---- attended transfer, consult and conference -------------------------------------

    def consult(
        self,
        call_id: str,
        agent_id: str,
        consult_call_id: str,
        now: float,
        *,
        to_agent_id: str | None = None,
        to_number: str | None = None,
    ) -> Events:
        """内部/外部咨询: the caller waits on hold while the agent talks to a colleague."""
        if (to_agent_id is None) == (to_number is None):
            raise Invalid("one_target", "name exactly one of to_agent_id, to_number")
        call, agent = self._owned_call(call_id, agent_id)
        if call.id in self._consult_of:
            raise InvalidTransition("already_consulting", "a consult is already under way", call_id=call_id)
        target = self.agent(to_agent_id) if to_agent_id else None
        if target is not None and (not target.available or target.id == agent_id):
            raise InvalidTransition(
                "agent_not_available",
                f"agent {to_agent_id} is not ready",
                agent_id=to_agent_id,
                state=target.state.value,
            )
        if not agent.can("consult"):
            agent.apply("consult", now)  # raises InvalidTransition before anything changes
        consult = Call(
            consult_call_id,
            self.tenant_id,
            caller=agent.extension or agent.id,
            callee=to_number or (target.extension if target else ""),
            direction=Direction.INTERNAL if target else Direction.OUTBOUND,
            data={"consult_for": call_id, "from_agent": agent_id},
        )
        out = self.arrive(consult, now)
        out.append(self._transition(agent, "consult", now, call_id=call_id))
        agent.consult_call_id = consult_call_id
        self._put_on_hold(call, now)
        self._consult_of[call_id] = consult_call_id
        out.append(
            ConsultStarted(
                tenant_id=self.tenant_id,
                at=now,
                call_id=call_id,
                agent_id=agent_id,
                consult_call_id=consult_call_id,
                target_agent_id=to_agent_id,
                target_number=to_number,
            )
        )
        if target is not None:
            self._offer(consult, [target], now, out)
        else:
            consult.state = CallState.DIALING
        return out

    def _consult_answered(self, consult: Call, agent: Agent, now: float, out: Events) -> None:
        out.append(
            CallAnswered(
                tenant_id=self.tenant_id,
                at=now,
                call_id=consult.id,
                agent_id=agent.id,
                queue_id=None,
                waited=0.0,
                rang=now - consult.offered_at,
            )
        )
        out.append(
            ConsultAnswered(
                tenant_id=self.tenant_id,
                at=now,
                call_id=str(consult.data["consult_for"]),
                agent_id=str(consult.data["from_agent"]),
                consult_call_id=consult.id,
                target_agent_id=agent.id,
            )
        )

    def _consult_failed(self, consult: Call, now: float, out: Events) -> None:
        self._end_consult(consult, now, "cancelled", out)

    def _end_consult(
        self, consult: Call, now: float, outcome: str, out: Events, *, restore: bool = True
    ) -> None:
        """Close the consult leg; with ``restore`` the first agent returns to the caller."""
        customer_id = str(consult.data["consult_for"])
        from_agent = self.agents[str(consult.data["from_agent"])]
        self._consult_of.pop(customer_id, None)
        self._cancel("ring", consult.id)
        rung = [self.agents[agent_id] for agent_id in sorted(consult.offered_to)]
        for target in rung:
            out.append(
                CallOfferEnded(
                    tenant_id=self.tenant_id,
                    at=now,
                    call_id=consult.id,
                    agent_id=target.id,
                    cause="consult_cancelled",
                )
            )
            out.append(self._transition(target, "offer_lost", now, call_id=consult.id))
        consult.offered_to = set()
        helper = self.agents.get(consult.agent_id or "")
        consult.state = CallState.ENDED
        consult.ended_at = now
        out.append(
            ConsultEnded(
                tenant_id=self.tenant_id,
                at=now,
                call_id=customer_id,
                agent_id=from_agent.id,
                consult_call_id=consult.id,
                outcome=outcome,
            )
        )
        if outcome == "cancelled" and helper is not None and helper.current_call_id == consult.id:
            self._agent_leaves(helper, consult, now, out, wrapup=0.0)
        from_agent.consult_call_id = None
        if restore and from_agent.state is AgentState.CONSULTING:
            customer = self.calls[customer_id]
            out.append(self._transition(from_agent, "consult_end", now, call_id=customer_id))
            held = self._take_off_hold(customer, now)
            out.append(
                CallRetrieved(
                    tenant_id=self.tenant_id, at=now, call_id=customer_id, agent_id=from_agent.id, held=held
                )
            )
        for target in rung:  # the colleague who was rung is free again: give them a call
            self._route_agent(target, now, out)

    def _answered_consult(self, call_id: str, agent_id: str) -> Call:
        consult_id = self._consult_of.get(call_id)
        agent = self.agent(agent_id)
        if consult_id is None or agent.state is not AgentState.CONSULTING:
            raise InvalidTransition("no_consult", "there is no consult on this call", call_id=call_id)
        consult = self.calls[consult_id]
        if consult.state is not CallState.TALKING:
            raise InvalidTransition(
                "consult_not_answered", "the consulted party has not answered", call_id=call_id
            )
        return consult

    def cancel_consult(self, call_id: str, agent_id: str, now: float) -> Events:
        consult_id = self._consult_of.get(call_id)
        if consult_id is None or self.agent(agent_id).consult_call_id != consult_id:
            raise InvalidTransition("no_consult", "there is no consult on this call", call_id=call_id)
        out: Events = []
        self._end_consult(self.calls[consult_id], now, "cancelled", out)
        return out

    def complete_transfer(self, call_id: str, agent_id: str, now: float) -> Events:
        """Attended transfer: after consulting, hand the caller to the consulted party."""
        consult = self._answered_consult(call_id, agent_id)
        call, agent = self.calls[call_id], self.agents[agent_id]
        helper = self.agents.get(consult.agent_id or "")
        out: Events = []
        self._end_consult(consult, now, "transferred", out, restore=False)
        self._take_off_hold(call, now)
        out.append(
            CallTransferred(
                tenant_id=self.tenant_id,
                at=now,
                call_id=call_id,
                from_agent_id=agent_id,
                to_agent_id=helper.id if helper else None,
                to_number=None if helper else consult.callee,
                flow="attended",
            )
        )
        agent.current_call_id = call_id
        self._agent_leaves(agent, call, now, out)
        if helper is not None:
            helper.current_call_id = call_id
            call.agent_id = helper.id
        else:
            call.state = CallState.ENDED
            call.ended_at = now
            out.append(
                CallEnded(
                    tenant_id=self.tenant_id,
                    at=now,
                    call_id=call_id,
                    agent_id=agent_id,
                    queue_id=call.queue_id,
                    talk=call.talk_time(now),
                    held=call.held_total,
                    ended_by="transfer",
                )
            )
        return out

    def conference(self, call_id: str, agent_id: str, now: float) -> Events:
        """三方会议: join the caller, the agent and the consulted party."""
        consult = self._answered_consult(call_id, agent_id)
        call, agent = self.calls[call_id], self.agents[agent_id]
        helper = self.agents.get(consult.agent_id or "")
        out: Events = []
        self._end_consult(consult, now, "conferenced", out, restore=False)
        out.append(self._transition(agent, "conference", now, call_id=call_id))
        agent.current_call_id = call_id
        members = [agent_id]
        if helper is not None:
            out.append(self._transition(helper, "conference", now, call_id=call_id))
            helper.current_call_id = call_id
            members.append(helper.id)
        call.data["conference"] = members
        self._take_off_hold(call, now)
        out.append(
            ConferenceStarted(
                tenant_id=self.tenant_id,
                at=now,
                call_id=call_id,
                agent_ids=tuple(members),
                number=None if helper else consult.callee,
            )
        )
        return out

    def _leave_conference(self, call: Call, agent_id: str, now: float, out: Events) -> bool:
        """One agent leaves a conference; the call goes on. False when it is no conference."""
        members: list[str] = call.data.get("conference", [])
        if agent_id not in members or len(members) < 2:
            return False
        members.remove(agent_id)
        agent = self.agents[agent_id]
        self._agent_leaves(agent, call, now, out)
        if call.agent_id == agent_id:
            call.agent_id = members[0]
        if len(members) == 1:
            remaining = self.agents[members[0]]
            call.data.pop("conference")
            out.append(self._transition(remaining, "conference_end", now, call_id=call.id))
        return True

    # ---- outbound ----------------------------------------------------------------------

    def dial(self, agent_id: str, number: str, call_id: str, now: float) -> Events:
        """外拨: the agent calls out; the agent is reserved until the far end answers."""
        agent = self.agent(agent_id)
        if not number:
            raise Invalid("number_required", "a number to dial is required", field="number")
        if call_id in self.calls:
            raise InvalidTransition("duplicate_call", f"call {call_id} exists", call_id=call_id)
        call = Call(
            call_id,
            self.tenant_id,
            caller=agent.extension or agent.id,
            callee=number,
            direction=Direction.OUTBOUND,
        )
        out: Events = [self._transition(agent, "dial", now, call_id=call_id)]
        out += self.arrive(call, now)
        call.state = CallState.DIALING
        call.agent_id = agent_id
        call.offered_at = now
        return out

    def far_end_answered(self, call_id: str, now: float) -> Events:
        call = self.call(call_id)
        if call.state is not CallState.DIALING:
            raise InvalidTransition("not_dialing", f"call {call_id} is {call.state.value}", call_id=call_id)
        if call.agent_id is not None and not self.agents[call.agent_id].can("answer"):
            self.agents[call.agent_id].apply("answer", now)  # raises; the call is left as it was
        call.state = CallState.TALKING
        call.answered_at = now
        if call.agent_id is None:  # an outside party answered a consult
            return [
                CallAnswered(
                    tenant_id=self.tenant_id,
                    at=now,
                    call_id=call_id,
                    agent_id=str(call.data.get("from_agent", "")),
                    queue_id=None,
                    waited=0.0,
                    rang=now - call.arrived_at,
                )
            ]
        agent = self.agents[call.agent_id]
        self._segment_start[agent.id] = now
        return [
            self._transition(agent, "answer", now, call_id=call_id),
            CallAnswered(
                tenant_id=self.tenant_id,
                at=now,
                call_id=call_id,
                agent_id=agent.id,
                queue_id=None,
                waited=0.0,
                rang=now - call.offered_at,
            ),
        ]

    # ---- supervisors -------------------------------------------------------------------

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
