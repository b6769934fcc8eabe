"""Queue configuration: strategy, skills, service-level target, limits, overflow and exits."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from helpline.domain.acd.agent import check_skill_level
from helpline.domain.errors import Invalid


class Strategy(StrEnum):
    LONGEST_IDLE = "longest_idle"  # 空闲时间最长的坐席优先 (the default)
    FEWEST_CALLS = "fewest_calls"  # fewest calls answered today
    LEAST_TALK_TIME = "least_talk_time"  # least talk time today
    ROUND_ROBIN = "round_robin"  # round robin that remembers who got the last call
    RING_ALL = "ring_all"  # ring every available agent; the first to answer wins
    RANDOM = "random"
    BEST_SKILL = "best_skill"  # highest skill level for the queue, then longest idle
    FIXED_ORDER = "fixed_order"  # always in member order (linear hunting)


class ExitAction(StrEnum):
    VOICEMAIL = "voicemail"
    CALLBACK = "callback"
    QUEUE = "queue"
    HANGUP = "hangup"


class AfterWrapUp(StrEnum):
    READY = "ready"
    NOT_READY = "not_ready"


@dataclass(frozen=True, slots=True)
class OverflowStep:
    """After ``after`` seconds in queue, widen the call's reach or move it (TaskRouter-style)."""

    after: float
    max_penalty: int | None = None  # admit agents of this penalty tier and below
    drop_skills: tuple[str, ...] = ()  # stop requiring these skills
    to_queue_id: str | None = None  # move the call to another queue (keeps its wait)

    def __post_init__(self) -> None:
        if self.after < 0:
            raise Invalid("invalid_overflow", "overflow steps start at 0 s or later", field="after")
        if self.max_penalty is None and not self.drop_skills and self.to_queue_id is None:
            raise Invalid("invalid_overflow", "an overflow step must change something")
        if self.to_queue_id is not None and self.after <= 0:
            # a move after 0 s is plain routing to the other queue, and two such moves
            # pointing at each other would spin forever at one instant
            raise Invalid("invalid_overflow", "a move to another queue needs after > 0", field="after")


@dataclass(slots=True)
class QueueConfig:
    id: str
    tenant_id: str = "default"
    name: str = ""
    strategy: Strategy = Strategy.LONGEST_IDLE
    required_skills: dict[str, int] = field(default_factory=dict)
    sl_target: float = 0.8  # X % answered ...
    sl_seconds: float = 20.0  # ... within Y s
    max_length: int | None = None
    max_wait: float | None = None
    exit_action: ExitAction = ExitAction.VOICEMAIL
    exit_queue_id: str | None = None
    ring_timeout: float = 15.0
    wrapup_seconds: float = 0.0  # per-queue maximum after-call work
    after_wrapup: AfterWrapUp = AfterWrapUp.READY
    aging_per_minute: float = 1.0  # priority points a waiting caller gains per minute
    weight: int = 0  # across queues, a higher weight is served first
    overflow: tuple[OverflowStep, ...] = ()

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        if not self.id:
            raise Invalid("invalid_queue", "a queue needs an id", field="id")
        self.strategy = Strategy(self.strategy)
        self.exit_action = ExitAction(self.exit_action)
        self.after_wrapup = AfterWrapUp(self.after_wrapup)
        for skill, level in self.required_skills.items():
            check_skill_level(skill, level)
        if not 0 < self.sl_target <= 1:
            raise Invalid("invalid_sl_target", "sl_target is a fraction in (0, 1]", field="sl_target")
        if self.sl_seconds <= 0:
            raise Invalid("invalid_sl_seconds", "sl_seconds must be positive", field="sl_seconds")
        if self.max_length is not None and self.max_length < 1:
            raise Invalid("invalid_max_length", "max_length must be at least 1", field="max_length")
        if self.max_wait is not None and self.max_wait <= 0:
            raise Invalid("invalid_max_wait", "max_wait must be positive", field="max_wait")
        if self.exit_action is ExitAction.QUEUE and not self.exit_queue_id:
            raise Invalid("exit_queue_required", "exit to a queue names the queue", field="exit_queue_id")
        if self.exit_queue_id == self.id:
            raise Invalid("invalid_exit_queue", "a queue cannot exit to itself", field="exit_queue_id")
        if self.ring_timeout <= 0:
            raise Invalid("invalid_ring_timeout", "ring_timeout must be positive", field="ring_timeout")
        if self.wrapup_seconds < 0:
            raise Invalid("invalid_wrapup", "wrapup_seconds cannot be negative", field="wrapup_seconds")
        if self.aging_per_minute < 0:
            raise Invalid("invalid_aging", "aging cannot be negative", field="aging_per_minute")
        if any(step.to_queue_id == self.id for step in self.overflow):
            raise Invalid("invalid_overflow", "a queue cannot overflow to itself", field="overflow")
        self.overflow = tuple(sorted(self.overflow, key=lambda step: step.after))

    @property
    def aging_per_second(self) -> float:
        return self.aging_per_minute / 60.0
