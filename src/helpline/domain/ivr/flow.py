"""IVR flows as data: a tenant's voice menu is a graph of nodes, kept as JSON, checked here
before it is saved so that a caller can never hit a broken flow.

A flow is ``{"start": node id, "nodes": {id: node}, "survey": {...}?, "waiting": {...}?}``.
Each node has a ``type``; :data:`~helpline.domain.ivr.nodes.NODE_TYPES` lists them with their exits. What a
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

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from helpline.domain.errors import Invalid
from helpline.domain.ivr.nodes import (
    INPUT_NODES,
    KEYS,
    NAME,
    NODE_TYPES,
    TERMINAL_NODES,
    Checker,
    Problem,
    check_node,
    exits_of,
)

MAX_STEPS = 200  # the interpreter's guard: a caller pressing keys forever still ends


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


def _graph_problems(c: Checker, start: str, nodes: dict[str, dict[str, Any]]) -> None:
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
    c = Checker()
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
            check_node(c, node_id, nodes[node_id])
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


def _check_extra(c: Checker, extra: Any, what: str) -> dict[str, Any] | None:
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
