"""The run index (``RUN_DIR/index.sqlite``): one row per sample and epoch, beside the journal.

The journal (``samples.jsonl``) stays the source of truth; the index is a cache of what reports,
resume and the viewer filter on, so they never parse every record:

- ``records``: one row per (sample, epoch), the latest record wins (a resumed sample's earlier
  error is replaced in place, so row ids keep the order records first appeared in). Columns:
  ``sample_id, epoch, status, error_kind, stop_reason, turns, started, seconds, model_seconds,
  model_calls, input_tokens, output_tokens, cost`` and where the record's line is in the journal
  (``offset, length``: :meth:`RunIndex.record` reads one record with one seek).
- ``scores(record, name, value)``: every score (``value`` NULL where it does not apply).
- ``groups(record, key, value)``: the sample's metadata values that are scalars, and every
  ``group_by`` key of the task, as text (``value`` as ``f"{v}"``).
- ``transcripts``: a contentless FTS5 table over each record's messages, completion and error
  (rowid = the record's id). Contentless: the text lives in the journal only.
- ``meta``: the index format, the run id, and how much of which journal file is indexed (its
  inode, byte count, mtime and a hash of the last indexed bytes).

Written by the runner as records are journaled, in batches (one transaction per
``BATCH`` records or ``BATCH_SECONDS``), so a kill -9 loses at most the last batch of the index;
opening the index reads only the journal's tail past what it covers. An index of an older
format, of another run, or behind a journal that was rewritten (compacted, copied, edited) is
rebuilt from the journal, with one line saying so.

The query API for readers (``harness show``, the viewer) is :meth:`RunIndex.query`,
:meth:`RunIndex.count`, :meth:`RunIndex.record` and :meth:`RunIndex.records`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

from harness.errors import UserError
from harness.run.journal import _parse
from harness.schemas import SampleRecord, Usage
from harness.stats import SlimRecord

INDEX_NAME = "index.sqlite"
#: bump when the schema or what is extracted changes: an older index is rebuilt
INDEX_FORMAT = 1
BATCH = 512
BATCH_SECONDS = 1.0
_TAIL_HASH_BYTES = 256

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE records (
    id INTEGER PRIMARY KEY,
    sample_id TEXT NOT NULL,
    epoch INTEGER NOT NULL,
    status TEXT NOT NULL,
    error_kind TEXT,
    stop_reason TEXT,
    turns INTEGER,
    started REAL,
    seconds REAL,
    model_seconds REAL,
    model_calls INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cost REAL,
    offset INTEGER NOT NULL,
    length INTEGER NOT NULL,
    UNIQUE (sample_id, epoch)
);
CREATE INDEX records_status ON records (status);
CREATE TABLE scores (
    record INTEGER NOT NULL, pos INTEGER NOT NULL, name TEXT NOT NULL, value REAL,
    PRIMARY KEY (record, pos)
) WITHOUT ROWID;
CREATE INDEX scores_name ON scores (name, value);
CREATE TABLE groups (
    record INTEGER NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (record, key)
) WITHOUT ROWID;
CREATE INDEX groups_key ON groups (key, value);
"""
_FTS = "CREATE VIRTUAL TABLE transcripts USING fts5(text, content='')"

Note = Callable[[str], None]


def _stderr_note(line: str) -> None:
    print(f"harness: {line}", file=sys.stderr)


def fts5_available() -> bool:
    """True when this Python's SQLite has FTS5 (full-text search of transcripts)."""
    try:
        sqlite3.connect(":memory:").execute("CREATE VIRTUAL TABLE t USING fts5(x)")
    except sqlite3.OperationalError:
        return False
    return True


@dataclass(frozen=True)
class IndexRow:
    """One row of :meth:`RunIndex.query`: what a list of records shows without the record."""

    id: int
    sample_id: str
    epoch: int
    status: str
    error_kind: str | None
    stop_reason: str | None
    turns: int | None
    seconds: float | None
    model_calls: int
    input_tokens: int
    output_tokens: int
    offset: int
    length: int


_ROW_COLUMNS = (
    "r.id, r.sample_id, r.epoch, r.status, r.error_kind, r.stop_reason, r.turns, r.seconds, "
    "r.model_calls, r.input_tokens, r.output_tokens, r.offset, r.length"
)


def transcript_text(record: SampleRecord) -> str:
    """What the full-text index holds for a record: the input (when no message repeats it),
    every message and tool call, the completion and the error message."""
    parts: list[str] = []
    out = record.output
    if out is None or not out.messages:
        if isinstance(record.input, str):
            parts.append(record.input)
        else:
            parts.extend(m.text for m in record.input)
    if out is not None:
        for m in out.messages:
            if m.content:
                parts.append(m.text)
            for c in m.tool_calls:
                parts.append(f"{c.name} {json.dumps(c.arguments, ensure_ascii=False)}")
        if out.completion:
            parts.append(out.completion)
    if record.error is not None:
        parts.append(f"{record.error.type}: {record.error.message}")
    return "\n".join(parts)


def _scalar_groups(record: SampleRecord, group_by: Sequence[str]) -> list[tuple[str, str]]:
    out = []
    for k, v in record.metadata.items():
        if k in group_by or v is None or isinstance(v, str | int | float | bool):
            out.append((k, f"{v}"))
    return out


class RunIndex:
    """The index of one run's journal. Open it with :meth:`open`; writers :meth:`add` records
    as they are journaled and :meth:`close` (or :meth:`flush`) to commit."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        run_dir: Path,
        group_by: Sequence[str],
        path: Path | None = None,
    ) -> None:
        self.conn = conn
        self.run_dir = run_dir
        self.journal = run_dir / "samples.jsonl"
        self.path = path or run_dir / INDEX_NAME
        self.group_by = tuple(group_by)
        self.fts = _has_table(conn, "transcripts")
        self._pending: list[tuple[SampleRecord, int, int]] = []
        self._last_commit = time.monotonic()
        self._reader: Any = None
        #: notes from opening: lines of the journal's tail that were not indexed, and why
        self.skipped: list[str] = []
        #: a folder of our own holding this index (removed on close), when it is not the run's
        self.temporary: Path | None = None

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(
        cls,
        run_dir: Path,
        run_id: str | None = None,
        group_by: Sequence[str] = (),
        note: Note = _stderr_note,
    ) -> RunIndex:
        """The run's index, brought up to date with its journal: created if missing, rebuilt
        (with one ``note``) if it is of an older format, of another run or stale, and the
        journal's tail past what it covers is indexed. A torn last line is left out (the
        runner's journal cuts it before appending)."""
        from harness.run.lock import held_elsewhere

        run_id = run_id or run_dir.name
        path = run_dir / INDEX_NAME
        journal = run_dir / "samples.jsonl"
        has_records = journal.exists() and journal.stat().st_size > 0
        why = None
        said = None
        conn = None
        if held_elsewhere(run_dir):
            # another process is writing the run and owns its index: read what it committed;
            # recreating the file here would pull it from under the writer
            return cls._open_for_reading(run_dir, run_id, group_by, path)
        if path.exists():
            try:
                conn = _connect(path)
                why = _invalid(conn, run_id, journal)
            except sqlite3.DatabaseError as exc:
                why = f"it is not a readable index ({exc})"
        if why is not None or conn is None:
            if conn is not None:
                conn.close()
            if has_records:
                why = why or "no index yet"
                said = f"{path}: {why}; building it from the journal"
            try:
                conn = _create(path, run_id)
            except (OSError, sqlite3.OperationalError) as exc:
                import tempfile

                path = Path(tempfile.mkdtemp(prefix="harness-index-")) / INDEX_NAME
                note(f"{run_dir}: cannot write an index there ({exc}); using {path}")
                conn = _create(path, run_id)
        index = cls(conn, run_dir, group_by, path)
        try:
            index._catch_up()
        except sqlite3.OperationalError as exc:
            index.discard()
            if "readonly" not in str(exc):
                raise
            import tempfile

            tmp = Path(tempfile.mkdtemp(prefix="harness-index-")) / INDEX_NAME
            note(f"{path}: read-only ({exc}); indexing into {tmp}")
            index = cls(_create(tmp, run_id), run_dir, group_by, tmp)
            try:
                index._catch_up()
            except BaseException:
                index.discard()
                raise
        except BaseException:
            index.discard()
            raise
        if said:  # said once the rebuild worked: a journal it cannot read is one error alone
            note(said)
        return index

    @classmethod
    def _open_for_reading(
        cls, run_dir: Path, run_id: str, group_by: Sequence[str], path: Path
    ) -> RunIndex:
        """The index of a run another process is writing: opened read-only when it is there and
        valid (it holds what the writer committed, a second or so behind), else built in a
        temporary folder from the journal's complete lines, leaving the run's own file alone."""
        if path.exists():
            conn = None
            try:
                conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
                if _invalid(conn, run_id, run_dir / "samples.jsonl") is None:
                    return cls(conn, run_dir, group_by, path)
            except sqlite3.DatabaseError:
                pass
            if conn is not None:
                conn.close()
        import tempfile

        tmp = Path(tempfile.mkdtemp(prefix="harness-index-")) / INDEX_NAME
        index = cls(_create(tmp, run_id), run_dir, group_by, tmp)
        index.temporary = tmp.parent
        try:
            index._catch_up()
        except BaseException:
            index.discard()
            raise
        return index

    def _catch_up(self) -> None:
        """Index the journal lines past ``journal_bytes``; the index is valid up to there."""
        if not self.journal.exists():
            if not self.meta("tail_hash"):
                self._commit(0)
            return
        start = int(self.meta("journal_bytes") or 0)
        lineno = int(self.meta("lines") or 0)
        pos = start
        with self.journal.open("rb") as fh:
            fh.seek(start)
            lines = iter(fh)
            line = next(lines, None)
            while line is not None:
                nxt = next(lines, None)
                lineno += 1
                last = nxt is None
                if not line.endswith(b"\n"):  # cut by a kill while written: never indexed
                    if _parse(self.journal, lineno, line, False, self.skipped, torn=True):
                        self.skipped.append(
                            f"line {lineno}: an incomplete last line (no newline; the run was "
                            "interrupted while writing it)"
                        )
                    break
                if line.strip():
                    rec = _parse(self.journal, lineno, line, not last, self.skipped, torn=last)
                    if rec is None:
                        break
                    self._pending.append((rec, pos, len(line)))
                    if len(self._pending) >= 4 * BATCH:
                        self._commit(pos + len(line))
                pos += len(line)
                line = nxt
        if self._pending or pos > start or not self.meta("tail_hash"):
            self._commit(pos)

    # ------------------------------------------------------------------ writing

    def add(self, record: SampleRecord, offset: int, length: int) -> None:
        """Index a record the journal holds at ``offset`` (``length`` bytes, newline included);
        committed in batches."""
        self._pending.append((record, offset, length))
        if len(self._pending) >= BATCH or time.monotonic() - self._last_commit > BATCH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self._pending:
            last = self._pending[-1]
            self._commit(last[1] + last[2])

    def _commit(self, end: int) -> None:
        """One transaction: the pending records not indexed yet (a reader catching up may have
        indexed some), and ``meta`` saying the index covers the journal up to ``end``."""
        pending, self._pending = self._pending, []
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            covered = int(self.meta("journal_bytes") or 0)
            fresh = [p for p in pending if p[1] >= covered]
            for rec, offset, length in fresh:
                self._upsert(rec, offset, length)
            if end > covered or not self.meta("tail_hash"):
                self._write_meta(max(end, covered), int(self.meta("lines") or 0) + len(fresh))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        self._last_commit = time.monotonic()

    def _upsert(self, rec: SampleRecord, offset: int, length: int) -> None:
        c = self.conn
        timing = rec.timing
        meta = rec.output.metadata if rec.output is not None else {}
        stop = meta.get("stop_reason")
        turns = meta.get("turns")
        values = (
            rec.status,
            rec.error.type if rec.error else None,
            None if stop is None else str(stop),
            turns if isinstance(turns, int) else None,
            timing.started if timing else None,
            timing.total if timing else None,
            timing.model if timing else None,
            rec.model_calls,
            rec.usage.input_tokens,
            rec.usage.output_tokens,
            rec.usage.cost,
            offset,
            length,
        )
        old = c.execute(
            "SELECT id, offset, length FROM records WHERE sample_id = ? AND epoch = ?",
            (rec.sample_id, rec.epoch),
        ).fetchone()
        if old is None:
            cur = c.execute(
                "INSERT INTO records (status, error_kind, stop_reason, turns, started, seconds, "
                "model_seconds, model_calls, input_tokens, output_tokens, cost, offset, length, "
                "sample_id, epoch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*values, rec.sample_id, rec.epoch),
            )
            rid = cur.lastrowid
        else:
            rid = old[0]
            c.execute(
                "UPDATE records SET status = ?, error_kind = ?, stop_reason = ?, turns = ?, "
                "started = ?, seconds = ?, model_seconds = ?, model_calls = ?, input_tokens = ?, "
                "output_tokens = ?, cost = ?, offset = ?, length = ? WHERE id = ?",
                (*values, rid),
            )
            c.execute("DELETE FROM scores WHERE record = ?", (rid,))
            c.execute("DELETE FROM groups WHERE record = ?", (rid,))
            if self.fts:  # a contentless table forgets a row given the text it was given
                previous = self._read(old[1], old[2])
                c.execute(
                    "INSERT INTO transcripts (transcripts, rowid, text) VALUES ('delete', ?, ?)",
                    (rid, transcript_text(previous)),
                )
        c.executemany(
            "INSERT INTO scores VALUES (?, ?, ?, ?)",
            [(rid, i, k, s.value) for i, (k, s) in enumerate(rec.scores.items())],
        )
        c.executemany(
            "INSERT INTO groups VALUES (?, ?, ?)",
            [(rid, k, v) for k, v in _scalar_groups(rec, self.group_by)],
        )
        if self.fts:
            c.execute(
                "INSERT INTO transcripts (rowid, text) VALUES (?, ?)", (rid, transcript_text(rec))
            )

    def _write_meta(self, end: int, lines: int) -> None:
        st = self.journal.stat() if self.journal.exists() else None
        tail = _tail_hash(self.journal, end) if st is not None else ""
        self.conn.executemany(
            "INSERT OR REPLACE INTO meta VALUES (?, ?)",
            [
                ("journal_bytes", str(end)),
                ("lines", str(lines)),
                ("journal_inode", str(st.st_ino if st else 0)),
                ("journal_mtime_ns", str(st.st_mtime_ns if st else 0)),
                ("tail_hash", tail),
            ],
        )

    def moved(self, offsets: Iterable[tuple[int, int, int]]) -> None:
        """After the journal was rewritten: the new (id, offset, length) of every record."""
        self.flush()
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.executemany("UPDATE records SET offset = ?, length = ? WHERE id = ?", offsets)
            n = conn.execute("SELECT COUNT(*) FROM records").fetchone()[0]
            self._write_meta(self.journal.stat().st_size, int(n))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def close(self) -> None:
        try:
            self.flush()
        finally:
            if self._reader is not None:
                self._reader.close()
                self._reader = None
            self.conn.close()
            if self.temporary is not None:
                import shutil

                shutil.rmtree(self.temporary, ignore_errors=True)
                self.temporary = None

    def discard(self) -> None:
        """Close without committing what is pending (after an error)."""
        self._pending = []
        self.close()

    def __enter__(self) -> RunIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ reading

    def meta(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def lines(self) -> int:
        """Record lines in the journal (superseded ones included)."""
        self.flush()
        return int(self.meta("lines") or 0)

    def done(self, status: str | None = "ok") -> set[tuple[str, int]]:
        """(sample id, epoch) of the records whose status is ``status`` (None: all)."""
        self.flush()
        sql = "SELECT sample_id, epoch FROM records"
        rows = (
            self.conn.execute(sql + " WHERE status = ?", (status,))
            if status
            else (self.conn.execute(sql))
        )
        return {(str(s), int(e)) for s, e in rows}

    def count(self, **filters: Any) -> int:
        """How many records match ``filters`` (those of :meth:`query`)."""
        self.flush()
        where, params = self._where(**filters)
        sql = f"SELECT COUNT(*) FROM records r{where}"
        return int(self._execute(sql, params, filters.get("text")).fetchone()[0])

    def counts(self) -> tuple[int, int, int]:
        """(records, distinct samples, error records)."""
        self.flush()
        row = self.conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT sample_id), "
            "COALESCE(SUM(status != 'ok'), 0) FROM records"
        ).fetchone()
        return int(row[0]), int(row[1]), int(row[2])

    def usage(self) -> Usage:
        self.flush()
        i, o, cost, costed = self.conn.execute(
            "SELECT COALESCE(SUM(input_tokens), 0), COALESCE(SUM(output_tokens), 0), "
            "SUM(cost), COUNT(cost) FROM records"
        ).fetchone()
        return Usage(input_tokens=i, output_tokens=o, cost=float(cost) if costed else None)

    def slim(self, group_by: Sequence[str] = ()) -> Iterator[SlimRecord]:
        """Every record's slim projection in the order records first appeared (that of
        :func:`harness.stats.latest_records`), streamed from the index."""
        self.flush()
        keys = list(dict.fromkeys(group_by))
        group_rows: Iterator[tuple[int, str, str]] = iter(())
        if keys:  # a second cursor in record order, merged with the first
            marks = ",".join("?" * len(keys))
            group_rows = self.conn.execute(
                f"SELECT record, key, value FROM groups WHERE key IN ({marks}) ORDER BY record",
                keys,
            )
        pending_group = next(group_rows, None)
        cur = self.conn.execute(
            "SELECT r.id, r.sample_id, r.status, s.name, s.value FROM records r "
            "LEFT JOIN scores s ON s.record = r.id ORDER BY r.id, s.pos"
        )
        current: SlimRecord | None = None
        current_id = -1
        for rid, sid, status, name, value in cur:
            if rid != current_id:
                if current is not None:
                    yield current
                current_id = rid
                groups: dict[str, str] = {}
                while pending_group is not None and pending_group[0] <= rid:
                    if pending_group[0] == rid:
                        groups[pending_group[1]] = f"{pending_group[1]}={pending_group[2]}"
                    pending_group = next(group_rows, None)
                current = SlimRecord(sid, status, {}, groups)
            if name is not None and current is not None:
                current.scores[name] = value
        if current is not None:
            yield current

    def _where(
        self,
        status: str | None = None,
        sample_id: str | None = None,
        epoch: int | None = None,
        error_kind: str | None = None,
        stop_reason: str | None = None,
        score: tuple[str, str, float] | None = None,
        group: tuple[str, str] | None = None,
        text: str | None = None,
    ) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        for column, value in (
            ("status", status),
            ("sample_id", sample_id),
            ("epoch", epoch),
            ("error_kind", error_kind),
            ("stop_reason", stop_reason),
        ):
            if value is not None:
                clauses.append(f"r.{column} = ?")
                params.append(value)
        if score is not None:
            name, op, bound = score
            if op not in ("<", "<=", "=", ">=", ">", "!="):
                raise UserError(f"score filter: unknown comparison '{op}' (use < <= = >= > !=)")
            clauses.append(f"r.id IN (SELECT record FROM scores WHERE name = ? AND value {op} ?)")
            params += [name, bound]
        if group is not None:
            clauses.append("r.id IN (SELECT record FROM groups WHERE key = ? AND value = ?)")
            params += list(group)
        if text is not None:
            if not self.fts:
                raise UserError(
                    f"{self.path}: no full-text index (this Python's SQLite lacks FTS5)"
                )
            clauses.append("r.id IN (SELECT rowid FROM transcripts WHERE transcripts MATCH ?)")
            params.append(text)
        return (" WHERE " + " AND ".join(clauses) if clauses else ""), params

    def query(
        self,
        *,
        status: str | None = None,
        sample_id: str | None = None,
        epoch: int | None = None,
        error_kind: str | None = None,
        stop_reason: str | None = None,
        score: tuple[str, str, float] | None = None,
        group: tuple[str, str] | None = None,
        text: str | None = None,
        order: str = "id",
        limit: int | None = None,
        offset: int = 0,
    ) -> list[IndexRow]:
        """Records matching every filter given, as :class:`IndexRow`\\ s (read a whole record
        with :meth:`record`).

        ``score=("accuracy", "<", 1)`` compares a metric's value; ``group=("category",
        "math")`` matches a metadata value; ``text`` is an FTS5 query over transcripts
        (``'timeout'``, ``'"exact phrase"'``, ``'tool* NOT error'``). ``order`` is ``id``
        (journal order), ``sample`` (sample id, epoch) or ``seconds`` (slowest first)."""
        self.flush()
        where, params = self._where(
            status, sample_id, epoch, error_kind, stop_reason, score, group, text
        )
        orders = {
            "id": "r.id",
            "sample": "r.sample_id, r.epoch",
            "seconds": "r.seconds DESC, r.id",
        }
        if order not in orders:
            raise UserError(f"unknown order '{order}' (one of {', '.join(orders)})")
        sql = f"SELECT {_ROW_COLUMNS} FROM records r{where} ORDER BY {orders[order]}"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            params += [limit, offset]
        return [IndexRow(*row) for row in self._execute(sql, params, text)]

    def _execute(self, sql: str, params: list[Any], text: str | None) -> sqlite3.Cursor:
        try:
            return self.conn.execute(sql, params)
        except sqlite3.OperationalError as exc:
            if text is not None and "fts5" in str(exc):
                raise UserError(f"full-text query {text!r}: {exc}") from None
            raise

    def record(self, row: IndexRow) -> SampleRecord:
        """The full record of a query row, read from the journal with one seek."""
        return self._read(row.offset, row.length)

    def records(self, order: str = "id", **filters: Any) -> Iterator[SampleRecord]:
        """The full records matching ``filters`` (those of :meth:`query`), one at a time,
        latest per sample and epoch, in ``order``."""
        self.flush()
        where, params = self._where(**filters)
        orders = {"id": "r.id", "sample": "r.sample_id, r.epoch"}
        sql = f"SELECT r.offset, r.length FROM records r{where} ORDER BY {orders[order]}"
        cur = self._execute(sql, params, filters.get("text"))
        for off, length in cur:
            yield self._read(off, length)

    def view(self) -> RecordsView:
        """The latest records as a re-iterable, read-on-demand sequence (for
        ``Task.summarize`` and lifecycle hooks)."""
        return RecordsView(self)

    def _read(self, offset: int, length: int) -> SampleRecord:
        if self._reader is None:
            self._reader = self.journal.open("rb")
        self._reader.seek(offset)
        raw = self._reader.read(length)
        try:
            return SampleRecord.model_validate_json(raw)
        except ValueError:
            raise UserError(
                f"{self.journal}: the record at byte {offset} is not what {self.path} says; "
                f"delete {self.path} to rebuild it"
            ) from None


class RecordsView(Sequence[SampleRecord]):
    """The run's latest records, read from the journal when iterated (never all in memory)."""

    def __init__(self, index: RunIndex) -> None:
        self._index = index

    def __len__(self) -> int:
        return self._index.count()

    def __iter__(self) -> Iterator[SampleRecord]:
        return self._index.records()

    @overload
    def __getitem__(self, i: int) -> SampleRecord: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[SampleRecord]: ...
    def __getitem__(self, i: int | slice) -> SampleRecord | Sequence[SampleRecord]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        rows = self._index.query(limit=1, offset=i)
        return self._index.record(rows[0])


# ---------------------------------------------------------------------- helpers


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)  # transactions are explicit
    # a cache of the journal: a lost write is rebuilt, never a lost record, so no fsync
    conn.execute("PRAGMA synchronous = OFF")
    return conn


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone()
    return row is not None


def _create(path: Path, run_id: str) -> sqlite3.Connection:
    for p in (path, path.with_name(path.name + "-journal")):
        p.unlink(missing_ok=True)
    conn = _connect(path)
    conn.executescript(_SCHEMA)
    if fts5_available():
        conn.execute(_FTS)
    conn.executemany(
        "INSERT INTO meta VALUES (?, ?)",
        [("format", str(INDEX_FORMAT)), ("run_id", run_id), ("journal_bytes", "0")],
    )
    return conn


def _tail_hash(journal: Path, end: int) -> str:
    if end == 0:
        return ""
    with journal.open("rb") as fh:
        start = max(0, end - _TAIL_HASH_BYTES)
        fh.seek(start)
        return hashlib.sha256(fh.read(end - start)).hexdigest()


def _invalid(conn: sqlite3.Connection, run_id: str, journal: Path) -> str | None:
    """Why an existing index cannot be used as it is (None: it can, from its tail on)."""
    meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    fmt = meta.get("format")
    if fmt != str(INDEX_FORMAT):
        old = fmt or "unknown"
        return f"the index is of an older format ({old}; this harness writes {INDEX_FORMAT})"
    if meta.get("run_id") != run_id:
        return f"the index belongs to another run ({meta.get('run_id')}, not {run_id})"
    if "tail_hash" not in meta:
        return "the index was never finished"
    covered = int(meta.get("journal_bytes", 0))
    if not journal.exists():
        return "the index covers a journal that is gone" if covered else None
    st = journal.stat()
    if covered and str(st.st_ino) != meta.get("journal_inode"):
        return "the journal was replaced since it was indexed"
    if st.st_size < covered:
        return "the journal is shorter than what the index covers"
    if st.st_size == covered and str(st.st_mtime_ns) != meta.get("journal_mtime_ns"):
        return "the journal was rewritten since it was indexed"
    if _tail_hash(journal, covered) != meta.get("tail_hash"):
        return "the journal's indexed part changed"
    return None
