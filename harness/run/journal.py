"""The per-sample journal (``samples.jsonl``): append + flush per record, torn tails tolerated."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from pydantic import ValidationError

from harness.errors import UserError
from harness.schemas import SampleRecord
from harness.secrets import scrub


class Journal:
    """Appends one JSON line per finished sample and flushes it, so kill -9 loses at most the
    line being written. Opening for append first cuts a torn last line off."""

    def __init__(self, path: Path) -> None:
        self.path = path
        repair_tail(path)
        self._fh: IO[str] = path.open("a", encoding="utf-8")

    def append(self, record: SampleRecord) -> None:
        self._fh.write(scrub(record.model_dump_json()) + "\n")  # an echoed key is cut out
        self._fh.flush()

    def close(self) -> None:
        if not self._fh.closed:
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()


def compact(path: Path, records: list[SampleRecord]) -> None:
    """Rewrite the journal as ``records`` (one per sample and epoch) when it holds more lines, so
    a finished run keeps its promise: a resumed sample's old error line is dropped. Atomic: a kill
    during the rewrite leaves the old journal, whose last record per sample still wins."""
    with path.open("rb") as fh:
        lines = sum(1 for line in fh if line.strip())
    if lines <= len(records):
        return
    tmp = path.with_name(path.name + ".tmp")
    try:
        with tmp.open("w", encoding="utf-8") as out:
            for record in records:
                out.write(scrub(record.model_dump_json()) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def repair_tail(path: Path) -> bool:
    """Truncate an unterminated or unparsable last line; True if something was cut."""
    if not path.exists() or path.stat().st_size == 0:
        return False
    with path.open("rb+") as fh:
        data = fh.read()
        end = len(data)
        if data.endswith(b"\n"):
            start = data.rfind(b"\n", 0, end - 1) + 1
            try:
                json.loads(data[start:end])
                return False
            except ValueError:
                cut = start
        else:
            cut = data.rfind(b"\n") + 1
        fh.truncate(cut)
        return True


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
