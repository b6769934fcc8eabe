"""What a work order holds, and what it must hold before it is submitted (NORMS §4.2-4.5).

Split from :mod:`helpline.domain.workorders.order` (the order and its flow) to keep both small:
priority, inquiry answer modes with their cited basis, typed custom field definitions, and
the content rules a tenant sets. How an order is classified (category, reason-code tree) is
in :mod:`helpline.domain.workorders.classification`. Validation collects **every**
problem and reports them in one :class:`Invalid`, so an agent fixes the form in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import IntEnum, StrEnum
from types import MappingProxyType
from typing import Any

from helpline.domain.errors import Invalid
from helpline.domain.people.phone import normalize_phone
from helpline.domain.workorders.classification import Category, CodeTree, resolve_category


class Priority(IntEnum):
    LOW = 1  # 低
    NORMAL = 2  # 普通
    HIGH = 3  # 高


class AnswerMode(StrEnum):
    """How an inquiry is answered (NORMS §4.5); inquiries are never pushed to a third party."""

    DIRECT = "direct"  # 直接答复, citing its basis
    THREE_WAY = "three_way"  # 三方通话 with the responsible party
    CALLBACK = "callback"  # 回电 within 15 min of hang-up, the answer recorded


class BasisKind(StrEnum):
    KB_ARTICLE = "kb_article"  # 知识库
    LAW = "law"  # 法律法规
    POLICY = "policy"  # 政策文件


@dataclass(frozen=True, slots=True)
class Basis:
    """The cited basis of a direct answer: a structured link, so it can be followed and counted."""

    kind: BasisKind
    ref: str  # article id, or the law's / policy's document number
    title: str = ""
    clause: str = ""  # e.g. 第十二条

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind.value, "ref": self.ref, "title": self.title, "clause": self.clause}

    @classmethod
    def from_value(cls, value: object) -> Basis:
        if isinstance(value, Basis):
            basis = value
        elif isinstance(value, Mapping):
            basis = cls(
                BasisKind(str(value.get("kind"))),
                str(value.get("ref") or "").strip(),
                str(value.get("title") or ""),
                str(value.get("clause") or ""),
            )
        else:
            raise ValueError("basis")
        if not basis.ref:
            raise ValueError("basis")
        return basis


class FieldType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    DATE = "date"  # stored as ISO ``YYYY-MM-DD``
    CHOICE = "choice"
    TREE_CHOICE = "tree_choice"


_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True, slots=True)
class FieldDef:
    """A custom field a tenant adds to its orders; ``required_for`` names the categories
    for which it must be filled before submission."""

    key: str
    label: str
    type: FieldType = FieldType.TEXT
    required_for: frozenset[Category] = frozenset()
    options: tuple[str, ...] = ()
    tree: CodeTree | None = None
    minimum: float | None = None
    maximum: float | None = None
    max_length: int = 500
    leaf_only: bool = True

    def __post_init__(self) -> None:
        if not _KEY.match(self.key) or self.key in STANDARD_FIELDS:
            raise Invalid("invalid_field_key", f"{self.key!r} cannot be a custom field key", field="key")
        if self.type is FieldType.CHOICE and not self.options:
            raise Invalid("choices_required", "a choice field needs options", field=self.key)
        if self.type is FieldType.TREE_CHOICE and self.tree is None:
            raise Invalid("tree_required", "a tree-choice field needs a code tree", field=self.key)

    def coerce(self, value: object) -> object:
        """The stored form of ``value``, or :class:`ValueError` naming what is wrong."""
        if self.type is FieldType.TEXT:
            if not isinstance(value, str) or len(value) > self.max_length:
                raise ValueError("text")
            return value.strip()
        if self.type is FieldType.NUMBER:
            if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
                raise ValueError("number")
            if (self.minimum is not None and value < self.minimum) or (
                self.maximum is not None and value > self.maximum
            ):
                raise ValueError("out_of_range")
            return value
        if self.type is FieldType.DATE:
            if isinstance(value, date):
                return value.isoformat()
            if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                raise ValueError("date")
            return date.fromisoformat(value).isoformat()  # ValueError for 2026-02-30
        if self.type is FieldType.CHOICE:
            if value not in self.options:
                raise ValueError("choice")
            return value
        assert self.tree is not None
        if (
            not isinstance(value, str)
            or value not in self.tree
            or (self.leaf_only and not self.tree.is_leaf(value))
        ):
            raise ValueError("tree_choice")
        return value


TITLE_FIELDS = ("location", "summary")  # the title: where, and what happened
BODY_FIELDS = ("event_time", "place", "course", "request")  # 时间, 地点, 经过, 诉求
TEXT_FIELDS = (*TITLE_FIELDS, *BODY_FIELDS, "who", "why", "how", "caller_name", "answer", "three_way_party")
STANDARD_FIELDS = frozenset(
    {
        *TEXT_FIELDS,
        "category",
        "reason_code",
        "priority",
        "urgent",
        "complex_case",
        "answer_mode",
        "basis",
        "unit_id",
        "caller_number",
        "customer_id",
    }
)
LABELS = MappingProxyType(
    {
        "location": "地点(标题)",
        "summary": "事件摘要(标题)",
        "event_time": "时间",
        "place": "地点",
        "course": "事件经过",
        "request": "来电诉求",
        "who": "人物",
        "why": "原因",
        "how": "方式",
        "caller_name": "来电人",
        "answer": "答复内容",
        "three_way_party": "三方通话对象",
        "category": "问题类别",
        "reason_code": "来电原因",
        "priority": "优先级",
        "urgent": "急件",
        "answer_mode": "答复方式",
        "basis": "答复依据",
        "unit_id": "承办单位",
    }
)
DEFAULT_REQUIRED = frozenset({*TITLE_FIELDS, *BODY_FIELDS, "reason_code"})
"""NORMS §4.3: the title holds location and summary; the body time, place, course, request."""
URGENT_MARK = "【急件】"
MAX_TEXT = 4000


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class ContentRules:
    """One tenant's rules for order content. ``required`` overrides the defaults per
    category; ``reasons`` (when set) is the tree reason codes must come from."""

    required: Mapping[Category, frozenset[str]] = field(default_factory=dict)
    custom_fields: tuple[FieldDef, ...] = ()
    reasons: CodeTree | None = None
    min_summary: int = 4
    require_answer_mode: bool = True

    def __post_init__(self) -> None:
        keys = [f.key for f in self.custom_fields]
        if len(keys) != len(set(keys)):
            raise Invalid("duplicate_field_key", "custom field keys must be unique", field="custom_fields")
        unknown = {n for names in self.required.values() for n in names} - STANDARD_FIELDS - set(keys)
        if unknown:
            raise Invalid(
                "unknown_field", "required fields must exist", field="required", names=sorted(unknown)
            )

    def required_for(self, category: Category) -> frozenset[str]:
        base = self.required.get(category, DEFAULT_REQUIRED)
        return base | {f.key for f in self.custom_fields if category in f.required_for}

    def custom(self, key: str) -> FieldDef | None:
        return next((f for f in self.custom_fields if f.key == key), None)


def compose_title(location: str, summary: str, urgent: bool = False) -> str:
    """The title is built from its parts, so "the title holds the location and the summary"
    is true by construction and checkable; urgent orders are marked 急件 (NORMS §4.7)."""
    title = f"{location}：{summary}" if location and summary else location or summary
    return f"{URGENT_MARK}{title}" if urgent else title


class _UnknownField(Exception):
    pass


def _coerce_one(name: str, value: Any, rules: ContentRules) -> object:
    if name in TEXT_FIELDS:
        value = "" if value is None else value
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise ValueError("text")
        return value.strip()
    if name == "category":
        candidates = value if isinstance(value, list | tuple) else [value]
        return resolve_category(*candidates) if value is not None else None
    if name == "priority":
        return Priority[value.upper()] if isinstance(value, str) else Priority(value)
    if name in ("urgent", "complex_case"):
        if not isinstance(value, bool):
            raise ValueError("boolean")
        return value
    if name == "answer_mode":
        return None if value is None else AnswerMode(value)
    if name == "basis":
        return tuple(Basis.from_value(v) for v in value)
    if name == "caller_number":
        return None if value in (None, "") else normalize_phone(value)
    if name in ("reason_code", "unit_id", "customer_id"):
        if value is not None and not (isinstance(value, str) and value.strip()):
            raise ValueError("text")
        return value.strip() if value is not None else None
    definition = rules.custom(name)
    if definition is None:
        raise _UnknownField(name)
    return None if value is None else definition.coerce(value)


def coerce_changes(
    changes: Mapping[str, Any], rules: ContentRules
) -> tuple[dict[str, object], list[Problem]]:
    """Typed values for an edit, plus a problem for every unknown or malformed field."""
    values: dict[str, object] = {}
    problems: list[Problem] = []
    for name, value in changes.items():
        try:
            values[name] = _coerce_one(name, value, rules)
        except _UnknownField:
            problems.append(Problem(name, "unknown_field", f"{name} is not a field of this order"))
        except (ValueError, TypeError, KeyError, Invalid, AttributeError):
            problems.append(Problem(name, "malformed", f"{LABELS.get(name, name)} has a wrong value"))
    return values, problems


def content_problems(values: Mapping[str, object], rules: ContentRules) -> list[Problem]:
    """Every reason the content cannot be submitted (empty: it can)."""
    category = values.get("category")
    problems: list[Problem] = []
    if isinstance(category, Category):
        required = rules.required_for(category)
    else:  # still name what every category requires, so the agent fixes it all at once
        problems.append(Problem("category", "required", "问题类别 is required"))
        required = frozenset.intersection(*(rules.required_for(c) for c in Category))
    for name in sorted(required):
        value = values.get(name)
        if value is None or value == "" or value == ():
            problems.append(Problem(name, "required", f"{LABELS.get(name, name)} is required"))
    if not isinstance(category, Category):
        return problems
    location, summary = str(values.get("location") or ""), str(values.get("summary") or "")
    if summary and (len(summary) < rules.min_summary or summary == location):
        problems.append(
            Problem(
                "summary",
                "too_short",
                f"the title's event summary needs at least {rules.min_summary} characters",
            )
        )
    code = values.get("reason_code")
    if isinstance(code, str) and code and rules.reasons is not None:
        tree = rules.reasons
        if code not in tree or not tree.is_leaf(code):
            problems.append(
                Problem("reason_code", "unknown_code", "来电原因 must be a leaf of the reason tree")
            )
        elif not tree.fits(code, category):
            problems.append(
                Problem(
                    "reason_code",
                    "wrong_category",
                    f"来电原因 {code} does not fit the category {category.value}",
                )
            )
    if category is Category.INQUIRY:
        problems += _answer_problems(values, rules)
    return problems


def _answer_problems(values: Mapping[str, object], rules: ContentRules) -> list[Problem]:
    mode = values.get("answer_mode")
    if mode is None:
        return (
            [Problem("answer_mode", "required", "an inquiry needs an answer mode")]
            if rules.require_answer_mode
            else []
        )
    if mode is AnswerMode.DIRECT:
        out = []
        if not values.get("answer"):
            out.append(Problem("answer", "required", "a direct answer is recorded in the order"))
        if not values.get("basis"):
            out.append(Problem("basis", "required", "a direct answer cites its basis (知识库, law, policy)"))
        return out
    if mode is AnswerMode.THREE_WAY and not values.get("three_way_party"):
        return [Problem("three_way_party", "required", "name the party of the three-way call")]
    return []


def refuse(problems: list[Problem], code: str = "invalid_work_order") -> Invalid:
    """One error naming every offending field (the web layer maps it to 422)."""
    names = list(dict.fromkeys(p.field for p in problems))
    return Invalid(
        code, "fix these fields: " + ", ".join(names), fields=names, problems=[p.as_dict() for p in problems]
    )
