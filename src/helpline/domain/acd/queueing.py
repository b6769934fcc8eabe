"""Calls entering and waiting: arrival, queueing, overflow steps and the queue's exit rule."""

from __future__ import annotations

from helpline.domain.acd.call import WAITING, Call, CallState
from helpline.domain.acd.core import AcdCore, Events
from helpline.domain.acd.queue import ExitAction
from helpline.domain.errors import InvalidTransition
from helpline.domain.events import (
    CallArrived,
    CallExitedQueue,
    CallOverflowed,
    CallQueued,
)


class Queueing(AcdCore):
    def arrive(self, call: Call, now: float) -> Events:
        """A call reaches the platform (it is in the IVR until :meth:`enqueue`)."""
        if call.id in self.calls:
            raise InvalidTransition("duplicate_call", f"call {call.id} exists", call_id=call.id)
        call.arrived_at = now
        self.calls[call.id] = call
        return [
            CallArrived(
                tenant_id=self.tenant_id,
                at=now,
                call_id=call.id,
                direction=call.direction.value,
                caller=call.caller,
                callee=call.callee,
                priority=call.priority,
            )
        ]

    def enqueue(
        self,
        call_id: str,
        queue_id: str,
        now: float,
        *,
        priority: int | None = None,
        skills: dict[str, int] | None = None,
    ) -> Events:
        call = self.call(call_id)
        if call.state is not CallState.ARRIVED:
            raise InvalidTransition(
                "call_not_in_ivr",
                f"call {call_id} is {call.state.value}",
                call_id=call_id,
                state=call.state.value,
            )
        self.router.queue(queue_id)  # NotFound before anything changes
        if priority is not None:
            call.priority = priority
        if skills:
            call.required_skills.update(skills)
        out: Events = []
        self._enter_queue(call, queue_id, now, out, first=True)
        return out

    def _enter_queue(
        self, call: Call, queue_id: str, now: float, out: Events, *, first: bool, hops: int = 0
    ) -> None:
        index = self.router.queue(queue_id)
        config = index.config
        call.queue_id = queue_id
        call.entered_queue_at = now
        call.effective_skills = {**config.required_skills, **call.required_skills}
        call.max_penalty = 0
        call.overflow_step = 0
        if first:
            call.enqueued_at = now
        call.seq = 0
        if config.max_length is not None and len(index.waiting_entry) >= config.max_length:
            call.state = CallState.QUEUED
            self._exit(call, "max_length", now, out, hops=hops)
            return
        call.state = CallState.QUEUED
        index.add_waiting(call)
        out.append(
            CallQueued(
                tenant_id=self.tenant_id,
                at=now,
                call_id=call.id,
                queue_id=queue_id,
                priority=call.priority,
                position=index.position_of(call.id),
            )
        )
        self._cancel("queue", call.id)
        renew = True
        for number, step in enumerate(config.overflow, start=1):
            self._schedule(now + step.after, "queue", call.id, arg=number, renew=renew)
            renew = False
        if config.max_wait is not None:
            self._schedule(now + config.max_wait, "queue", call.id, arg=0, renew=renew)
        self._route_call(call, now, out)

    def _on_queue(self, call_id: str, now: float, step: int, out: Events) -> None:
        call = self.calls.get(call_id)
        if call is None or call.state not in WAITING or call.queue_id is None:
            return
        config = self.queue_config(call.queue_id)
        if step == 0:
            if call.state is CallState.QUEUED:
                self._exit(call, "max_wait", now, out)
            return  # a ringing call is let finish; the timeout path re-checks the wait
        overflow = config.overflow[step - 1]
        call.overflow_step = step
        if overflow.max_penalty is not None:
            call.max_penalty = max(call.max_penalty, overflow.max_penalty)
        for skill in overflow.drop_skills:
            call.effective_skills.pop(skill, None)
        out.append(
            CallOverflowed(
                tenant_id=self.tenant_id,
                at=now,
                call_id=call.id,
                queue_id=call.queue_id,
                step=step,
                to_queue_id=overflow.to_queue_id,
                max_penalty=call.max_penalty,
            )
        )
        if overflow.to_queue_id and call.state is CallState.QUEUED:
            self.router.queue(call.queue_id).remove_waiting(call.id)
            self._enter_queue(call, overflow.to_queue_id, now, out, first=False)
        elif call.state is CallState.QUEUED:
            index = self.router.queue(call.queue_id)
            index.remove_waiting(call.id)
            index.add_waiting(call)  # the same place in line; its wider reach is on record
            self._route_call(call, now, out)

    def _exit(self, call: Call, cause: str, now: float, out: Events, *, hops: int = 0) -> None:
        assert call.queue_id is not None
        config = self.queue_config(call.queue_id)
        self.router.queue(call.queue_id).remove_waiting(call.id)
        self._cancel("queue", call.id)
        action, to_queue_id = config.exit_action, config.exit_queue_id
        if action is ExitAction.QUEUE and hops >= len(self.router.queues):
            # every queue on the exit chain is full (a cycle): the caller cannot be kept
            action, to_queue_id = ExitAction.HANGUP, None
        out.append(
            CallExitedQueue(
                tenant_id=self.tenant_id,
                at=now,
                call_id=call.id,
                queue_id=call.queue_id,
                cause=cause,
                action=action.value,
                waited=call.waited(now),
                to_queue_id=to_queue_id,
            )
        )
        if action is ExitAction.QUEUE and to_queue_id:
            self._enter_queue(call, to_queue_id, now, out, first=False, hops=hops + 1)
        else:
            call.state = CallState.EXITED
            call.ended_at = now
