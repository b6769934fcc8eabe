"""The names of the fixed enumerations in the UI's two languages, Chinese first.

The lists of values are the enumerations themselves (``Strategy``, ``WorkOrderState``, ...);
this module only names each value, so every screen shows one wording for it
(served by ``GET /api/v1/meta``), and a test checks that no value lacks a name.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

from helpline.domain.acd.agent import AgentState, WorkMode
from helpline.domain.acd.queue import AfterWrapUp, ExitAction, Strategy
from helpline.domain.workorders.classification import Category
from helpline.domain.workorders.content import AnswerMode, FieldType, Priority
from helpline.domain.workorders.flow import Channel, Role, WorkOrderState

LANGUAGES = ("zh-CN", "en")
"""The UI's languages, in the order of every pair of names below."""

Names = tuple[str, str]
"""A value's name in each of :data:`LANGUAGES`."""

STRATEGIES: Mapping[Strategy, Names] = {
    Strategy.LONGEST_IDLE: ("最长空闲", "Longest idle"),
    Strategy.FEWEST_CALLS: ("接听最少", "Fewest calls"),
    Strategy.LEAST_TALK_TIME: ("通话时长最少", "Least talk time"),
    Strategy.ROUND_ROBIN: ("轮询", "Round robin"),
    Strategy.RING_ALL: ("同时振铃", "Ring all"),
    Strategy.RANDOM: ("随机", "Random"),
    Strategy.BEST_SKILL: ("技能最高", "Best skill"),
    Strategy.FIXED_ORDER: ("固定顺序", "Fixed order"),
}

EXIT_ACTIONS: Mapping[ExitAction, Names] = {
    ExitAction.VOICEMAIL: ("留言", "Voicemail"),
    ExitAction.CALLBACK: ("预约回拨", "Callback"),
    ExitAction.QUEUE: ("转入其他队列", "Another queue"),
    ExitAction.HANGUP: ("挂断", "Hang up"),
}

AFTER_WRAPUP: Mapping[AfterWrapUp, Names] = {
    AfterWrapUp.READY: ("就绪", "Ready"),
    AfterWrapUp.NOT_READY: ("离席", "Not ready"),
}

AGENT_STATES: Mapping[AgentState, Names] = {
    AgentState.LOGGED_OUT: ("已签出", "Logged out"),
    AgentState.READY: ("就绪", "Ready"),
    AgentState.NOT_READY: ("离席", "Not ready"),
    AgentState.RESERVED: ("振铃", "Ringing"),
    AgentState.TALKING: ("通话", "Talking"),
    AgentState.ON_HOLD: ("保持", "On hold"),
    AgentState.CONSULTING: ("咨询", "Consulting"),
    AgentState.CONFERENCE: ("三方通话", "Conference"),
    AgentState.WRAP_UP: ("话后处理", "Wrap-up"),
}

WORK_MODES: Mapping[WorkMode, Names] = {
    WorkMode.AUTO_IN: ("自动就绪", "Auto-in"),
    WorkMode.MANUAL_IN: ("手动就绪", "Manual-in"),
}

WORKORDER_STATES: Mapping[WorkOrderState, Names] = {
    WorkOrderState.DRAFT: ("草稿", "Draft"),
    WorkOrderState.SUBMITTED: ("已提交", "Submitted"),
    WorkOrderState.ASSIGNED: ("已转办", "Assigned"),
    WorkOrderState.ACCEPTED: ("已签收", "Accepted"),
    WorkOrderState.RETURNED: ("已退单", "Returned"),
    WorkOrderState.IN_PROGRESS: ("办理中", "In progress"),
    WorkOrderState.REPLIED: ("已答复", "Replied"),
    WorkOrderState.CLOSED: ("已办结", "Closed"),
    WorkOrderState.VISITED: ("已回访", "Visited"),
    WorkOrderState.REOPENED: ("重办", "Reopened"),
    WorkOrderState.MERGED: ("已合并", "Merged"),
}

CATEGORIES: Mapping[Category, Names] = {
    Category.INQUIRY: ("咨询", "Inquiry"),
    Category.SUGGESTION: ("建议", "Suggestion"),
    Category.COMPLAINT: ("投诉", "Complaint"),
    Category.HELP: ("求助", "Help"),
}

PRIORITIES: Mapping[Priority, Names] = {
    Priority.LOW: ("低", "Low"),
    Priority.NORMAL: ("普通", "Normal"),
    Priority.HIGH: ("高", "High"),
}

CHANNELS: Mapping[Channel, Names] = {
    Channel.PHONE: ("电话", "Phone"),
    Channel.EMAIL: ("电子邮件", "E-mail"),
    Channel.WEB_CHAT: ("网上咨询", "Web chat"),
    Channel.SMS: ("短信", "SMS"),
    Channel.MISSED_CALL: ("未接来电", "Missed call"),
}

ANSWER_MODES: Mapping[AnswerMode, Names] = {
    AnswerMode.DIRECT: ("直接答复（引用依据）", "Direct answer (cite the basis)"),
    AnswerMode.THREE_WAY: ("三方通话", "Three-way call"),
    AnswerMode.CALLBACK: ("15 分钟内回电", "Call back within 15 min"),
}

FIELD_TYPES: Mapping[FieldType, Names] = {
    FieldType.TEXT: ("文本", "text"),
    FieldType.NUMBER: ("数字", "number"),
    FieldType.DATE: ("日期", "date"),
    FieldType.CHOICE: ("单选", "choice"),
    FieldType.TREE_CHOICE: ("树形选择", "tree choice"),
}

ROLES: Mapping[Role, Names] = {
    Role.AGENT: ("坐席", "agent"),
    Role.LEADER: ("值班长", "shift leader"),
    Role.SUPERVISOR: ("主管", "supervisor"),
    Role.ADMIN: ("管理员", "administrator"),
    Role.DEPARTMENT: ("承办单位", "handling unit"),
    Role.SYSTEM: ("系统", "system"),
}


E = TypeVar("E", bound=Enum)


def labels(names: Mapping[E, Names], value: E) -> dict[str, str]:
    """``{"zh-CN": ..., "en": ...}`` for ``value``: the shape the API and the UI speak."""
    return dict(zip(LANGUAGES, names[value], strict=True))
