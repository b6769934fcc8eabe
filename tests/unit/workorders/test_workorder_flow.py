"""The work-order flow: transfer (转办), sign-for (签收), return (退单), reply, close,
call-back (回访), reopen (重办), merge of duplicates (重复件), supervision (督办), who may
do what, and a property test over random sequences of actions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from helpline.domain.errors import DomainError, Forbidden, Invalid, InvalidTransition, NotFound
from helpline.domain.events import Event
from helpline.domain.workorders.content import ContentRules
from helpline.domain.workorders.events import WorkOrderEvent, WorkOrderTransition
from helpline.domain.workorders.order import (
    ACTIONS,
    HOLDING,
    ROLES,
    TRANSITIONS,
    Actor,
    Assignee,
    Attachment,
    Channel,
    Role,
    WorkOrder,
    WorkOrderState,
    merge_duplicate,
)

S = WorkOrderState
RULES = ContentRules()
OWNER = Actor("a1", Role.AGENT)
OTHER_AGENT = Actor("a2", Role.AGENT)
LEADER = Actor("L1", Role.LEADER)
SUPERVISOR = Actor("s1", Role.SUPERVISOR)
WATER = Actor("d1", Role.DEPARTMENT, unit_id="water-co")
POWER = Actor("d2", Role.DEPARTMENT, unit_id="power-co")
CONTENT: dict[str, Any] = {
    "category": "complaint",
    "location": "朝阳区建国路88号",
    "summary": "小区停水三天无人处理",
    "event_time": "11月22日起",
    "place": "3号楼",
    "course": "连续三天停水",
    "request": "恢复供水",
    "reason_code": "water",
}
T0 = 1_795_000_000.0


def submitted(order_id: str = "o1", **changes: Any) -> WorkOrder:
    order, _ = WorkOrder.open(order_id, "t1", f"20261125-{order_id}", OWNER, T0, call_id="c1")
    order.edit(OWNER, T0 + 10, {**CONTENT, **changes}, RULES)
    order.submit(OWNER, T0 + 20, RULES)
    return order


def snapshot(order: WorkOrder) -> str:
    return json.dumps(
        {
            **order.as_dict(),
            "timeline": len(order.timeline),
            "comments": len(order.comments),
            "attachments": len(order.attachments),
        },
        sort_keys=True,
        default=str,
    )


def test_the_tables_are_consistent() -> None:
    for action, moves in TRANSITIONS.items():
        assert ROLES[action], action
        assert all(isinstance(s, WorkOrderState) for pair in moves.items() for s in pair)
    for action in ACTIONS:
        assert ROLES[action], action
    assert not any(S.MERGED in moves for moves in TRANSITIONS.values())  # merged is final
    reachable = {S.DRAFT} | {target for moves in TRANSITIONS.values() for target in moves.values()}
    assert reachable == set(WorkOrderState)


def test_a_complaint_through_a_department_and_back() -> None:
    order = submitted()
    t = T0 + 100
    steps: list[Event] = [
        order.assign(LEADER, t, Assignee.user("L1")),
        order.accept(LEADER, t + 1),
        order.assign(LEADER, t + 2, Assignee.unit("water-co"), note="属地处理"),
        order.accept(WATER, t + 3),
        order.start(WATER, t + 4),
        order.reply(WATER, t + 5, "已恢复供水", cause="管道爆裂"),
        order.close(OWNER, t + 6),
        order.visit(OTHER_AGENT, t + 7, score=5),
    ]
    assert [type(e).__name__ for e in steps] == [
        "WorkOrderAssigned",
        "WorkOrderAccepted",
        "WorkOrderAssigned",
        "WorkOrderAccepted",
        "WorkOrderStarted",
        "WorkOrderReplied",
        "WorkOrderClosed",
        "WorkOrderVisited",
    ]
    assert order.state is S.VISITED and order.satisfaction == 5
    assert order.first_owner_id == "a1"  # 首问负责: the owner never changes
    assert order.assignee == Assignee.unit("water-co") and order.responsible_id == "water-co"
    assert [(e.action, e.actor_id, e.at) for e in order.timeline[-3:]] == [
        ("reply", "d1", t + 5),
        ("close", "a1", t + 6),
        ("visit", "a2", t + 7),
    ]
    assert [e.action for e in order.timeline] == [
        "open",
        "edit",
        "submit",
        "assign",
        "accept",
        "assign",
        "accept",
        "start",
        "reply",
        "close",
        "visit",
    ]
    assert order.reply_text == "已恢复供水" and order.cause == "管道爆裂" and order.closed_at == t + 6
    assigned = steps[2]
    assert isinstance(assigned, WorkOrderTransition)
    assert assigned.as_dict()["previous_id"] == "L1" and assigned.topic == "workorder"


def test_return_with_a_reason_and_reassignment() -> None:
    order = submitted()
    order.assign(LEADER, T0, Assignee.unit("power-co"))
    with pytest.raises(Invalid) as err:
        order.return_order(POWER, T0 + 1, "  ")
    assert err.value.fields["fields"] == ["reason"] and order.state is S.ASSIGNED
    event = order.return_order(POWER, T0 + 1, "不属于本单位职责")
    assert event.reason == "不属于本单位职责" and event.assignee_id == "power-co"
    assert order.state is S.RETURNED and order.assignee is None and order.return_count == 1
    with pytest.raises(InvalidTransition):
        order.accept(POWER, T0 + 2)  # back at the center: nothing to sign for
    order.assign(LEADER, T0 + 3, Assignee.unit("water-co"))
    with pytest.raises(Forbidden) as forbidden:
        order.accept(POWER, T0 + 4)
    assert forbidden.value.code == "not_responsible"
    order.accept(WATER, T0 + 4)


def test_bad_rating_reopens_the_order() -> None:
    order = submitted()
    order.close(LEADER, T0 + 30)  # a leader may close a complaint at first contact
    with pytest.raises(InvalidTransition):
        order.reopen(LEADER, T0 + 40, "客户不满意")  # not yet called back
    order.visit(OWNER, T0 + 50, score=1, note="没人联系我")
    with pytest.raises(Forbidden):
        order.reopen(OWNER, T0 + 60, "客户不满意")
    with pytest.raises(Invalid):
        order.reopen(LEADER, T0 + 60, "")
    event = order.reopen(LEADER, T0 + 60, "客户不满意")
    assert (order.state, order.reopen_count, order.satisfaction) == (S.REOPENED, 1, None)
    assert event.category == "complaint"
    order.assign(LEADER, T0 + 70, Assignee.unit("water-co"))
    assert order.first_owner_id == "a1"


def test_a_good_rating_does_not_reopen() -> None:
    order = submitted()
    order.close(LEADER, T0)
    order.visit(OWNER, T0, score=3)
    with pytest.raises(InvalidTransition) as err:
        order.reopen(SUPERVISOR, T0, "想重办")
    assert err.value.code == "reopen_needs_bad_rating"
    for bad in (0, 6, True, "5"):
        fresh = submitted("o9")
        fresh.close(LEADER, T0)
        with pytest.raises(Invalid):
            fresh.visit(OWNER, T0, score=bad)  # type: ignore[arg-type]


def test_an_inquiry_is_closed_at_first_contact_or_after_its_callback() -> None:
    direct = submitted(
        category="inquiry",
        answer_mode="direct",
        answer="按阶梯计价",
        basis=[{"kind": "law", "ref": "价格法", "clause": "第十八条"}],
    )
    direct.close(OWNER, T0 + 30)
    assert direct.state is S.CLOSED
    callback = submitted("o2", category="inquiry", answer_mode="callback")
    with pytest.raises(InvalidTransition) as err:
        callback.close(OWNER, T0 + 30)
    assert err.value.code == "callback_not_recorded"
    with pytest.raises(InvalidTransition) as err:
        callback.assign(OWNER, T0 + 30, Assignee.unit("water-co"))
    assert err.value.code == "inquiry_not_transferable"
    callback.reply(OWNER, T0 + 600, "已回电告知阶梯水价")
    callback.close(OWNER, T0 + 610)


def test_complaints_go_to_the_leader_not_straight_to_closed() -> None:
    order = submitted()
    with pytest.raises(InvalidTransition) as err:
        order.close(OWNER, T0 + 30)
    assert err.value.code == "must_go_to_leader"
    urgent = submitted("o2", category="suggestion", urgent=True)
    with pytest.raises(InvalidTransition):
        urgent.close(OWNER, T0 + 30)


def test_invalid_transitions_are_409_and_change_nothing() -> None:
    order, _ = WorkOrder.open("o1", "t1", "n1", OWNER, T0)
    for attempt in (
        lambda: order.accept(LEADER, T0),
        lambda: order.visit(OWNER, T0, 5),
        lambda: order.close(OWNER, T0),
        lambda: order.supervise(LEADER, T0),
        lambda: order.assign(LEADER, T0, Assignee.user("L1")),
    ):
        before = snapshot(order)
        with pytest.raises(InvalidTransition) as err:
            attempt()
        assert err.value.kind == "conflict" and err.value.fields["state"] == "draft"
        assert snapshot(order) == before
    order = submitted()
    order.assign(LEADER, T0, Assignee.user("L1"))
    with pytest.raises(InvalidTransition) as err:
        order.assign(LEADER, T0, Assignee.user("L1"))
    assert err.value.code == "already_assigned"


def test_who_may_do_what() -> None:
    order, _ = WorkOrder.open("o1", "t1", "n1", OWNER, T0)
    with pytest.raises(Forbidden) as err:
        order.edit(WATER, T0, {"summary": "x"}, RULES)
    assert err.value.code == "role_not_allowed" and err.value.kind == "forbidden"
    with pytest.raises(Forbidden):
        order.edit(OTHER_AGENT, T0, {"summary": "x"}, RULES)  # not theirs
    order.edit(LEADER, T0, {"summary": "leader fixes the title"}, RULES)  # leaders coordinate
    order.edit(OWNER, T0, CONTENT, RULES)
    with pytest.raises(Forbidden):
        order.submit(OTHER_AGENT, T0, RULES)
    order.submit(OWNER, T0, RULES)
    with pytest.raises(Forbidden):
        order.supervise(OWNER, T0)
    order.assign(LEADER, T0, Assignee.unit("water-co"))
    with pytest.raises(Forbidden):
        order.accept(OWNER, T0)  # an agent does not sign for a unit's order
    with pytest.raises(Forbidden):
        order.comment(POWER, T0, "not ours")
    order.comment(WATER, T0, "we are on it")
    order.check("accept", WATER)
    with pytest.raises(Forbidden):
        order.check("accept", POWER)
    assert order.can("accept") and not order.can("visit")


def test_supervision_comments_attachments_and_call_end() -> None:
    order = submitted()
    entries = len(order.timeline)
    assert order.supervise(LEADER, T0, note="市领导关注").supervised
    with pytest.raises(InvalidTransition):
        order.supervise(SUPERVISOR, T0)
    assert not order.supervise(SUPERVISOR, T0, on=False).supervised
    event = order.comment(OWNER, T0, "  客户再次来电催办  ")
    assert (event.comment_id, event.text) == (1, "客户再次来电催办")
    with pytest.raises(Invalid):
        order.comment(OWNER, T0, " ")
    photo = Attachment("f-1", "现场照片.jpg", "image/jpeg", 2048, "s3://bucket/f-1")
    assert order.attach(OWNER, T0, photo).name == "现场照片.jpg"
    with pytest.raises(InvalidTransition):
        order.attach(OWNER, T0, photo)
    with pytest.raises(Invalid):
        order.attach(OWNER, T0, Attachment("f-2", " "))
    ended = order.note_call_ended(T0 + 5)
    assert ended.call_id == "c1" and order.call_ended_at == T0 + 5
    with pytest.raises(InvalidTransition):
        order.note_call_ended(T0 + 6)
    assert len(order.timeline) == entries + 5
    assert [c.text for c in order.comments] == ["客户再次来电催办"]


def test_a_system_opened_order_belongs_to_whoever_claims_it() -> None:
    order, created = WorkOrder.open("m1", "t1", "n", Actor("mailer", Role.SYSTEM), T0, channel=Channel.EMAIL)
    assert created.first_owner_id is None and order.responsible_id is None
    with pytest.raises(Forbidden):
        order.edit(OTHER_AGENT, T0, CONTENT, RULES)
    claimed = order.claim(OTHER_AGENT, T0 + 60)
    assert claimed.first_owner_id == "a2" and order.timeline[-1].action == "claim"
    order.edit(OTHER_AGENT, T0 + 61, CONTENT, RULES)
    with pytest.raises(InvalidTransition) as err:
        order.claim(OWNER, T0 + 62)
    assert err.value.code == "already_owned" and order.first_owner_id == "a2"
    with pytest.raises(InvalidTransition):
        submitted().claim(OWNER, T0)


def test_merging_duplicates_keeps_both_histories_and_counts_them() -> None:
    first, second, third = submitted("o1"), submitted("o2"), submitted("o3")
    second_history = len(second.timeline)
    events = merge_duplicate(third, second, OWNER, T0 + 100)
    assert [e.name for e in events] == ["work_order_merged", "work_order_duplicate_added"]
    events = merge_duplicate(second, first, LEADER, T0 + 200)
    assert second.state is S.MERGED and second.merged_into == "o1"
    assert len(second.timeline) == second_history + 2  # absorbed o3, then merged itself
    assert first.duplicate_ids == ["o2", "o3"] and first.duplicate_count == 2
    assert first.timeline[-1].action == "absorb" and first.timeline[-1].detail["carried"] == ["o2", "o3"]
    assert events[1].as_dict()["duplicate_count"] == 2
    with pytest.raises(InvalidTransition):
        merge_duplicate(second, first, LEADER, T0)  # already merged
    with pytest.raises(InvalidTransition):
        merge_duplicate(first, second, LEADER, T0)  # into a merged order
    with pytest.raises(Invalid):
        merge_duplicate(first, first, LEADER, T0)
    stranger, _ = WorkOrder.open("x", "t2", "n", OWNER, T0)
    with pytest.raises(NotFound):
        merge_duplicate(stranger, first, LEADER, T0)
    draft, _ = WorkOrder.open("d", "t1", "n", OWNER, T0)
    with pytest.raises(InvalidTransition):
        merge_duplicate(first, draft, LEADER, T0)  # a draft cannot absorb
    merge_duplicate(draft, first, OWNER, T0)  # but a draft may be the duplicate
    assert first.duplicate_count == 3


# ---- property test ------------------------------------------------------------------------------

SYSTEM = Actor("sys", Role.SYSTEM)
ACTORS = [OWNER, OTHER_AGENT, LEADER, SUPERVISOR, WATER, POWER, SYSTEM]
TARGETS = [Assignee.user("L1"), Assignee.unit("water-co"), Assignee.unit("power-co"), Assignee.user("a1")]
EDITS = st.sampled_from(
    [
        CONTENT,
        CONTENT,
        CONTENT,
        {"category": "inquiry", "answer_mode": "callback"},
        {"category": "help"},
        {"urgent": True},
        {"summary": ""},
        {"course": "更新经过"},
        {"households": 3},
        {"category": "suggestion"},
        {
            "category": "inquiry",
            "answer_mode": "direct",
            "answer": "答复",
            "basis": [{"kind": "law", "ref": "L"}],
        },
    ]
)


class WorkOrderMachine(RuleBasedStateMachine):
    """Random actions by random actors on three orders. Whatever happens: the state is a
    known one and fits the assignee, the first-contact owner never changes, every success
    adds exactly one timeline entry per order it touched, and every refusal changes nothing."""

    @initialize()
    def open_orders(self) -> None:
        self.now = T0
        self.orders = []
        self.owners: dict[str, str | None] = {}
        for i, opener in enumerate([OWNER, OWNER, SYSTEM]):  # o2 came in by e-mail: no owner yet
            order, _ = WorkOrder.open(f"o{i}", "t1", f"n{i}", opener, self.now, channel=Channel.EMAIL)
            self.orders.append(order)
            self.owners[order.id] = order.first_owner_id

    def attempt(self, touched: list[WorkOrder], action: Any) -> None:
        self.now += 7
        before = [snapshot(o) for o in touched]
        lengths = [len(o.timeline) for o in touched]
        try:
            result = action()
        except DomainError:
            assert [snapshot(o) for o in touched] == before
            return
        events = result if isinstance(result, list) else [] if result is None else [result]
        assert all(isinstance(e, WorkOrderEvent) for e in events)
        grew = [len(o.timeline) - n for o, n in zip(touched, lengths, strict=True)]
        assert grew == [1] * len(touched) if events else grew == [0] * len(touched)
        for order in touched:
            assert order.timeline[-1].at == self.now if events else True

    @rule(i=st.integers(0, 2), actor=st.sampled_from(ACTORS), changes=EDITS)
    def edit(self, i: int, actor: Actor, changes: dict[str, Any]) -> None:
        order = self.orders[i]
        self.attempt([order], lambda: order.edit(actor, self.now, changes, RULES))

    @rule(i=st.integers(0, 2), data=st.data())
    def act(self, i: int, data: st.DataObject) -> None:
        """Mostly a flow move the state allows, mostly by an actor who fits (so orders travel
        deep into the flow), sometimes anything by anyone, with arguments sometimes wrong."""
        order = self.orders[i]
        flow = [a for a in TRANSITIONS if order.can(a) and a != "merge"]
        side = [a for a in ACTIONS if order.can(a) and a != "absorb"]
        dice = data.draw(st.integers(0, 9))
        pool = (
            flow
            if dice >= 3 and flow
            else side
            if dice >= 1 and side
            else sorted({*TRANSITIONS, *ACTIONS} - {"absorb"})
        )
        action = data.draw(st.sampled_from(pool))
        owner = OWNER if order.first_owner_id == "a1" else OTHER_AGENT
        if action == "submit" and data.draw(st.booleans()):
            changes = data.draw(
                st.sampled_from([CONTENT, {**CONTENT, "category": "inquiry", "answer_mode": "callback"}])
            )
            self.attempt([order], lambda: order.edit(owner, self.now, changes, RULES))
        fitting = {None: owner, "L1": LEADER, "a1": OWNER, "water-co": WATER, "power-co": POWER}
        actor = (
            fitting[order.assignee.id if order.assignee else None]
            if data.draw(st.booleans())
            else data.draw(st.sampled_from(ACTORS))
        )
        text = data.draw(st.sampled_from(["已处理", "理由", ""]))
        if action == "merge":
            into = self.orders[data.draw(st.integers(0, 2))]
            touched = [order] if into is order else [order, into]
            self.attempt(touched, lambda: merge_duplicate(order, into, actor, self.now))
            return
        if action == "edit":
            changes = data.draw(EDITS)
            self.attempt([order], lambda: order.edit(actor, self.now, changes, RULES))
            return
        to = data.draw(st.sampled_from(TARGETS))
        score = data.draw(st.integers(0, 5))
        calls: dict[str, Any] = {
            "submit": lambda: order.submit(actor, self.now, RULES),
            "assign": lambda: order.assign(actor, self.now, to),
            "accept": lambda: order.accept(actor, self.now),
            "return": lambda: order.return_order(actor, self.now, text),
            "start": lambda: order.start(actor, self.now),
            "reply": lambda: order.reply(actor, self.now, text),
            "close": lambda: order.close(actor, self.now),
            "visit": lambda: order.visit(actor, self.now, score),
            "reopen": lambda: order.reopen(actor, self.now, text),
            "supervise": lambda: order.supervise(actor, self.now, on=data.draw(st.booleans())),
            "comment": lambda: order.comment(actor, self.now, text),
            "attach": lambda: order.attach(
                actor, self.now, Attachment(f"f{len(order.attachments) % 2}", text)
            ),
            "call_ended": lambda: order.note_call_ended(self.now, actor),
            "claim": lambda: order.claim(actor, self.now),
        }
        self.attempt([order], calls[action])

    @invariant()
    def consistent(self) -> None:
        for order in getattr(self, "orders", []):
            assert isinstance(order.state, WorkOrderState)
            owner = self.owners[order.id]  # 首问负责: once someone owns the order, it stays theirs
            assert owner is None or order.first_owner_id == owner
            self.owners[order.id] = order.first_owner_id
            assert [e.seq for e in order.timeline] == list(range(1, len(order.timeline) + 1))
            assert order.timeline[0].action == "open"
            if order.state in HOLDING:
                assert order.assignee is not None
            if order.state in (S.DRAFT, S.SUBMITTED, S.RETURNED, S.REOPENED):
                assert order.assignee is None
            assert (order.state is S.VISITED) == (order.satisfaction is not None)
            assert (order.state is S.MERGED) == (order.merged_into is not None)
            if order.state not in (S.DRAFT, S.MERGED):  # a draft may be merged as a duplicate
                assert order.submitted_at is not None and order.category is not None
            if order.assignee is not None and order.assignee.kind.value == "unit":
                assert order.category is not None and order.category.value != "inquiry"


WorkOrderMachine.TestCase.settings = settings(
    max_examples=120,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_workorder_flow_properties = WorkOrderMachine.TestCase
