"""Configuration of the ACD: queues, agent profiles, skills and not-ready reasons, stored
through the unit of work and mirrored into the live core.

What is stored is checked first (the core's own rules, and that the queues it names are
stored), then committed; the live core takes the change only once the commit succeeded (an
after-commit action of the unit), so a refused or failed request leaves the live ACD as it
was. The ``stage_*`` variants do not commit: an orchestrator (the demo data) commits once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from typing import Any

import structlog

from helpline.app.acd.center_service import CenterService
from helpline.app.acd.ports import AcdUnit, AcdUnits
from helpline.domain.acd.agent import Agent, WorkMode, check_skill_level
from helpline.domain.acd.center import ContactCenter
from helpline.domain.acd.queue import AfterWrapUp, ExitAction, OverflowStep, QueueConfig, Strategy
from helpline.domain.acd.records import QUEUE_FIELDS, AgentProfile, QueueRecord, Skill
from helpline.domain.errors import DomainError, Invalid, InvalidTransition, NotFound
from helpline.domain.events import Event
from helpline.domain.people.accounts import User

log = structlog.get_logger("helpline.acd.config")
REASONS_KEY = "not_ready_reasons"


def queue_config(tenant_id: str, queue: QueueRecord) -> QueueConfig:
    """The live core's configuration of a stored queue (raises ``Invalid`` when it breaks a rule)."""
    return QueueConfig(
        id=queue.id,
        tenant_id=tenant_id,
        name=queue.name,
        strategy=Strategy(queue.strategy),
        required_skills=dict(queue.required_skills or {}),
        sl_target=queue.sl_target,
        sl_seconds=queue.sl_seconds,
        max_length=queue.max_length,
        max_wait=queue.max_wait,
        exit_action=ExitAction(queue.exit_action),
        exit_queue_id=queue.exit_queue_id,
        ring_timeout=queue.ring_timeout,
        wrapup_seconds=queue.wrapup_seconds,
        after_wrapup=AfterWrapUp(queue.after_wrapup),
        aging_per_minute=queue.aging_per_minute,
        weight=queue.weight,
        overflow=tuple(OverflowStep(**step) for step in queue.overflow or ()),
    )


def core_agent(tenant_id: str, profile: AgentProfile, user: User) -> Agent:
    return Agent(
        profile.id,
        tenant_id,
        name=user.display_name or user.username,
        extension=profile.extension,
        skills=dict(profile.skills or {}),
        queues=dict(profile.queues or {}),
        work_mode=WorkMode(profile.work_mode),
    )


def _apply_live(
    uow: AcdUnit, centers: CenterService, what: str, change: Callable[[ContactCenter, float], list[Event]]
) -> None:
    """Run ``change`` on the tenant's live core once the unit is committed. The stored
    configuration was checked before the commit; a core that disagrees (its state drifted
    from the database) is logged, and the database wins at the next start."""
    tenant_id = uow.tenant_id

    async def apply() -> None:
        try:
            await centers.execute(tenant_id, change)
        except DomainError as exc:
            log.error("live_config_not_applied", tenant_id=tenant_id, what=what, code=exc.code)

    uow.after_commit(apply)


# ---- start-up -------------------------------------------------------------------------------


async def load_all(units: AcdUnits, service: CenterService, default_tenant: str = "default") -> None:
    """Rebuild every tenant's live core from storage (at start-up)."""
    async with units(default_tenant) as uow:
        tenants = [t.id for t in await uow.tenants.list()]
    for tenant_id in tenants:
        async with units(tenant_id) as uow:
            settings = await uow.tenant_settings.get()
            queues = await uow.queues.list()
            profiles = await uow.agent_profiles.list()
            users = {u.id: u for u in await uow.users.list()}
        center = service.center(tenant_id)
        if settings.get(REASONS_KEY):
            center.not_ready_reasons = set(settings[REASONS_KEY])
        _load_queues(center, [queue_config(tenant_id, q) for q in queues])
        for profile in profiles:
            user = users.get(profile.id)
            if user is None:
                continue
            try:
                center.put_agent(core_agent(tenant_id, profile, user))
            except DomainError:
                profile.queues = {q: p for q, p in profile.queues.items() if q in center.router.queues}
                center.put_agent(core_agent(tenant_id, profile, user))


def _load_queues(center: ContactCenter, configs: list[QueueConfig]) -> None:
    """Queues that name other queues (exit, overflow) go in once their targets exist."""
    pending = configs
    while pending:
        later = []
        for config in pending:
            try:
                center.put_queue(config)
            except NotFound:
                later.append(config)
        if len(later) == len(pending):
            for config in later:  # a dangling reference: load without it rather than not at all
                config.exit_queue_id, config.overflow = None, ()
                if config.exit_action is ExitAction.QUEUE:
                    config.exit_action = ExitAction.VOICEMAIL
                center.put_queue(config)
            break
        pending = later


# ---- queues ---------------------------------------------------------------------------------


async def list_queues(uow: AcdUnit) -> Sequence[QueueRecord]:
    return await uow.queues.list()


async def get_queue(uow: AcdUnit, queue_id: str) -> QueueRecord:
    queue = await uow.queues.get(queue_id)
    if queue is None:
        raise NotFound("queue_not_found", f"no queue {queue_id}", queue_id=queue_id)
    return queue


async def save_queue(
    uow: AcdUnit, centers: CenterService, queue_id: str, values: dict[str, Any], *, create: bool
) -> QueueRecord:
    """:func:`stage_queue`, committed."""
    queue = await stage_queue(uow, centers, queue_id, values, create=create)
    await uow.commit()
    return queue


async def stage_queue(
    uow: AcdUnit, centers: CenterService, queue_id: str, values: dict[str, Any], *, create: bool
) -> QueueRecord:
    """Create (``create``) or change a queue; the live core takes it at commit and offers
    waiting calls to agents it newly matches."""
    queue = await uow.queues.get(queue_id)
    if create and queue is not None:
        raise InvalidTransition("queue_exists", f"queue {queue_id} exists", queue_id=queue_id)
    if not create and queue is None:
        raise NotFound("queue_not_found", f"no queue {queue_id}", queue_id=queue_id)
    if queue is None:
        defaults = QueueConfig(queue_id)  # the core's defaults are the one source of them
        queue = QueueRecord(queue_id)
        for name in QUEUE_FIELDS:
            value = getattr(defaults, name)
            setattr(queue, name, list(value) if isinstance(value, tuple) else value)
    for name, value in values.items():
        if name in QUEUE_FIELDS:
            setattr(queue, name, value)
    config = queue_config(uow.tenant_id, queue)  # validates
    targets = [config.exit_queue_id, *(step.to_queue_id for step in config.overflow)]
    await _require_queues(uow, (t for t in targets if t and t != queue_id))
    if create:
        await uow.queues.add(queue)
    else:
        await uow.queues.save(queue)

    def apply(center: ContactCenter, now: float) -> list[Event]:
        center.put_queue(config)
        return center.reroute(now)

    _apply_live(uow, centers, f"queue {queue_id}", apply)
    return queue


async def _require_queues(uow: AcdUnit, queue_ids: Iterable[str]) -> None:
    """Every queue named is stored (the live core refuses a configuration naming one it
    lacks; checked here, before the commit, where a refusal still stores nothing)."""
    for queue_id in sorted(set(queue_ids)):
        if await uow.queues.get(queue_id) is None:
            raise NotFound("queue_not_found", f"no queue {queue_id}", queue_id=queue_id)


async def delete_queue(uow: AcdUnit, centers: CenterService, queue_id: str) -> None:
    """Delete a queue nobody waits in; its members leave it. Commits."""
    await get_queue(uow, queue_id)

    def check(center: ContactCenter, now: float) -> None:
        index = center.router.queues.get(queue_id)
        if index is not None and index.waiting_entry:
            raise InvalidTransition("queue_not_empty", "calls are waiting in this queue", queue_id=queue_id)

    await centers.read(uow.tenant_id, check)
    for profile in await uow.agent_profiles.list():
        if queue_id in (profile.queues or {}):
            profile.queues = {q: p for q, p in profile.queues.items() if q != queue_id}
            await uow.agent_profiles.save(profile)
    await uow.queues.delete(queue_id)

    def remove(center: ContactCenter, now: float) -> list[Event]:
        if queue_id in center.router.queues:
            center.remove_queue(queue_id)
        return []

    _apply_live(uow, centers, f"queue {queue_id}", remove)
    await uow.commit()


# ---- agents ---------------------------------------------------------------------------------


def _check_profile(values: dict[str, Any]) -> None:
    for skill, level in (values.get("skills") or {}).items():
        check_skill_level(skill, level)
    for queue_id, penalty in (values.get("queues") or {}).items():
        if not 0 <= penalty <= 100:
            raise Invalid(
                "invalid_penalty", "a queue penalty runs from 0 to 100", field="queues", queue_id=queue_id
            )
    if "work_mode" in values:
        try:
            WorkMode(values["work_mode"])
        except ValueError:
            raise Invalid(
                "invalid_work_mode", "work_mode is auto_in or manual_in", field="work_mode"
            ) from None


async def save_agent(
    uow: AcdUnit, centers: CenterService, agent_id: str, values: dict[str, Any], *, create: bool
) -> AgentProfile:
    """:func:`stage_agent`, committed."""
    profile = await stage_agent(uow, centers, agent_id, values, create=create)
    await uow.commit()
    return profile


async def stage_agent(
    uow: AcdUnit, centers: CenterService, agent_id: str, values: dict[str, Any], *, create: bool
) -> AgentProfile:
    """Give a user an agent profile (``create``) or change it; the live core takes it at commit."""
    _check_profile(values)
    user = await uow.users.get(agent_id)
    if user is None:
        raise NotFound("user_not_found", f"no user {agent_id}", user_id=agent_id)
    profile = await uow.agent_profiles.get(agent_id)
    if create and profile is not None:
        raise InvalidTransition("agent_exists", "this user already has an agent profile", agent_id=agent_id)
    if not create and profile is None:
        raise NotFound("agent_not_found", f"no agent {agent_id}", agent_id=agent_id)
    stored = profile is not None
    profile = profile or AgentProfile(agent_id)
    for name in (f.name for f in fields(AgentProfile) if f.name != "id"):
        if values.get(name) is not None:
            setattr(profile, name, values[name])
    await _require_queues(uow, profile.queues)
    if stored:
        await uow.agent_profiles.save(profile)
    else:
        await uow.agent_profiles.add(profile)
    agent = core_agent(uow.tenant_id, profile, user)

    def apply(center: ContactCenter, now: float) -> list[Event]:
        center.put_agent(agent)
        return center.reroute(now)

    _apply_live(uow, centers, f"agent {agent_id}", apply)
    return profile


# ---- skills and reasons -----------------------------------------------------------------------


async def list_skills(uow: AcdUnit) -> Sequence[Skill]:
    return await uow.skills.list()


async def save_skill(uow: AcdUnit, skill_id: str, name: str, description: str) -> Skill:
    """:func:`stage_skill`, committed."""
    skill = await stage_skill(uow, skill_id, name, description)
    await uow.commit()
    return skill


async def stage_skill(uow: AcdUnit, skill_id: str, name: str, description: str) -> Skill:
    skill = Skill(skill_id, name or skill_id, description)
    await uow.skills.put(skill)
    return skill


async def set_reasons(uow: AcdUnit, centers: CenterService, reasons: list[str]) -> list[str]:
    """Replace the tenant's not-ready reasons (at least one). Commits."""
    cleaned = sorted({r.strip() for r in reasons if r.strip()})
    if not cleaned:
        raise Invalid("reasons_required", "keep at least one not-ready reason", field="reasons")
    if await uow.tenants.get(uow.tenant_id) is None:
        raise NotFound("tenant_not_found", f"no tenant {uow.tenant_id}")
    await uow.tenant_settings.update({REASONS_KEY: cleaned})

    def apply(center: ContactCenter, now: float) -> list[Event]:
        center.not_ready_reasons = set(cleaned)
        return []

    _apply_live(uow, centers, "not-ready reasons", apply)
    await uow.commit()
    return cleaned
