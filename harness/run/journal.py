"""The per-sample journal (``samples.jsonl``): append + flush per record, torn tails tolerated.

Images in a record (its input's or transcript's image parts) are stored by content hash in the
run's ``blobs/`` folder first (:mod:`harness.blobs`); the line refers to them by hash, never
inline."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

from pydantic import ValidationError

from harness.blobs import run_blobs
from harness.errors import UserError
from harness.schemas import SampleRecord
from harness.secrets import scrub

if TYPE_CHECKING:
    from harness.run.index import RunIndex


class Journal:
    """Appends one JSON line per finished sample and flushes it, so kill -9 loses at most the
    line being written. Opening for append first cuts a torn last line off."""

    def __init__(self, path: Path) -> None:
        self.path = path
        repair_tail(path)
        self._fh: IO[bytes] = path.open("ab")
        self._pos = os.fstat(self._fh.fileno()).st_size
        self.blobs = run_blobs(path.parent)

    def append(self, record: SampleRecord) -> tuple[int, int]:
        """Write ``record`` as one line (its images stored in ``blobs/`` and referred to by
        hash); returns where it is: (byte offset, length)."""
        record = self.blobs.store_record(record)
        line = (scrub(record.model_dump_json()) + "\n").encode("utf-8")  # an echoed key is cut out
        self._fh.write(line)
        self._fh.flush()
        offset = self._pos
        self._pos += len(line)
        return offset, len(line)

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()


def compact(path: Path, index: RunIndex) -> None:
    """Rewrite the journal as its latest record per sample and epoch (in the order the index
    keeps: first appearance) when it holds more lines, so a finished run keeps its promise: a
    resumed sample's old error line is dropped. Lines are copied as they are, read at the
    offsets the index has, and the index learns their new places. Atomic: a kill during the
    rewrite leaves the old journal, whose last record per sample still wins (and an index that
    sees the replaced journal is rebuilt)."""
    if index.lines() <= index.count():
        return
    tmp = path.with_name(path.name + ".tmp")
    moved: list[tuple[int, int, int]] = []
    try:
        with path.open("rb") as src, tmp.open("wb") as out:
            pos = 0
            for row in index.query():
                src.seek(row.offset)
                line = src.read(row.length)
                out.write(line)
                moved.append((pos, len(line), row.id))
                pos += len(line)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
    index.moved(moved)


def repair_tail(path: Path) -> bool:
    """Truncate an unterminated or unparsable last line; True if something was cut. Reads only
    the end of the file."""
    if not path.exists() or path.stat().st_size == 0:
        return False
    with path.open("rb+") as fh:
        size = fh.seek(0, os.SEEK_END)
        fh.seek(size - 1)
        terminated = fh.read(1) == b"\n"
        start = _line_start(fh, size - 1 if terminated else size)
        if terminated:
            fh.seek(start)
            try:
                json.loads(fh.read(size - start))
                return False
            except ValueError:
                pass
        fh.truncate(start)
        return True


def _line_start(fh: IO[bytes], end: int, chunk: int = 1 << 16) -> int:
    """Where the line that ends at ``end`` starts: just after the last newline before it."""
    pos = end
    while pos > 0:
        step = min(chunk, pos)
        fh.seek(pos - step)
        data = fh.read(step)
        i = data.rfind(b"\n")
        if i >= 0:
            return pos - step + i + 1
        pos -= step
    return 0


def read_records(
    path: Path, strict: bool = True, skipped: list[str] | None = None
) -> Iterator[SampleRecord]:
    """Stream the records of a journal. A torn last line is skipped (and noted in ``skipped``);
    a bad line elsewhere (not JSON, not UTF-8, not a record) is an error naming the file and the
    line (``strict``), or skipped and noted."""
    if not path.exists():
        raise UserError(f"{path}: no such journal")
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise UserError(f"{path}: cannot read the journal ({exc.strerror})") from None
    with fh:
        pending: tuple[int, bytes] | None = None
        for lineno, line in enumerate(fh, 1):
            if pending is not None:
                rec = _parse(path, *pending, strict=strict, skipped=skipped)
                if rec is not None:
                    yield rec
            pending = (lineno, line)
        if pending is not None:
            # the last line may be torn by a kill: keep it only if it is a complete record
            rec = _parse(path, *pending, strict=False, skipped=skipped, torn=True)
            if rec is not None:
                yield rec


def _parse(
    path: Path,
    lineno: int,
    raw: bytes,
    strict: bool,
    skipped: list[str] | None,
    torn: bool = False,
) -> SampleRecord | None:
    if not raw.strip():
        return None
    try:
        return SampleRecord.model_validate_json(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        why = f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at column {exc.start + 1})"
    except ValidationError as exc:
        invalid = "json_invalid" in str(exc)
        why = "not valid JSON" if invalid else f"not a sample record: {exc.errors()[0]['msg']}"
    if torn:
        why = f"an incomplete last line ({why}; the run was interrupted while writing it)"
    if strict:
        raise UserError(f"{path}, line {lineno}: {why}")
    if skipped is not None:
        skipped.append(f"line {lineno}: {why}")
    return None
