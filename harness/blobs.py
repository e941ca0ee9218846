"""Images kept by content hash beside a run, so journals never hold them inline.

A run's images live in ``<run>/blobs/sha256/<first two hex digits>/<hex>``; a journal record
refers to one as an :class:`~harness.schemas.ImagePart` with ``blob="sha256:<hex>"``. The same
image used by many samples is stored once.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from harness.errors import UserError
from harness.schemas import ImagePart, Message, SampleRecord

BLOBS_DIR = "blobs"


class BlobStore:
    """A folder of blobs named by the SHA-256 of their bytes."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path_of(self, ref: str) -> Path:
        """Where the blob ``sha256:<hex>`` is (or would be) kept."""
        algo, _, hexdigest = ref.partition(":")
        if algo != "sha256" or len(hexdigest) != 64:
            raise UserError(f"not a blob reference: {ref!r} (expected sha256:<64 hex digits>)")
        return self.root / "sha256" / hexdigest[:2] / hexdigest

    def put(self, data: bytes) -> str:
        """Store ``data`` (once: a blob already there is not written again); its reference."""
        ref = "sha256:" + hashlib.sha256(data).hexdigest()
        target = self.path_of(ref)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, target)  # atomic: a reader never sees half a blob
        return ref

    def get(self, ref: str) -> bytes:
        """The bytes of blob ``ref``; a clear error if it is missing."""
        path = self.path_of(ref)
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise UserError(f"image {ref} is missing from {self.root}") from None

    def store_part(self, part: ImagePart) -> ImagePart:
        """``part`` as a blob reference (its bytes stored here)."""
        if part.blob is not None:
            return part
        ref = self.put(part.read_bytes())
        return ImagePart(blob=ref, media_type=part.media_type)

    def store_messages(self, messages: list[Message]) -> list[Message]:
        """``messages`` with every image replaced by a blob reference (the same objects when
        none holds an image)."""
        if not any(m.images for m in messages):
            return messages
        out = []
        for m in messages:
            if m.images and not isinstance(m.content, str):
                parts = [self.store_part(p) if isinstance(p, ImagePart) else p for p in m.content]
                m = m.model_copy(update={"content": parts})
            out.append(m)
        return out

    def store_record(self, record: SampleRecord) -> SampleRecord:
        """``record`` with its input's and transcript's images stored here and referred to by
        hash (the record itself when it holds no image)."""
        update: dict[str, Any] = {}
        if not isinstance(record.input, str):
            stored = self.store_messages(record.input)
            if stored is not record.input:
                update["input"] = stored
        if record.output is not None:
            stored = self.store_messages(record.output.messages)
            if stored is not record.output.messages:
                update["output"] = record.output.model_copy(update={"messages": stored})
        return record.model_copy(update=update) if update else record


def run_blobs(run_dir: Path) -> BlobStore:
    """The blob store of the run in ``run_dir``."""
    return BlobStore(Path(run_dir) / BLOBS_DIR)
