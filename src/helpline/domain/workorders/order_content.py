"""What may change on a work order besides its flow: its content (edit), the call-ended
moment, comments, attachments and the supervision flag (督办).

Each change passes the guards of :class:`~helpline.domain.workorders.guard.GuardedOrder` and
leaves one timeline entry; the flow's steps are in :mod:`helpline.domain.workorders.order`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from helpline.domain.errors import Invalid, InvalidTransition
from helpline.domain.workorders import events as ev
from helpline.domain.workorders.classification import Category
from helpline.domain.workorders.content import ContentRules, Problem, coerce_changes, content_problems, refuse
from helpline.domain.workorders.flow import (
    SYSTEM_ACTOR,
    Actor,
    AssigneeKind,
    Attachment,
    Comment,
    WorkOrderState,
    jsonable,
)
from helpline.domain.workorders.guard import GuardedOrder, required_text


class OrderContent(GuardedOrder):
    """A guarded order whose content, comments and attachments can change."""

    __slots__ = ()

    def edit(
        self, actor: Actor, now: float, changes: Mapping[str, Any], rules: ContentRules
    ) -> ev.WorkOrderEdited | None:
        """Change content fields; None when nothing actually changed (no timeline entry).

        Malformed values are refused all at once. After submission an edit must also
        leave the content complete: a submitted order never becomes invalid.
        """
        self._allow("edit", actor)
        values, problems = coerce_changes(changes, rules)
        if problems:
            raise refuse(problems, "invalid_changes")
        changed = {k: v for k, v in values.items() if self.values.get(k) != v}
        if not changed:
            return None
        if self.state is not WorkOrderState.DRAFT:
            problems = content_problems({**self.values, **changed}, rules)
            if (
                changed.get("category") is Category.INQUIRY
                and self.assignee
                and self.assignee.kind is AssigneeKind.UNIT
            ):
                problems.append(
                    Problem(
                        "category",
                        "inquiry_not_transferable",
                        "a unit holds this order; an inquiry stays with the center",
                    )
                )
            if problems:
                raise refuse(problems)
        detail = {"changes": {k: [jsonable(self.values.get(k)), jsonable(v)] for k, v in changed.items()}}
        self.values.update(changed)
        self._record("edit", actor, now, self.state, detail)
        return ev.WorkOrderEdited(
            **self._base(now, actor), fields=tuple(sorted(changed)), state=self.state.value
        )

    def note_call_ended(self, now: float, actor: Actor = SYSTEM_ACTOR) -> ev.WorkOrderCallEnded:
        """The call behind the order hung up; the 15-minute completion clock counts from here."""
        self._allow("call_ended", actor)
        if self.call_ended_at is not None:
            raise InvalidTransition(
                "call_already_ended", "the order's call has already ended", order_id=self.id
            )
        self.call_ended_at = now
        self._record("call_ended", actor, now, self.state, {"call_id": self.call_id})
        return ev.WorkOrderCallEnded(**self._base(now, actor), call_id=self.call_id)

    def comment(self, actor: Actor, now: float, text: str) -> ev.WorkOrderCommented:
        self._allow("comment", actor)
        body = required_text(text, "text")
        note = Comment(len(self.comments) + 1, now, actor.id, body)
        self.comments.append(note)
        self._record("comment", actor, now, self.state, {"comment_id": note.id})
        return ev.WorkOrderCommented(**self._base(now, actor), comment_id=note.id, text=body)

    def attach(self, actor: Actor, now: float, attachment: Attachment) -> ev.WorkOrderAttachmentAdded:
        self._allow("attach", actor)
        if not attachment.id or not attachment.name.strip() or attachment.size < 0:
            raise Invalid(
                "invalid_attachment", "an attachment needs an id, a name and a size", fields=["attachment"]
            )
        if any(a.id == attachment.id for a in self.attachments):
            raise InvalidTransition(
                "duplicate_attachment", "this attachment is already on the order", attachment_id=attachment.id
            )
        self.attachments.append(attachment)
        self._record(
            "attach", actor, now, self.state, {"attachment_id": attachment.id, "name": attachment.name}
        )
        return ev.WorkOrderAttachmentAdded(
            **self._base(now, actor), attachment_id=attachment.id, name=attachment.name, size=attachment.size
        )

    def supervise(self, actor: Actor, now: float, on: bool = True, note: str = "") -> ev.WorkOrderSupervised:
        """督办: a leader flags (or unflags) the order for close follow-up."""
        self._allow("supervise", actor)
        if self.supervised is on:
            raise InvalidTransition(
                "supervision_unchanged",
                "the order's supervision flag is already so",
                order_id=self.id,
                supervised=on,
            )
        self.supervised = on
        self._record("supervise", actor, now, self.state, {"supervised": on, "note": note})
        return ev.WorkOrderSupervised(**self._base(now, actor), supervised=on, note=note)
