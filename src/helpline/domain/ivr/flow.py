"""IVR flows as data: a tenant's voice menu is a graph of nodes, kept as JSON, checked here
before it is saved so that a caller can never hit a broken flow.

A flow is ``{"start": node id, "nodes": {id: node}, "survey": {...}?, "waiting": {...}?}``.
Each node has a ``type``; :data:`NODE_TYPES` lists them with the exits they have. What a
caller hears is a ``prompt`` (the id of a WAV in the prompt library) or ``say`` (text the
platform speaks with its TTS engine; a string, or ``{"zh": ..., "en": ...}``).

The checks, each naming the node at fault: the start exists; every node has a known type
and valid fields; every exit leads to a node that exists (no dangling reference), and every
node can be reached from the start (no dangling node); every loop passes through a node
that waits for the caller (``menu``, ``collect``: otherwise the flow would spin with
nobody on the line), and from every node an end can be reached. :func:`validate` returns
the flow with every default filled in, so the interpreter never guesses.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
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
MAX_STEPS = 200  # the interpreter's guard: a caller pressing keys forever still ends


@dataclass(frozen=True)
class Problem:
    node: str | None  # None: the flow as a whole
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"node": self.node, "code": self.code, "message": self.message}


@dataclass(frozen=True)
class Flow:
    """A validated flow; ``nodes`` have every default filled in."""

    start: str
    nodes: dict[str, dict[str, Any]]
    survey: dict[str, Any] | None = None
    waiting: dict[str, Any] = field(default_factory=dict)

    def exits(self, node_id: str) -> dict[str, str]:
        return exits_of(self.nodes[node_id])

    def prompts(self) -> set[str]:
        """Every prompt id the flow plays (the library must have them)."""
        found = {str(n["prompt"]) for n in self.nodes.values() if n.get("prompt")}
        for extra in (self.survey or {}, self.waiting):
            found |= {str(v) for k, v in extra.items() if k.endswith("prompt") and v}
        return found

    def queues(self) -> dict[str, str]:
        """queue id -> the first node that names it (the tenant must have them)."""
        found: dict[str, str] = {}
        for node_id, node in self.nodes.items():
            if node.get("queue"):
                found.setdefault(str(node["queue"]), node_id)
        return found

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"start": self.start, "nodes": self.nodes, "waiting": self.waiting}
        if self.survey is not None:
            out["survey"] = self.survey
        return out


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


class _Checker:
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


def _check_menu(c: _Checker, node_id: str, node: dict[str, Any]) -> None:
    options = node.get("options")
    if not isinstance(options, dict) or not options:
        c.fail(node_id, "options_required", "a menu needs options: {key: node}")
    elif not all(isinstance(k, str) and len(k) == 1 and k in KEYS for k in options):
        c.fail(node_id, "invalid_option", f"option keys are single keys of {KEYS}")
    c.speech(node_id, node, required=True)
    c.number(node_id, node, "timeout", 5, 1, 60)
    c.number(node_id, node, "retries", 2, 0, 5, integer=True)


def _check_collect(c: _Checker, node_id: str, node: dict[str, Any]) -> None:
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


def _check_hours(c: _Checker, node_id: str, node: dict[str, Any]) -> None:
    try:
        calendar_of(node)
    except DomainError as exc:
        c.fail(node_id, exc.code, exc.message)
    except (TypeError, ValueError) as exc:
        c.fail(node_id, "invalid_hours", f"hours, days, holidays, workdays, utc_offset: {exc}")


def _check_http(c: _Checker, node_id: str, node: dict[str, Any]) -> None:
    url = node.get("url")
    if not isinstance(url, str) or not re.match(r"^https?://[^\s]+$", url):
        c.fail(node_id, "invalid_url", "url is an http:// or https:// address")
    if node.setdefault("method", "POST") not in ("GET", "POST"):
        c.fail(node_id, "invalid_method", "method is GET or POST")
    c.number(node_id, node, "timeout", 3, 0.5, 10)
    branches = node.setdefault("branches", {})
    if not isinstance(branches, dict):
        c.fail(node_id, "invalid_branches", "branches map a result value to a node")


def _check_terminal(c: _Checker, node_id: str, node: dict[str, Any]) -> None:
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


def _check_node(c: _Checker, node_id: str, node: dict[str, Any]) -> None:
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


def _graph_problems(c: _Checker, start: str, nodes: dict[str, dict[str, Any]]) -> None:
    edges = {node_id: set(exits_of(node).values()) for node_id, node in nodes.items()}
    for node_id, node in nodes.items():
        for label, target in exits_of(node).items():
            if target not in nodes:
                c.fail(node_id, "dangling_exit", f"{label} leads to {target!r}, which does not exist")
    reachable = _walk([start], lambda n: edges.get(n, set()))
    for node_id in sorted(set(nodes) - reachable):
        c.fail(node_id, "unreachable", "dangling node: nothing leads here from the start")
    # loops must wait for the caller: without the exits of input nodes, no cycle may remain
    quiet = {n: {t for t in edges[n] if t in nodes} for n in nodes if nodes[n]["type"] not in INPUT_NODES}
    for cycle in _cycles(quiet):
        c.fail(
            cycle[0],
            "loop_without_input",
            f"{' -> '.join([*cycle, cycle[0]])} loops without waiting for the caller",
        )
    reverse: dict[str, set[str]] = {n: set() for n in nodes}
    for source, targets in edges.items():
        for target in targets & set(nodes):
            reverse[target].add(source)
    # input nodes end the call themselves after their retries, so they count as ends too
    ends = [
        n
        for n, node in nodes.items()
        if node["type"] in TERMINAL_NODES or (node["type"] in INPUT_NODES and not node.get("no_input"))
    ]
    can_end = _walk(ends, lambda n: reverse.get(n, set()))
    for node_id in sorted(reachable - can_end):
        if node_id in nodes:
            c.fail(node_id, "no_way_out", "no end of the call can be reached from here")


def _walk(roots: Iterable[str], following: Callable[[str], set[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(following(node))
    return seen


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected tangle (enough to name the nodes at fault)."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(edges.get(node, ())):
            if target not in edges:
                continue
            if state.get(target) == 1:
                found.append(path[path.index(target) :])
            elif target not in state:
                visit(target, path)
        path.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [])
    return found


def check(definition: Any) -> tuple[Flow | None, list[Problem]]:
    """The flow with defaults filled in, or None, and every problem found."""
    c = _Checker()
    if not isinstance(definition, dict):
        return None, [Problem(None, "invalid_flow", "a flow is an object with start and nodes")]
    raw_nodes = definition.get("nodes")
    if not isinstance(raw_nodes, dict) or not raw_nodes:
        return None, [Problem(None, "nodes_required", "a flow needs nodes: {id: node}")]
    nodes: dict[str, dict[str, Any]] = {}
    for node_id, raw in raw_nodes.items():
        if not isinstance(node_id, str) or not NAME.match(node_id):
            c.fail(str(node_id), "invalid_node_id", "node ids are letters, digits and _.- (up to 64)")
        elif not isinstance(raw, dict) or raw.get("type") not in NODE_TYPES:
            c.fail(node_id, "unknown_type", f"type must be one of {', '.join(NODE_TYPES)}")
        else:
            nodes[node_id] = dict(raw)
            _check_node(c, node_id, nodes[node_id])
    start = definition.get("start")
    if not isinstance(start, str) or start not in raw_nodes:
        c.fail(None, "invalid_start", "start names the first node")
    survey = _check_extra(c, definition.get("survey"), "survey")
    waiting = _check_extra(c, definition.get("waiting") or {}, "waiting") or {}
    if not c.problems and isinstance(start, str):
        _graph_problems(c, start, nodes)
    if c.problems:
        return None, c.problems
    assert isinstance(start, str)
    return Flow(start, nodes, survey, waiting), []


def _check_extra(c: _Checker, extra: Any, what: str) -> dict[str, Any] | None:
    if extra is None:
        return None
    if not isinstance(extra, dict):
        c.fail(what, f"invalid_{what}", f"{what} is an object")
        return None
    checked: dict[str, Any] = dict(extra)
    if what == "survey":
        c.speech(what, checked, required=True)
        c.speech(what, checked, prefix="thanks_")
        c.number(what, checked, "timeout", 8, 2, 30)
    else:
        c.number(what, checked, "announce_every", 45, 0, 600)  # 0: no announcements
        c.number(what, checked, "callback_after", None, 0, 3600)  # None: no callback offer
        c.speech(what, checked, prefix="callback_")  # the offer
        c.speech(what, checked, prefix="confirm_")  # "we will call you back" (default callback_ok)
        if checked.setdefault("callback_key", "1") not in list(KEYS):
            c.fail(what, "invalid_callback_key", f"callback_key is one of {KEYS}")
    return checked


def validate(definition: Any) -> Flow:
    """The flow, or :class:`Invalid` ``invalid_flow`` listing every problem by node."""
    flow, problems = check(definition)
    if flow is None:
        first = problems[0]
        where = f"node {first.node}: " if first.node else ""
        raise Invalid(
            "invalid_flow",
            f"{where}{first.message}" + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
            problems=[p.as_dict() for p in problems],
        )
    return flow
