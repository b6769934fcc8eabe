"""Work-order attachments on disk: ``<data_dir>/attachments/<tenant>/<order>/<uuid>``.

The stored name is a fresh id, never the uploaded file name, so a name cannot climb out of
the folder; the original name, size, type and SHA-256 are kept in the database. Files are
written to a temporary name and renamed, so a crash never leaves half a file under a real key.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import uuid
from pathlib import Path

from helpline.app.workorders.files import MAX_ATTACHMENT
from helpline.domain.errors import Invalid, NotFound

__all__ = ["MAX_ATTACHMENT", "AttachmentStore"]
_SAFE = re.compile(r"^[A-Za-z0-9_.-]+$")


class AttachmentStore:
    """The disk store of ``helpline.app.workorders.files.AttachmentFiles``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if len(parts) != 3 or not all(_SAFE.match(p) and p not in (".", "..") for p in parts):
            raise NotFound("attachment_not_found", "no such attachment file")
        return self.root.joinpath(*parts)

    def _write(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(path.name + ".part")
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temp.replace(path)

    async def put(self, tenant_id: str, order_id: str, data: bytes) -> tuple[str, str]:
        """Keep ``data``; returns its storage key and SHA-256. Refuses more than 20 MB."""
        if len(data) > MAX_ATTACHMENT:
            raise Invalid(
                "file_too_large", "an attachment is at most 20 MB", field="file", limit=MAX_ATTACHMENT
            )
        key = f"{tenant_id}/{order_id}/{uuid.uuid4().hex}"
        digest = hashlib.sha256(data).hexdigest()
        await asyncio.to_thread(self._write, key, data)
        return key, digest

    def path(self, key: str) -> Path:
        path = self._path(key)
        if not path.is_file():
            raise NotFound("attachment_not_found", "the attachment's file is missing")
        return path

    async def remove(self, key: str) -> None:
        """Undo a :meth:`put` whose database row was not written."""
        path = self._path(key)
        await asyncio.to_thread(path.unlink, True)
