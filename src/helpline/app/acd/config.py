"""Configuration of the ACD: queues, agent profiles and skills, kept in the database and
mirrored into the live core. The database is written first (so constraint errors come
first), then the core; a core refusal raises and the request's transaction rolls back."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.tables.acd import AgentProfile, QueueRow, Skill
from helpline.adapters.db.tables.people import Tenant, User
from helpline.app.acd.center_service import CenterService
from helpline.domain.acd.agent import Agent, WorkMode, check_skill_level
from helpline.domain.acd.center import ContactCenter
from helpline.domain.acd.queue import AfterWrapUp, ExitAction, OverflowStep, QueueConfig, Strategy
from helpline.domain.errors import DomainError, Invalid, InvalidTransition, NotFound
from helpline.domain.events import Event

QUEUE_FIELDS = (
    "name",
    "strategy",
    "required_skills",
    "sl_target",
    "sl_seconds",
    "max_length",
    "max_wait",
    "exit_action",
    "exit_queue_id",
    "ring_timeout",
    "wrapup_seconds",
    "after_wrapup",
    "aging_per_minute",
    "weight",
    "overflow",
)


def queue_config(row: QueueRow) -> QueueConfig:
    return QueueConfig(
        id=row.id,
        tenant_id=row.tenant_id,
        name=row.name,
        strategy=Strategy(row.strategy),
        required_skills=dict(row.required_skills or {}),
        sl_target=row.sl_target,
        sl_seconds=row.sl_seconds,
        max_length=row.max_length,
        max_wait=row.max_wait,
        exit_action=ExitAction(row.exit_action),
        exit_queue_id=row.exit_queue_id,
        ring_timeout=row.ring_timeout,
        wrapup_seconds=row.wrapup_seconds,
        after_wrapup=AfterWrapUp(row.after_wrapup),
        aging_per_minute=row.aging_per_minute,
        weight=row.weight,
        overflow=tuple(OverflowStep(**step) for step in row.overflow or ()),
    )


def core_agent(profile: AgentProfile, user: User) -> Agent:
    return Agent(
        profile.id,
        profile.tenant_id,
        name=user.display_name or user.username,
        extension=profile.extension,
        skills=dict(profile.skills or {}),
        queues=dict(profile.queues or {}),
        work_mode=WorkMode(profile.work_mode),
    )


async def load_all(session: AsyncSession, service: CenterService) -> None:
    """Rebuild every tenant's live core from the database (at start-up)."""
    for tenant in (await session.scalars(select(Tenant))).all():
        center = service.center(tenant.id)
        reasons = (tenant.settings or {}).get("not_ready_reasons")
        if reasons:
            center.not_ready_reasons = set(reasons)
        rows = list((await session.scalars(select(QueueRow).where(QueueRow.tenant_id == tenant.id))).all())
        configs = [queue_config(r) for r in rows]
        # queues that name other queues (exit, overflow) go in once their targets exist
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
                    config.exit_action = config.exit_action if config.exit_action != "queue" else "voicemail"  # type: ignore[assignment]
                    center.put_queue(config)
                break
            pending = later
        stmt = (
            select(AgentProfile, User)
            .join(User, User.id == AgentProfile.id)
            .where(AgentProfile.tenant_id == tenant.id)
        )
        for profile, user in (await session.execute(stmt)).all():
            try:
                center.put_agent(core_agent(profile, user))
            except DomainError:
                profile.queues = {q: p for q, p in profile.queues.items() if q in center.router.queues}
                center.put_agent(core_agent(profile, user))


# ---- queues ---------------------------------------------------------------------------------


async def get_queue(session: AsyncSession, tenant_id: str, queue_id: str) -> QueueRow:
    row = await session.get(QueueRow, (tenant_id, queue_id))
    if row is None:
        raise NotFound("queue_not_found", f"no queue {queue_id}", queue_id=queue_id)
    return row


async def save_queue(
    session: AsyncSession,
    service: CenterService,
    tenant_id: str,
    queue_id: str,
    values: dict[str, Any],
    *,
    create: bool,
) -> QueueRow:
    row = await session.get(QueueRow, (tenant_id, queue_id))
    if create and row is not None:
        raise InvalidTransition("queue_exists", f"queue {queue_id} exists", queue_id=queue_id)
    if not create and row is None:
        raise NotFound("queue_not_found", f"no queue {queue_id}", queue_id=queue_id)
    if row is None:
        row = QueueRow(tenant_id=tenant_id, id=queue_id)
        defaults = QueueConfig(queue_id)  # the core's defaults are the one source of them
        for field in QUEUE_FIELDS:
            value = getattr(defaults, field)
            setattr(row, field, list(value) if isinstance(value, tuple) else value)
        session.add(row)
    for field, value in values.items():
        if field in QUEUE_FIELDS:
            setattr(row, field, value)
    config = queue_config(row)  # validates
    await session.flush()

    def apply(center: ContactCenter, now: float) -> list[Event]:
        center.put_queue(config)
        return center.reroute(now)

    await service.execute(tenant_id, apply)
    return row


async def delete_queue(session: AsyncSession, service: CenterService, tenant_id: str, queue_id: str) -> None:
    row = await get_queue(session, tenant_id, queue_id)
    profiles = (await session.scalars(select(AgentProfile).where(AgentProfile.tenant_id == tenant_id))).all()

    def remove(center: ContactCenter, now: float) -> list[Event]:
        center.remove_queue(queue_id)
        return []

    await service.execute(tenant_id, remove)
    for profile in profiles:
        if queue_id in (profile.queues or {}):
            profile.queues = {q: p for q, p in profile.queues.items() if q != queue_id}
    await session.delete(row)


# ---- agents ---------------------------------------------------------------------------------


async def get_profile(session: AsyncSession, tenant_id: str, agent_id: str) -> tuple[AgentProfile, User]:
    stmt = (
        select(AgentProfile, User)
        .join(User, User.id == AgentProfile.id)
        .where(AgentProfile.tenant_id == tenant_id, AgentProfile.id == agent_id)
    )
    found = (await session.execute(stmt)).first()
    if found is None:
        raise NotFound("agent_not_found", f"no agent {agent_id}", agent_id=agent_id)
    return found[0], found[1]


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
    session: AsyncSession,
    service: CenterService,
    tenant_id: str,
    agent_id: str,
    values: dict[str, Any],
    *,
    create: bool,
) -> tuple[AgentProfile, User]:
    _check_profile(values)
    user = await session.get(User, agent_id)
    if user is None or user.tenant_id != tenant_id:
        raise NotFound("user_not_found", f"no user {agent_id}", user_id=agent_id)
    profile = await session.get(AgentProfile, agent_id)
    if create and profile is not None:
        raise InvalidTransition("agent_exists", "this user already has an agent profile", agent_id=agent_id)
    if not create and profile is None:
        raise NotFound("agent_not_found", f"no agent {agent_id}", agent_id=agent_id)
    if profile is None:
        profile = AgentProfile(
            tenant_id=tenant_id, id=agent_id, extension="", skills={}, queues={}, work_mode="auto_in"
        )
        session.add(profile)
    for field in ("extension", "skills", "queues", "work_mode"):
        if field in values and values[field] is not None:
            setattr(profile, field, values[field])
    await session.flush()
    agent = core_agent(profile, user)

    def apply(center: ContactCenter, now: float) -> list[Event]:
        center.put_agent(agent)
        return center.reroute(now)

    await service.execute(tenant_id, apply)
    return profile, user


async def list_profiles(session: AsyncSession, tenant_id: str) -> Sequence[tuple[AgentProfile, User]]:
    stmt = (
        select(AgentProfile, User)
        .join(User, User.id == AgentProfile.id)
        .where(AgentProfile.tenant_id == tenant_id)
        .order_by(User.username)
    )
    return [(p, u) for p, u in (await session.execute(stmt)).all()]


# ---- skills and reasons -----------------------------------------------------------------------


async def save_skill(
    session: AsyncSession, tenant_id: str, skill_id: str, name: str, description: str
) -> Skill:
    row = await session.get(Skill, (tenant_id, skill_id))
    if row is None:
        row = Skill(tenant_id=tenant_id, id=skill_id)
        session.add(row)
    row.name, row.description = name or skill_id, description
    await session.flush()
    return row


async def set_reasons(
    session: AsyncSession, service: CenterService, tenant_id: str, reasons: list[str]
) -> list[str]:
    cleaned = sorted({r.strip() for r in reasons if r.strip()})
    if not cleaned:
        raise Invalid("reasons_required", "keep at least one not-ready reason", field="reasons")
    tenant = await session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("tenant_not_found", f"no tenant {tenant_id}")
    tenant.settings = {**(tenant.settings or {}), "not_ready_reasons": cleaned}
    await session.flush()

    def apply(center: ContactCenter, now: float) -> list[Event]:
        center.not_ready_reasons = set(cleaned)
        return []

    await service.execute(tenant_id, apply)
    return cleaned
