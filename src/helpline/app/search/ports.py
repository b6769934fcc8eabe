"""What search needs from storage: one tenant's index of findable documents.

The owner of an object indexes it in the transaction that changes it (so the index never
disagrees with it) and removes it when the object goes; queries follow
:mod:`helpline.domain.search.text` (terms, the :data:`MAX_RESULTS` bound, relevance).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from helpline.app.ports import UnitOfWork
from helpline.domain.search.text import Document

Hits = tuple[int, list[tuple[str, float]]]
"""``(total, [(ref_id, score), ...])`` of one page; ``total`` is ``MAX_RESULTS + 1`` for "more"."""


class SearchIndex(Protocol):
    async def index(self, documents: Sequence[Document]) -> None:
        """Make the documents findable, replacing what was indexed for the same ``(kind,
        ref_id)`` before (which keeps its place in date order). Many in a few statements."""
        ...

    async def remove(self, kind: str, ref_id: str) -> None:
        """Forget the object; removing an unknown one is a no-op."""
        ...

    async def find(
        self,
        kind: str,
        query: str,
        *,
        fields: dict[str, str] | None = None,
        order: str = "relevance",
        offset: int = 0,
        limit: int = 20,
    ) -> Hits:
        """One page of the documents of ``kind`` that contain every term of ``query`` and have
        every ``fields`` value. ``order``: ``relevance`` (best first, ties newest first) or
        ``date`` (newest first); an empty query with no fields lists every document."""
        ...


class SearchUnit(UnitOfWork, Protocol):
    @property
    def search(self) -> SearchIndex: ...
