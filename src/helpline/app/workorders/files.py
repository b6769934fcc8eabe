"""What work orders hand out as files: the bytes of attachments (the port; the disk store is
``helpline.adapters.attachments``: the database keeps only their names and digests)."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

MAX_ATTACHMENT = 20 * 1024 * 1024


class AttachmentFiles(Protocol):
    async def put(self, tenant_id: str, order_id: str, data: bytes) -> tuple[str, str]:
        """Keep ``data``; its storage key and SHA-256. Refuses more than 20 MB."""
        ...

    def path(self, key: str) -> Path:
        """Where the file of ``key`` is, to send it; ``attachment_not_found`` without it."""
        ...

    async def remove(self, key: str) -> None:
        """Undo a :meth:`put` whose order was not saved."""
        ...
