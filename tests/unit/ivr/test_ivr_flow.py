"""IVR flows as data: the checks that keep a caller from ever meeting a broken flow."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from helpline.app.ivr.flows import DEMO_FLOW
from helpline.domain.errors import Invalid
from helpline.domain.ivr.flow import check, validate
from helpline.domain.ivr.nodes import calendar_of


def flow(**nodes: dict[str, Any]) -> dict[str, Any]:
    return {"start": next(iter(nodes)), "nodes": nodes}


def codes(definition: Any) -> set[tuple[str | None, str]]:
    _, problems = check(definition)
    return {(p.node, p.code) for p in problems}


def test_the_demo_flow_is_valid_and_gets_its_defaults_filled_in() -> None:
    checked = validate(copy.deepcopy(DEMO_FLOW))
    assert checked.start == "welcome"
    assert checked.nodes["menu"]["retries"] == 2 and checked.nodes["general"]["skills"] == {}
    assert checked.queues() == {"general": "general", "complaints": "complaints", "english": "english"}
    assert {"welcome", "main_menu", "survey", "thanks", "callback_offer"} <= checked.prompts()
    assert checked.waiting["callback_after"] == 90 and checked.survey is not None


def test_a_reference_to_a_missing_node_is_named() -> None:
    found = codes(flow(a={"type": "play", "say": "hi", "next": "nowhere"}))
    assert (("a", "dangling_exit")) in found


def test_a_node_nothing_leads_to_is_dangling() -> None:
    found = codes(flow(a={"type": "hangup"}, orphan={"type": "hangup"}))
    assert found == {("orphan", "unreachable")}


def test_a_loop_without_input_is_refused_but_a_menu_may_loop() -> None:
    spin = flow(a={"type": "play", "say": "x", "next": "b"}, b={"type": "set", "next": "a"})
    assert ("a", "loop_without_input") in codes(spin)
    menu = flow(
        m={"type": "menu", "say": "press 1", "options": {"1": "p", "2": "q"}},
        p={"type": "play", "say": "again", "next": "m"},
        q={"type": "hangup"},
    )
    assert codes(menu) == set()


def test_every_node_must_be_able_to_reach_an_end() -> None:
    trap = flow(
        m={"type": "menu", "say": "x", "options": {"1": "p"}, "no_input": "p"},
        p={"type": "play", "say": "y", "next": "m"},
    )
    assert ("m", "no_way_out") in codes(trap)
    # without no_input the menu itself ends the call after its retries: that is a way out
    fine = flow(
        m={"type": "menu", "say": "x", "options": {"1": "p"}}, p={"type": "play", "say": "y", "next": "m"}
    )
    assert codes(fine) == set()


@pytest.mark.parametrize(
    ("node", "code"),
    [
        ({"type": "teleport"}, "unknown_type"),
        ({"type": "menu", "say": "x", "options": {"10": "end"}}, "invalid_option"),
        ({"type": "menu", "options": {"1": "end"}}, "prompt_required"),
        ({"type": "collect", "say": "x", "var": "Bad Name", "next": "end"}, "invalid_var"),
        ({"type": "hours", "hours": "25:00-26:00", "open": "end", "closed": "end"}, "invalid_hours"),
        ({"type": "hours", "holidays": ["not a date"], "open": "end", "closed": "end"}, "invalid_hours"),
        ({"type": "queue"}, "queue_required"),
        ({"type": "queue", "queue": "q", "priority": 1000}, "invalid_priority"),
        ({"type": "queue", "queue": "q", "skills": {"en": 11}}, "invalid_skills"),
        ({"type": "transfer", "number": "call me"}, "invalid_number"),
        ({"type": "http", "url": "ftp://x", "next": "end"}, "invalid_url"),
        ({"type": "voicemail", "max_seconds": 3600}, "invalid_max_seconds"),
        ({"type": "play", "say": "x"}, "exit_required"),
        ({"type": "play", "say": {"fr": "bonjour"}, "next": "end"}, "invalid_say"),
    ],
)
def test_bad_fields_are_named_with_their_node(node: dict[str, Any], code: str) -> None:
    found = codes({"start": "n", "nodes": {"n": node, "end": {"type": "hangup"}}})
    assert ("n", code) in found


def test_validate_raises_one_error_listing_every_problem() -> None:
    with pytest.raises(Invalid) as caught:
        validate({"start": "a", "nodes": {"a": {"type": "play", "next": "b"}, "b": {"type": "queue"}}})
    assert caught.value.code == "invalid_flow" and caught.value.message.startswith("node a:")
    problems = {(p["node"], p["code"]) for p in caught.value.fields["problems"]}
    assert problems == {("a", "prompt_required"), ("b", "queue_required")}


def test_the_start_must_exist() -> None:
    assert (None, "invalid_start") in codes({"start": "x", "nodes": {"a": {"type": "hangup"}}})
    assert (None, "nodes_required") in codes({"start": "x", "nodes": {}})


def test_opening_hours_with_holidays_and_make_up_days() -> None:
    node = {
        "hours": "08:00-20:00",
        "days": [0, 1, 2, 3, 4],
        "holidays": ["2026-10-01"],
        "workdays": ["2026-10-10"],
        "utc_offset": 8,
    }
    calendar = calendar_of(node)

    def at(text: str) -> float:  # local time (UTC+8) -> epoch
        return datetime.fromisoformat(text + "+08:00").astimezone(UTC).timestamp()

    assert calendar.is_open(at("2026-09-30T09:00"))  # a Wednesday morning
    assert not calendar.is_open(at("2026-09-30T21:00"))  # after hours
    assert not calendar.is_open(at("2026-10-01T09:00"))  # National Day
    assert calendar.is_open(at("2026-10-10T09:00"))  # a Saturday worked instead (调休)
    assert not calendar.is_open(at("2026-10-11T09:00"))  # an ordinary Sunday
