"""IVR nodes: the node types with their exits, and the checks each node's fields pass.

:mod:`helpline.domain.ivr.flow` checks the flow as a graph on top of these; a problem names
the node at fault, and every check fills in the node's defaults so the interpreter never
guesses.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta, timezone
from typing import Any

from helpline.domain.calendar import BusinessCalendar, parse_hours
from helpline.domain.errors import DomainError, Invalid

INPUT_NODES = frozenset({"menu", "collect"})  # they wait for the caller's keys
TERMINAL_NODES = frozenset({"queue", "voicemail", "callback", "transfer", "hangup"})
# node type -> its exits (fields naming the next node); "?" marks an optional exit
NODE_TYPES: dict[str, tuple[str, ...]] = {
    "play": ("next",),
    "menu": ("no_input?", "invalid?"),  # plus one exit per option
    "collect": ("next", "no_input?"),
    "hours": ("open", "closed"),
    "lookup": ("next", "vip?"),
    "set": ("next",),
    "http": ("next", "error?"),  # plus one exit per branch
    "queue": (),
    "voicemail": (),
    "callback": (),
    "transfer": (),
    "hangup": (),
}
KEYS = "0123456789*#"
NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True)
class Problem:
    node: str | None  # None: the flow as a whole
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"node": self.node, "code": self.code, "message": self.message}


def exits_of(node: Mapping[str, Any]) -> dict[str, str]:
    """label -> target node id, for every exit the node has."""
    out: dict[str, str] = {}
    for name in NODE_TYPES.get(str(node.get("type")), ()):
        key = name.rstrip("?")
        if node.get(key):
            out[key] = str(node[key])
    for key, target in (node.get("options") or {}).items():
        out[f"option {key}"] = str(target)
    for key, target in (node.get("branches") or {}).items():
        out[f"branch {key}"] = str(target)
    return out


class Checker:
    """Collects every problem found, rather than stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def fail(self, node: str | None, code: str, message: str) -> None:
        self.problems.append(Problem(node, code, message))

    def number(
        self,
        node_id: str,
        node: dict[str, Any],
        key: str,
        default: float | None,
        low: float,
        high: float,
        *,
        integer: bool = False,
    ) -> None:
        value = node.get(key, default)
        if value is None and default is None:
            node[key] = None
            return
        if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
            self.fail(node_id, f"invalid_{key}", f"{key} must be a number from {low:g} to {high:g}")
            return
        if integer and value != int(value):
            self.fail(node_id, f"invalid_{key}", f"{key} must be a whole number")
            return
        node[key] = int(value) if integer else float(value)

    def speech(self, node_id: str, node: dict[str, Any], *, required: bool = False, prefix: str = "") -> None:
        prompt, say = node.get(f"{prefix}prompt"), node.get(f"{prefix}say")
        if prompt is not None and (not isinstance(prompt, str) or not NAME.match(prompt)):
            self.fail(node_id, "invalid_prompt", f"{prefix}prompt must be a prompt id (letters, digits, _.-)")
        if say is not None:
            texts = [say] if isinstance(say, str) else list(say.values()) if isinstance(say, dict) else [None]
            if (isinstance(say, dict) and not set(say) <= {"zh", "en"}) or not all(
                isinstance(t, str) and 0 < len(t) <= 500 for t in texts
            ):
                self.fail(node_id, "invalid_say", f"{prefix}say is text, or {{'zh': text, 'en': text}}")
        if required and not prompt and not say:
            self.fail(node_id, "prompt_required", f"a {node.get('type')} node needs a prompt or say")

    def skills(self, node_id: str, node: dict[str, Any]) -> None:
        skills = node.setdefault("skills", {})
        if not isinstance(skills, dict) or not all(
            isinstance(k, str) and isinstance(v, int) and 1 <= v <= 10 for k, v in skills.items()
        ):
            self.fail(node_id, "invalid_skills", "skills map skill ids to levels 1-10")
        priority = node.setdefault("priority", None)
        if priority is not None and (
            isinstance(priority, bool) or not isinstance(priority, int) or not 0 <= priority <= 100
        ):
            self.fail(node_id, "invalid_priority", "priority is a whole number from 0 to 100")


def _check_menu(c: Checker, node_id: str, node: dict[str, Any]) -> None:
    options = node.get("options")
    if not isinstance(options, dict) or not options:
        c.fail(node_id, "options_required", "a menu needs options: {key: node}")
    elif not all(isinstance(k, str) and len(k) == 1 and k in KEYS for k in options):
        c.fail(node_id, "invalid_option", f"option keys are single keys of {KEYS}")
    c.speech(node_id, node, required=True)
    c.number(node_id, node, "timeout", 5, 1, 60)
    c.number(node_id, node, "retries", 2, 0, 5, integer=True)


def _check_collect(c: Checker, node_id: str, node: dict[str, Any]) -> None:
    var = node.get("var")
    if not isinstance(var, str) or not re.match(r"^[a-z][a-z0-9_]{0,31}$", var):
        c.fail(node_id, "invalid_var", "var names where the digits are kept (a-z, 0-9, _)")
    c.speech(node_id, node, required=True)
    c.number(node_id, node, "max_digits", 16, 1, 32, integer=True)
    c.number(node_id, node, "min_digits", 1, 1, 32, integer=True)
    c.number(node_id, node, "timeout", 8, 1, 60)
    c.number(node_id, node, "retries", 2, 0, 5, integer=True)
    terminator = node.setdefault("terminator", "#")
    if terminator not in ("#", "*", ""):
        c.fail(node_id, "invalid_terminator", "the terminator is #, * or none")


def _check_hours(c: Checker, node_id: str, node: dict[str, Any]) -> None:
    try:
        calendar_of(node)
    except DomainError as exc:
        c.fail(node_id, exc.code, exc.message)
    except (TypeError, ValueError) as exc:
        c.fail(node_id, "invalid_hours", f"hours, days, holidays, workdays, utc_offset: {exc}")


def _check_http(c: Checker, node_id: str, node: dict[str, Any]) -> None:
    url = node.get("url")
    if not isinstance(url, str) or not re.match(r"^https?://[^\s]+$", url):
        c.fail(node_id, "invalid_url", "url is an http:// or https:// address")
    if node.setdefault("method", "POST") not in ("GET", "POST"):
        c.fail(node_id, "invalid_method", "method is GET or POST")
    c.number(node_id, node, "timeout", 3, 0.5, 10)
    branches = node.setdefault("branches", {})
    if not isinstance(branches, dict):
        c.fail(node_id, "invalid_branches", "branches map a result value to a node")


def _check_terminal(c: Checker, node_id: str, node: dict[str, Any]) -> None:
    kind = node["type"]
    c.speech(node_id, node)
    if kind == "queue":
        if not isinstance(node.get("queue"), str) or not node["queue"]:
            c.fail(node_id, "queue_required", "a queue node names the queue")
        c.skills(node_id, node)
    elif kind == "voicemail":
        c.number(node_id, node, "max_seconds", 60, 5, 300)
    elif kind == "transfer":
        number = node.get("number")
        if not isinstance(number, str) or not re.match(r"^\+?[0-9*#]{2,32}$", number):
            c.fail(node_id, "invalid_number", "a transfer node names a number (digits, optional +)")
    elif kind == "callback" and node.get("queue") is not None and not isinstance(node["queue"], str):
        c.fail(node_id, "invalid_queue", "queue is a queue id")


def check_node(c: Checker, node_id: str, node: dict[str, Any]) -> None:
    kind = node["type"]
    if kind == "play":
        c.speech(node_id, node, required=True)
    elif kind == "menu":
        _check_menu(c, node_id, node)
    elif kind == "collect":
        _check_collect(c, node_id, node)
    elif kind == "hours":
        _check_hours(c, node_id, node)
    elif kind == "lookup":
        c.number(node_id, node, "vip_priority", 10, 0, 100, integer=True)
        c.number(node_id, node, "min_level", 1, 1, 100, integer=True)
    elif kind == "set":
        c.skills(node_id, node)
        if not isinstance(node.setdefault("data", {}), dict):
            c.fail(node_id, "invalid_data", "data is an object")
    elif kind == "http":
        _check_http(c, node_id, node)
    else:
        _check_terminal(c, node_id, node)
    for name in NODE_TYPES[kind]:
        if not name.endswith("?") and not node.get(name):
            c.fail(node_id, "exit_required", f"a {kind} node needs '{name}' (the next node)")


def calendar_of(node: Mapping[str, Any]) -> BusinessCalendar:
    """The opening hours of an ``hours`` node: ``hours`` ("08:00-20:00"), ``days`` (0 =
    Monday), ``holidays`` and make-up ``workdays`` (ISO dates), ``utc_offset`` (hours, +8)."""
    offset = node.get("utc_offset", 8)
    if isinstance(offset, bool) or not isinstance(offset, int | float) or not -12 <= offset <= 14:
        raise Invalid("invalid_utc_offset", "utc_offset is hours from UTC, -12 to 14", field="utc_offset")
    days = node.get("days", list(range(7)))
    hours = parse_hours(str(node.get("hours", "00:00-24:00")))
    holidays = [date.fromisoformat(str(d)) for d in node.get("holidays", ())]
    workdays = [date.fromisoformat(str(d)) for d in node.get("workdays", ())]
    return BusinessCalendar(
        {int(d): hours for d in days},
        holidays=holidays,
        workdays=workdays,
        tz=timezone(timedelta(hours=float(offset))),
    )
