"""How a work order is classified (NORMS §4.2): its category (问题类别) with the borderline
rule, and the code trees its reason code (来电原因) and tree-choice fields are picked from."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from helpline.domain.errors import Invalid


class Category(StrEnum):
    """问题类别."""

    INQUIRY = "inquiry"  # 咨询
    SUGGESTION = "suggestion"  # 建议
    COMPLAINT = "complaint"  # 投诉
    HELP = "help"  # 求助


SERIOUS = frozenset({Category.COMPLAINT, Category.HELP})
"""Categories that go to the shift leader (NORMS §4.6) and run a reply clock."""


def resolve_category(*candidates: Category | str) -> Category:
    """The borderline rule (NORMS §4.2): content that falls between inquiry/suggestion and
    complaint/help is treated as complaint/help. Given every category the content fits, in
    the agent's order of preference, the first serious one wins; otherwise the first."""
    if not candidates:
        raise Invalid("category_required", "a category is required", field="category")
    categories = [Category(c) for c in candidates]
    return next((c for c in categories if c in SERIOUS), categories[0])


@dataclass(frozen=True, slots=True)
class CodeNode:
    """A node of a code tree. ``categories`` (empty: all) limits where a reason code fits."""

    code: str
    label: str
    parent: str | None = None
    categories: frozenset[Category] = frozenset()


class CodeTree:
    """A tree of codes: the per-tenant reason-code tree (来电原因) and tree-choice fields.

    Orders carry a leaf code; the path gives the labels for reports (``水务 / 停水 / 计划停水``).
    """

    __slots__ = ("_children", "nodes")

    def __init__(self, nodes: Iterable[CodeNode]) -> None:
        self.nodes: dict[str, CodeNode] = {}
        for node in nodes:
            if not node.code or node.code in self.nodes:
                raise Invalid("invalid_code_tree", f"duplicate or empty code {node.code!r}", field="codes")
            self.nodes[node.code] = node
        self._children: dict[str | None, list[str]] = {}
        for node in self.nodes.values():
            if node.parent is not None and node.parent not in self.nodes:
                raise Invalid("invalid_code_tree", f"unknown parent {node.parent!r}", field="codes")
            self._children.setdefault(node.parent, []).append(node.code)
        for code in self.nodes:
            self.path(code)  # raises on a cycle

    def __contains__(self, code: object) -> bool:
        return code in self.nodes

    def children(self, code: str | None = None) -> list[str]:
        return list(self._children.get(code, ()))

    def is_leaf(self, code: str) -> bool:
        return code in self.nodes and not self._children.get(code)

    def path(self, code: str) -> tuple[CodeNode, ...]:
        """Root first. Raises :class:`Invalid` for an unknown code or a cycle."""
        chain: list[CodeNode] = []
        current: str | None = code
        while current is not None:
            node = self.nodes.get(current)
            if node is None or node in chain:
                raise Invalid("invalid_code_tree", f"code {code!r} has no path to a root", field="codes")
            chain.append(node)
            current = node.parent
        return tuple(reversed(chain))

    def fits(self, code: str, category: Category) -> bool:
        """A code fits a category unless it or an ancestor is limited to other categories."""
        return all(not n.categories or category in n.categories for n in self.path(code))
