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


def read_records(path: Path, strict: bool = True) -> Iterator[SampleRecord]:
    """Stream the records of a journal. A torn last line is skipped; a bad line elsewhere is an
    error naming the line (``strict``) or skipped."""
    if not path.exists():
        raise UserError(f"{path}: no such journal")
    with path.open("r", encoding="utf-8") as fh:
        pending: tuple[int, str] | None = None
        for lineno, line in enumerate(fh, 1):
            if pending is not None:
                rec = _parse(*pending, strict=strict)
                if rec is not None:
                    yield rec
            pending = (lineno, line)
        if pending is not None:
            # the last line may be torn by a kill: keep it only if it is a complete record
            rec = _parse(*pending, strict=False)
            if rec is not None:
                yield rec


def _parse(lineno: int, line: str, strict: bool) -> SampleRecord | None:
    if not line.strip():
        return None
    try:
        return SampleRecord.model_validate_json(line)
    except ValidationError as exc:
        if strict and "json_invalid" not in str(exc):
            raise UserError(
                f"line {lineno} is not a sample record: {exc.errors()[0]['msg']}"
            ) from None
        if strict:
            raise UserError(f"line {lineno} is not valid JSON") from None
        return None
