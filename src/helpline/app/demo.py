"""Demo data, so that a fresh ``make run`` has people, skills and queues to look at.

Loaded once per tenant (a flag in the tenant's settings remembers it). The passwords are
public on purpose: this is for trying the platform, not for production.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from helpline.adapters.db.tables import Tenant
from helpline.app import acd_config, ivr_flows, sip_accounts, users
from helpline.app.center_service import CenterService
from helpline.app.security import Passwords
from helpline.domain.errors import NotFound

SKILLS = {
    "zh": "普通话 Mandarin",
    "en": "English",
    "yue": "粤语 Cantonese",
    "complaint": "投诉处理 Complaint handling",
    "billing": "账务 Billing",
}

QUEUES: list[tuple[str, dict[str, Any]]] = [
    ("general", {"name": "综合咨询 General", "strategy": "longest_idle", "required_skills": {"zh": 1},
                 "sl_target": 0.8, "sl_seconds": 20, "wrapup_seconds": 30, "max_wait": 300,
                 "exit_action": "callback", "overflow": [{"after": 60, "max_penalty": 1}]}),
    ("complaints", {"name": "投诉专线 Complaints", "strategy": "best_skill",
                    "required_skills": {"complaint": 5}, "weight": 10, "wrapup_seconds": 60,
                    "max_wait": 600, "exit_action": "voicemail",
                    "overflow": [{"after": 90, "drop_skills": ["complaint"]}]}),
    ("english", {"name": "English line", "strategy": "fewest_calls", "required_skills": {"en": 3},
                 "wrapup_seconds": 30, "exit_action": "queue", "exit_queue_id": "general",
                 "max_wait": 180}),
    ("vip", {"name": "VIP 专席", "strategy": "ring_all", "weight": 20, "sl_seconds": 10,
             "sl_target": 0.9, "wrapup_seconds": 30,
             "overflow": [{"after": 30, "to_queue_id": "general"}]}),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    name: str
    extension: str = ""
    skills: dict[str, int] | None = None
    queues: dict[str, int] | None = None


USERS = [
    DemoUser("admin", "admin123", "admin", "管理员 Admin"),
    DemoUser("supervisor", "super123", "supervisor", "主管 周敏"),
    DemoUser("leader", "leader123", "leader", "值班长 赵强", "8000",
             {"zh": 9, "complaint": 9, "en": 5}, {"complaints": 0, "vip": 0}),
    DemoUser("agent1", "agent123", "agent", "张伟", "8001", {"zh": 8, "billing": 6},
             {"general": 0, "vip": 0}),
    DemoUser("agent2", "agent123", "agent", "王芳", "8002", {"zh": 7, "en": 6, "complaint": 6},
             {"general": 0, "english": 0, "complaints": 1}),
    DemoUser("agent3", "agent123", "agent", "李娜", "8003", {"zh": 9, "yue": 8, "complaint": 8},
             {"general": 0, "complaints": 0}),
    DemoUser("agent4", "agent123", "agent", "刘洋", "8004", {"zh": 6, "en": 8},
             {"general": 1, "english": 0}),
    DemoUser("agent5", "agent123", "agent", "陈静", "8005", {"zh": 8, "billing": 8},
             {"general": 0, "vip": 1}),
    DemoUser("agent6", "agent123", "agent", "杨磊", "8006", {"zh": 5}, {"general": 1}),
]


async def load_demo(session: AsyncSession, service: CenterService, passwords: Passwords,
                    tenant_id: str = "default", *, once: bool = True) -> bool:
    """Create the demo users, skills and queues. False when they were loaded before."""
    tenant = await session.get(Tenant, tenant_id)
    if tenant is None:
        raise NotFound("tenant_not_found", f"no tenant {tenant_id!r}")
    if once and (tenant.settings or {}).get("demo_loaded"):
        return False
    for skill_id, name in SKILLS.items():
        await acd_config.save_skill(session, tenant_id, skill_id, name, "")
    for queue_id, values in QUEUES:
        await acd_config.save_queue(session, service, tenant_id, queue_id, values, create=True)
    for demo in USERS:
        user = await users.create_user(session, passwords, tenant_id=tenant_id,
                                       username=demo.username, password=demo.password,
                                       role=demo.role, display_name=demo.name)
        if demo.queues is not None:
            await acd_config.save_agent(session, service, tenant_id, user.id,
                                        {"extension": demo.extension, "skills": demo.skills,
                                         "queues": demo.queues}, create=True)
        if demo.extension:  # a SIP phone per seat: user = extension, password = the login's
            sip_user = demo.extension if tenant_id == "default" else f"{tenant_id}.{demo.extension}"
            await sip_accounts.set_account(session, None, tenant_id, user.id, password=demo.password,
                                           username=sip_user)
    # the voice menu: 欢迎致电… 咨询请按1，投诉请按2，English press 3 (editable: /api/v1/ivr/flows)
    await ivr_flows.save_flow(session, None, tenant_id, "default",
                              {"name": "演示菜单 Demo menu", "definition": ivr_flows.DEMO_FLOW})
    tenant.settings = {**(tenant.settings or {}), "demo_loaded": True}
    await session.flush()
    return True
