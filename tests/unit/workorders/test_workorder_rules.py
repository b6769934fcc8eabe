"""Work-order content rules: categories and the borderline rule, required content (every
offending field at once, the draft kept), reason codes, custom fields, inquiry answer modes,
and routing to the shift leader on duty (NORMS §4.2-4.7)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import pytest

from helpline.domain.calendar import CHINA_TZ
from helpline.domain.errors import Invalid, InvalidTransition
from helpline.domain.floor.duty import DutyRoster, DutyShift
from helpline.domain.workorders.classification import Category, CodeNode, CodeTree, resolve_category
from helpline.domain.workorders.content import (
    DEFAULT_REQUIRED,
    AnswerMode,
    Basis,
    BasisKind,
    ContentRules,
    FieldDef,
    FieldType,
    Priority,
    compose_title,
)
from helpline.domain.workorders.order import (
    Actor,
    Assignee,
    Role,
    WorkOrder,
    WorkOrderState,
)
from helpline.domain.workorders.routing import needs_leader, route_for, submit_and_route

AGENT = Actor("a1", Role.AGENT)
REASONS = CodeTree(
    [
        CodeNode("water", "水务"),
        CodeNode("water.outage", "停水", "water"),
        CodeNode("water.outage.planned", "计划停水", "water.outage"),
        CodeNode("water.bill", "水费", "water", frozenset({Category.INQUIRY})),
        CodeNode("noise", "噪音扰民", categories=frozenset({Category.COMPLAINT, Category.HELP})),
    ]
)
DISTRICTS = CodeTree(
    [CodeNode("bj", "北京"), CodeNode("bj.cy", "朝阳区", "bj"), CodeNode("bj.hd", "海淀区", "bj")]
)
CUSTOM = (
    FieldDef(
        "meter_no", "水表号", FieldType.TEXT, required_for=frozenset({Category.COMPLAINT}), max_length=20
    ),
    FieldDef("households", "影响户数", FieldType.NUMBER, minimum=0, maximum=10_000),
    FieldDef("since", "开始日期", FieldType.DATE),
    FieldDef("severity", "严重程度", FieldType.CHOICE, options=("一般", "严重")),
    FieldDef("district", "区县", FieldType.TREE_CHOICE, tree=DISTRICTS),
)
RULES = ContentRules(reasons=REASONS, custom_fields=CUSTOM)
COMPLETE: dict[str, Any] = {
    "category": "complaint",
    "location": "朝阳区建国路88号",
    "summary": "小区停水三天无人处理",
    "event_time": "11月22日起",
    "place": "朝阳区建国路88号3号楼",
    "course": "连续三天停水,物业不处理",
    "request": "尽快恢复供水",
    "reason_code": "water.outage.planned",
    "meter_no": "M-001",
}
NOW = 1_795_000_000.0


def draft(**changes: Any) -> WorkOrder:
    order, _ = WorkOrder.open("o1", "t1", "20261125-0001", AGENT, NOW, caller_number="13812345678")
    if changes:
        order.edit(AGENT, NOW, changes, RULES)
    return order


def fingerprint(order: WorkOrder) -> str:
    return json.dumps({**order.as_dict(), "timeline": len(order.timeline)}, sort_keys=True, default=str)


# ---- categories ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        (("inquiry",), Category.INQUIRY),
        (("inquiry", "complaint"), Category.COMPLAINT),  # borderline: counts as complaint
        (("suggestion", "help"), Category.HELP),
        (("complaint", "inquiry"), Category.COMPLAINT),
        (("help", "complaint"), Category.HELP),
        (("suggestion", "inquiry"), Category.SUGGESTION),
    ],
)
def test_the_borderline_rule(candidates: tuple[str, ...], expected: Category) -> None:
    assert resolve_category(*candidates) is expected


def test_an_edit_with_several_categories_applies_the_borderline_rule() -> None:
    order = draft(category=["suggestion", "complaint"])
    assert order.category is Category.COMPLAINT
    assert order.timeline[-1].detail["changes"]["category"] == [None, "complaint"]
    with pytest.raises(Invalid):
        resolve_category()


def test_priority_and_urgent_title() -> None:
    order = draft(**COMPLETE, priority="high", urgent=True)
    assert order.values["priority"] is Priority.HIGH
    assert order.title == "【急件】朝阳区建国路88号：小区停水三天无人处理"
    assert compose_title("朝阳区", "停水") == "朝阳区：停水"
    assert draft(priority=1).values["priority"] is Priority.LOW


# ---- required content ---------------------------------------------------------------------------


def test_an_empty_draft_names_every_missing_field_and_stays_a_draft() -> None:
    order = draft()
    before = fingerprint(order)
    with pytest.raises(Invalid) as err:
        order.submit(AGENT, NOW + 60, RULES)
    assert err.value.code == "invalid_work_order"
    assert set(err.value.fields["fields"]) == {"category", *DEFAULT_REQUIRED}
    assert {p["code"] for p in err.value.fields["problems"]} == {"required"}
    assert fingerprint(order) == before and order.state is WorkOrderState.DRAFT


def test_a_complaint_names_exactly_what_is_missing() -> None:
    order = draft(**{**COMPLETE, "course": "", "request": "  ", "meter_no": None, "summary": "停水"})
    with pytest.raises(Invalid) as err:
        order.submit(AGENT, NOW, RULES)
    assert err.value.fields["fields"] == ["course", "meter_no", "request", "summary"]
    problems = {p["field"]: p["code"] for p in err.value.fields["problems"]}
    assert problems["summary"] == "too_short"  # the title needs a real event summary
    assert "course" in err.value.message
    order.edit(
        AGENT,
        NOW,
        {"course": "三天停水", "request": "恢复供水", "meter_no": "M-1", "summary": "小区停水三天"},
        RULES,
    )
    order.submit(AGENT, NOW, RULES)
    assert order.state is WorkOrderState.SUBMITTED


def test_the_summary_must_say_more_than_the_location() -> None:
    order = draft(**{**COMPLETE, "summary": COMPLETE["location"]})
    with pytest.raises(Invalid) as err:
        order.submit(AGENT, NOW, RULES)
    assert err.value.fields["fields"] == ["summary"]


def test_reason_codes_come_from_the_tenant_tree() -> None:
    for code, problem in (
        ("water.outage", "unknown_code"),
        ("gas", "unknown_code"),
        ("water.bill", "wrong_category"),
    ):
        order = draft(**{**COMPLETE, "reason_code": code})
        with pytest.raises(Invalid) as err:
            order.submit(AGENT, NOW, RULES)
        assert err.value.fields["problems"] == [
            {"field": "reason_code", "code": problem, "message": err.value.fields["problems"][0]["message"]}
        ]
    assert [n.label for n in REASONS.path("water.outage.planned")] == ["水务", "停水", "计划停水"]
    assert REASONS.children("water") == ["water.outage", "water.bill"]
    assert REASONS.fits("noise", Category.HELP) and not REASONS.fits("noise", Category.INQUIRY)


def test_code_trees_are_checked() -> None:
    for nodes in (
        [CodeNode("a", "A"), CodeNode("a", "again")],
        [CodeNode("b", "B", "missing")],
        [CodeNode("x", "X", "y"), CodeNode("y", "Y", "x")],
        [CodeNode("", "empty")],
    ):
        with pytest.raises(Invalid):
            CodeTree(nodes)


def test_required_fields_per_category_and_tenant() -> None:
    light = ContentRules(required={Category.SUGGESTION: frozenset({"summary", "course"})})
    order, _ = WorkOrder.open("o2", "t1", "20261125-0002", AGENT, NOW)
    order.edit(
        AGENT, NOW, {"category": "suggestion", "summary": "建议延长办公时间", "course": "上班族没时间"}, light
    )
    order.submit(AGENT, NOW, light)
    assert order.state is WorkOrderState.SUBMITTED
    assert RULES.required_for(Category.COMPLAINT) == DEFAULT_REQUIRED | {"meter_no"}
    assert RULES.required_for(Category.HELP) == DEFAULT_REQUIRED


def test_rules_and_field_definitions_are_checked() -> None:
    with pytest.raises(Invalid):
        ContentRules(custom_fields=(CUSTOM[0], CUSTOM[0]))
    with pytest.raises(Invalid):
        ContentRules(required={Category.HELP: frozenset({"nonexistent"})})
    for bad in (
        lambda: FieldDef("summary", "clash"),
        lambda: FieldDef("Bad Key", "x"),
        lambda: FieldDef("c", "c", FieldType.CHOICE),
        lambda: FieldDef("t", "t", FieldType.TREE_CHOICE),
    ):
        with pytest.raises(Invalid):
            bad()


# ---- custom fields ------------------------------------------------------------------------------


def test_custom_field_values_are_typed_and_stored_normalized() -> None:
    order = draft(
        households=12, since=date(2026, 11, 22), severity="严重", district="bj.cy", meter_no=" M-9 "
    )
    assert order.values["since"] == "2026-11-22"
    assert order.values["meter_no"] == "M-9"
    order.edit(AGENT, NOW, {"since": "2026-11-23", "households": 2.5, "district": None}, RULES)
    assert order.values["since"] == "2026-11-23" and order.values["district"] is None


def test_malformed_values_are_refused_all_at_once_and_change_nothing() -> None:
    order = draft(location="朝阳区")
    before = fingerprint(order)
    bad = {
        "households": True,
        "since": "2026-02-30",
        "severity": "很严重",
        "district": "bj",
        "meter_no": "x" * 21,
        "priority": "urgentest",
        "urgent": "yes",
        "answer_mode": "telepathy",
        "basis": [{"kind": "rumour", "ref": "x"}],
        "caller_number": "not a number",
        "colour": "red",
        "location": 42,
        "summary": "这一条是好的",
    }
    with pytest.raises(Invalid) as err:
        order.edit(AGENT, NOW, bad, RULES)
    assert err.value.code == "invalid_changes"
    assert set(err.value.fields["fields"]) == set(bad) - {"summary"}
    codes = {p["field"]: p["code"] for p in err.value.fields["problems"]}
    assert codes["colour"] == "unknown_field" and codes["households"] == "malformed"
    assert fingerprint(order) == before
    with pytest.raises(Invalid):
        order.edit(AGENT, NOW, {"households": 10_001}, RULES)


def test_caller_numbers_are_stored_canonical() -> None:
    order = draft(caller_number="010-1234 5678")
    assert order.caller_number == "+861012345678"
    hidden, event = WorkOrder.open("o3", "t1", "20261125-0003", AGENT, NOW, caller_number="anonymous")
    assert hidden.caller_number is None and event.caller_number is None
    assert hidden.timeline[0].detail["caller_raw"] == "anonymous"


def test_a_no_op_edit_is_not_a_change() -> None:
    order = draft(**COMPLETE)
    entries = len(order.timeline)
    assert order.edit(AGENT, NOW, {"location": COMPLETE["location"]}, RULES) is None
    assert len(order.timeline) == entries


def test_a_submitted_order_cannot_be_edited_into_an_invalid_one() -> None:
    order = draft(**COMPLETE)
    order.submit(AGENT, NOW, RULES)
    before = fingerprint(order)
    with pytest.raises(Invalid) as err:
        order.edit(AGENT, NOW, {"course": "", "request": ""}, RULES)
    assert err.value.fields["fields"] == ["course", "request"]
    assert fingerprint(order) == before
    event = order.edit(AGENT, NOW + 5, {"course": "停水第四天"}, RULES)
    assert event is not None and event.fields == ("course",) and event.state == "submitted"


# ---- inquiries ----------------------------------------------------------------------------------

INQUIRY = {**COMPLETE, "category": "inquiry", "reason_code": "water.bill", "meter_no": None}


def test_an_inquiry_needs_an_answer_mode() -> None:
    order = draft(**INQUIRY)
    with pytest.raises(Invalid) as err:
        order.submit(AGENT, NOW, RULES)
    assert err.value.fields["fields"] == ["answer_mode"]
    relaxed = ContentRules(reasons=REASONS, custom_fields=CUSTOM, require_answer_mode=False)
    order.submit(AGENT, NOW, relaxed)


def test_a_direct_answer_cites_its_basis() -> None:
    order = draft(**INQUIRY, answer_mode="direct")
    with pytest.raises(Invalid) as err:
        order.submit(AGENT, NOW, RULES)
    assert err.value.fields["fields"] == ["answer", "basis"]
    order.edit(
        AGENT,
        NOW,
        {
            "answer": "水费按阶梯计价",
            "basis": [
                {"kind": "kb_article", "ref": "KB-1024", "title": "居民阶梯水价"},
                Basis(BasisKind.POLICY, "京发改〔2014〕865号", clause="第三条"),
            ],
        },
        RULES,
    )
    order.submit(AGENT, NOW, RULES)
    assert order.as_dict()["values"]["basis"][0] == {
        "kind": "kb_article",
        "ref": "KB-1024",
        "title": "居民阶梯水价",
        "clause": "",
    }
    json.dumps(order.as_dict(), ensure_ascii=False)


def test_three_way_and_callback_modes() -> None:
    order = draft(**INQUIRY, answer_mode="three_way")
    with pytest.raises(Invalid) as err:
        order.submit(AGENT, NOW, RULES)
    assert err.value.fields["fields"] == ["three_way_party"]
    order.edit(AGENT, NOW, {"three_way_party": "自来水公司客服"}, RULES)
    order.submit(AGENT, NOW, RULES)
    callback = draft(**INQUIRY, answer_mode=AnswerMode.CALLBACK)
    callback.submit(AGENT, NOW, RULES)
    assert callback.answer_mode is AnswerMode.CALLBACK


# ---- routing ------------------------------------------------------------------------------------

ROSTER = DutyRoster([DutyShift.parse("L-day", "08:00-20:00", weekdays=range(5))], tz=CHINA_TZ)
WEDNESDAY_NOON = datetime(2026, 11, 25, 12, tzinfo=CHINA_TZ).timestamp()
SATURDAY_NOON = WEDNESDAY_NOON + 3 * 86_400


def test_needs_leader() -> None:
    assert needs_leader(draft(category="complaint")) and needs_leader(draft(category="help"))
    assert not needs_leader(draft(category="inquiry"))
    assert needs_leader(draft(category="suggestion", urgent=True))


def test_route_to_the_leader_on_duty_else_the_unit_head() -> None:
    heads = {"water-co": "head-w"}
    complaint = draft(**COMPLETE, unit_id="water-co")
    assert route_for(complaint, ROSTER, WEDNESDAY_NOON, heads) == Assignee.user("L-day")
    assert route_for(complaint, ROSTER, SATURDAY_NOON, heads) == Assignee.user("head-w")
    assert route_for(draft(**INQUIRY), ROSTER, WEDNESDAY_NOON, heads) is None
    orphan = draft(**COMPLETE)
    with pytest.raises(Invalid) as err:
        route_for(orphan, ROSTER, SATURDAY_NOON, heads)
    assert err.value.code == "no_route" and err.value.fields["fields"] == ["unit_id"]


def test_submit_and_route_sends_urgent_orders_on_at_once() -> None:
    order = draft(**{**COMPLETE, "category": "suggestion"}, urgent=True)
    events = submit_and_route(order, AGENT, WEDNESDAY_NOON, RULES, ROSTER, {})
    assert [e.name for e in events] == ["work_order_submitted", "work_order_assigned"]
    assert order.state is WorkOrderState.ASSIGNED and order.assignee == Assignee.user("L-day")
    assert order.timeline[-1].actor_role == "system"
    assert order.first_owner_id == "a1"


def test_submit_and_route_refuses_without_changing_the_draft() -> None:
    orphan = draft(**COMPLETE)
    before = fingerprint(orphan)
    with pytest.raises(Invalid):
        submit_and_route(orphan, AGENT, SATURDAY_NOON, RULES, ROSTER, {})
    with pytest.raises(Invalid):
        submit_and_route(draft(), AGENT, WEDNESDAY_NOON, RULES, ROSTER, {})
    assert fingerprint(orphan) == before and orphan.state is WorkOrderState.DRAFT
    inquiry = draft(**INQUIRY, answer_mode="callback")
    events = submit_and_route(inquiry, AGENT, NOW, RULES, ROSTER, {})
    assert [e.name for e in events] == ["work_order_submitted"]
    with pytest.raises(InvalidTransition):
        submit_and_route(inquiry, AGENT, NOW, RULES, ROSTER, {})
