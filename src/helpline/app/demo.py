"""Demo data, so that a fresh ``make run`` has people, skills and queues to look at.

Loaded once per tenant (a flag in the tenant's settings remembers it). The passwords are
public on purpose: this is for trying the platform, not for production.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from helpline.app.acd import config as acd_config
from helpline.app.acd.center_service import CenterService
from helpline.app.clock import Clock
from helpline.app.ivr import flows as ivr_flows
from helpline.app.knowledge import articles as knowledge
from helpline.app.people import users
from helpline.app.people.security import Passwords
from helpline.app.telephony import sip_accounts
from helpline.app.unit_of_work import AppUnit
from helpline.app.workorders import admin as workorder_admin
from helpline.domain.errors import NotFound

SKILLS = {
    "zh": "普通话 Mandarin",
    "en": "English",
    "yue": "粤语 Cantonese",
    "complaint": "投诉处理 Complaint handling",
    "billing": "账务 Billing",
}

QUEUES: list[tuple[str, dict[str, Any]]] = [
    (
        "general",
        {
            "name": "综合咨询 General",
            "strategy": "longest_idle",
            "required_skills": {"zh": 1},
            "sl_target": 0.8,
            "sl_seconds": 20,
            "wrapup_seconds": 30,
            "max_wait": 300,
            "exit_action": "callback",
            "overflow": [{"after": 60, "max_penalty": 1}],
        },
    ),
    (
        "complaints",
        {
            "name": "投诉专线 Complaints",
            "strategy": "best_skill",
            "required_skills": {"complaint": 5},
            "weight": 10,
            "wrapup_seconds": 60,
            "max_wait": 600,
            "exit_action": "voicemail",
            "overflow": [{"after": 90, "drop_skills": ["complaint"]}],
        },
    ),
    (
        "english",
        {
            "name": "English line",
            "strategy": "fewest_calls",
            "required_skills": {"en": 3},
            "wrapup_seconds": 30,
            "exit_action": "queue",
            "exit_queue_id": "general",
            "max_wait": 180,
        },
    ),
    (
        "vip",
        {
            "name": "VIP 专席",
            "strategy": "ring_all",
            "weight": 20,
            "sl_seconds": 10,
            "sl_target": 0.9,
            "wrapup_seconds": 30,
            "overflow": [{"after": 30, "to_queue_id": "general"}],
        },
    ),
]


# Departments that take orders (承办单位), with office hours for their deadlines.
OFFICE_HOURS = {"weekly": {str(day): "09:00-17:00" for day in range(5)}}
UNITS = {
    "water": "自来水公司 Water company",
    "power": "供电公司 Power supply",
    "housing": "住建委 Housing bureau",
    "transport": "交通委 Transport bureau",
}

# The reason-code tree of the work-order form (诉求分类).
REASON_CODES: list[dict[str, Any]] = [
    {"code": "water", "label": "供水"},
    {"code": "water.outage", "label": "停水", "parent": "water"},
    {"code": "water.quality", "label": "水质", "parent": "water"},
    {"code": "power", "label": "供电"},
    {"code": "power.outage", "label": "停电", "parent": "power"},
    {"code": "housing", "label": "物业与住房"},
    {"code": "housing.heating", "label": "供暖", "parent": "housing"},
    {"code": "housing.property", "label": "物业服务", "parent": "housing"},
    {"code": "noise", "label": "噪音", "categories": ["complaint", "help", "suggestion"]},
    {"code": "noise.construction", "label": "施工噪音", "parent": "noise"},
    {"code": "transport", "label": "交通出行"},
    {"code": "transport.bus", "label": "公交线路", "parent": "transport"},
]

# Published knowledge-base articles, so that "answer with this article" has something to cite.
ARTICLES: list[dict[str, str]] = [
    {
        "title": "停电报修与恢复时间查询",
        "category": "供电",
        "basis": "knowledge",
        "body": "来电反映停电时：先确认地址（区、街道、小区、楼号）和停电范围（本户、本楼、整个小区）。"
        "计划停电可查询供电公司公告并告知恢复时间；非计划停电转供电公司抢修，工单注明急件。",
    },
    {
        "title": "供暖温度标准与不热投诉处理",
        "category": "住房",
        "basis": "policy",
        "body": "供暖期内居室温度不低于18℃。来电反映暖气不热：记录地址、室温、持续时间，"
        "转住建委及供热单位处理，24小时内答复来电人。",
    },
    {
        "title": "施工噪音扰民的受理口径",
        "category": "噪音",
        "basis": "law",
        "body": "依据《噪声污染防治法》，夜间（22:00至次日6:00）禁止在噪声敏感建筑物集中区域"
        "进行产生噪声的建筑施工作业，抢修、抢险作业和因生产工艺要求必须连续施工的除外。"
        "记录施工地点、时间、单位名称，转城管执法部门。",
    },
    {
        "title": "Water outage: what to tell the caller",
        "category": "Water",
        "basis": "knowledge",
        "body": "Ask for the address and since when the water is off. Planned outages are announced "
        "by the water company 24 hours ahead; otherwise send the order to the water company "
        "as urgent and promise a callback within 15 minutes.",
    },
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
    DemoUser(
        "leader",
        "leader123",
        "leader",
        "值班长 赵强",
        "8000",
        {"zh": 9, "complaint": 9, "en": 5},
        {"complaints": 0, "vip": 0},
    ),
    DemoUser(
        "agent1", "agent123", "agent", "张伟", "8001", {"zh": 8, "billing": 6}, {"general": 0, "vip": 0}
    ),
    DemoUser(
        "agent2",
        "agent123",
        "agent",
        "王芳",
        "8002",
        {"zh": 7, "en": 6, "complaint": 6},
        {"general": 0, "english": 0, "complaints": 1},
    ),
    DemoUser(
        "agent3",
        "agent123",
        "agent",
        "李娜",
        "8003",
        {"zh": 9, "yue": 8, "complaint": 8},
        {"general": 0, "complaints": 0},
    ),
    DemoUser("agent4", "agent123", "agent", "刘洋", "8004", {"zh": 6, "en": 8}, {"general": 1, "english": 0}),
    DemoUser(
        "agent5", "agent123", "agent", "陈静", "8005", {"zh": 8, "billing": 8}, {"general": 0, "vip": 1}
    ),
    DemoUser("agent6", "agent123", "agent", "杨磊", "8006", {"zh": 5}, {"general": 1}),
]


async def load_demo(
    uow: AppUnit,
    service: CenterService,
    passwords: Passwords,
    tenant_id: str = "default",
    *,
    once: bool = True,
) -> bool:
    """Create the demo users, skills, queues and voice menu, in one transaction; False when
    they were loaded before. Commits; the live ACD takes the queues and agents then."""
    if await uow.tenants.get(tenant_id) is None:
        raise NotFound("tenant_not_found", f"no tenant {tenant_id!r}")
    if once and (await uow.tenant_settings.get()).get("demo_loaded"):
        return False
    for skill_id, name in SKILLS.items():
        await acd_config.stage_skill(uow, skill_id, name, "")
    for queue_id, values in QUEUES:
        await acd_config.stage_queue(uow, service, queue_id, values, create=True)
    created: dict[str, str] = {}
    for demo in USERS:
        user = await users.add_user(
            uow,
            passwords,
            username=demo.username,
            password=demo.password,
            role=demo.role,
            display_name=demo.name,
        )
        created[demo.username] = user.id
        if demo.queues is not None:
            await acd_config.stage_agent(
                uow,
                service,
                user.id,
                {"extension": demo.extension, "skills": demo.skills, "queues": demo.queues},
                create=True,
            )
        if demo.extension:  # a SIP phone per seat: user = extension, password = the login's
            sip_user = demo.extension if tenant_id == "default" else f"{tenant_id}.{demo.extension}"
            await sip_accounts.add_account(uow, None, user.id, password=demo.password, username=sip_user)
    await _work_order_setup(uow, leader_id=created["leader"], clock=service.clock)
    # the voice menu: 欢迎致电… 咨询请按1，投诉请按2，English press 3 (editable: /api/v1/ivr/flows)
    await ivr_flows.stage_flow(
        uow, None, "default", {"name": "演示菜单 Demo menu", "definition": ivr_flows.DEMO_FLOW}
    )
    await uow.tenant_settings.update({"demo_loaded": True})
    await uow.commit()
    return True


async def _work_order_setup(uow: AppUnit, *, leader_id: str, clock: Clock) -> None:
    """Units, reason codes, a shift leader on duty around the clock, and a few articles."""
    for unit_id, name in UNITS.items():
        await workorder_admin.stage_unit(
            uow, unit_id, {"name": name, "calendar": OFFICE_HOURS, "deadline_hours": 24}
        )
    await workorder_admin.stage_reasons(uow, REASON_CODES)
    await workorder_admin.stage_shift(uow, leader_id, "00:00-00:00", None, None)
    for values in ARTICLES:
        article = await knowledge.add_article(uow, clock, leader_id, dict(values))
        await knowledge.publish(uow, clock, article.id, leader_id)
