"""The run index beside the journal: what it holds, rebuilds (older format, another run, a
rewritten journal), torn tails, catching up from the journal's tail only, and resume (after
errors, after kill -9) giving what a straight run gives, at a few thousand samples."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, ClassVar

import pytest

from harness.hookspecs import hookimpl
from harness.metric import ExactMatch, Metric
from harness.plugins.manager import PluginManager, get_manager
from harness.run.index import INDEX_NAME, RunIndex, fts5_available
from harness.run.journal import read_records
from harness.run.runner import Runner
from harness.schemas import Message, RunConfig, Sample, SampleRecord, SolveOutput
from harness.stats import latest_records
from harness.task import Task

N = 2000


class Echo(Task):
    """``scripted/echo`` answers; a third of the samples echo their target. Samples in
    ``broken`` raise, so a run has error records a resume retries."""

    name = "index-echo"
    description = "echo, exact match, 10 buckets"
    group_by: ClassVar[list[str]] = ["bucket"]
    n = N
    broken: ClassVar[set[str]] = set()

    def samples(self) -> list[Sample]:
        return [
            Sample(
                id=f"s{i:05d}",
                input=str(i + 1) if i % 3 == 0 else f"What is {i} + 1? zebra{i}",
                target=str(i + 1),
                metadata={"bucket": i % 10, "tags": ["a", "b"]},
            )
            for i in range(self.n)
        ]

    async def solve(self, sample: Sample, ctx: Any) -> SolveOutput:
        if sample.id in self.broken:
            raise RuntimeError(f"flaky backend for {sample.id}")
        messages = [Message(role="user", content=str(sample.input))]
        reply = await ctx.model.generate(messages)
        meta = {"stop_reason": "answered" if int(sample.id[1:]) % 2 else "budget", "turns": 1}
        return SolveOutput(
            completion=reply.text, messages=[*messages, reply.message()], metadata=meta
        )

    def metrics(self) -> list[Metric]:
        return [ExactMatch()]


class _Plugin:
    @hookimpl
    def register_tasks(self, register: Any) -> None:
        register("index-echo", Echo, description=Echo.description)


@pytest.fixture
def manager() -> PluginManager:
    m = get_manager()
    m.register_plugin(_Plugin(), "index-echo")
    m.collect()
    Echo.broken = set()
    Echo.n = N
    return m


def _run(manager: PluginManager, out: Path, epochs: int = 1) -> tuple[Path, Any]:
    cfg = RunConfig(task="index-echo", model="scripted/echo", epochs=epochs, max_concurrency=16)
    return Runner(cfg, out, manager).run()


def _resume(manager: PluginManager, run_dir: Path) -> Any:
    run = json.loads((run_dir / "run.json").read_text())
    cfg = RunConfig.model_validate(run["config"])
    return Runner(cfg, run_dir.parent, manager).resume(run_dir)[1]


def _rows(index: RunIndex) -> list[tuple[Any, ...]]:
    return [
        (r.sample_id, r.epoch, r.status, r.stop_reason, r.offset, r.length)
        for r in index.query(order="sample")
    ]


def test_the_index_holds_every_record_and_aggregates_like_the_records(
    manager: PluginManager, tmp_path: Path
) -> None:
    run_dir, result = _run(manager, tmp_path, epochs=2)
    journal = list(read_records(run_dir / "samples.jsonl"))
    assert len(journal) == 2 * N == result.records
    with RunIndex.open(run_dir) as index:
        assert index.count() == 2 * N and index.lines() == 2 * N
        # each row points at its record's line
        for row in index.query(limit=50, offset=N - 25):
            rec = index.record(row)
            assert (rec.sample_id, rec.epoch, rec.status) == (row.sample_id, row.epoch, "ok")
        assert index.count(status="ok") == 2 * N
        assert index.count(score=("exact_match", "=", 1.0)) == 2 * ((N + 2) // 3)
        assert index.count(group=("bucket", "3")) == 2 * N // 10
        assert index.count(stop_reason="budget") == N  # even sample numbers, both epochs
        if fts5_available():
            hits = index.query(text="zebra1999")
            assert {(h.sample_id, h.epoch) for h in hits} == {("s01999", 0), ("s01999", 1)}
            assert index.count(text="zebra1999 NOT zebra1998") == 2
        view = index.view()
        assert len(view) == 2 * N and view[-1].sample_id == journal[-1].sample_id
    # results.json's metrics, computed here from the full records without the index
    values: dict[str, list[float]] = {}
    for r in journal:
        values.setdefault(r.sample_id, []).append(r.scores["exact_match"].value or 0.0)
    flat = [v for vs in values.values() for v in vs]
    metric = result.metrics[0]
    assert metric.mean == pytest.approx(sum(flat) / len(flat)) and metric.n == 2 * N
    assert metric.samples == N and metric.ci_low < metric.mean < metric.ci_high
    both = sum(all(v == 1.0 for v in vs) for vs in values.values())
    assert metric.pass_at["2"] == pytest.approx(both / N)
    assert sorted(metric.groups) == [f"bucket={b}" for b in range(10)]
    assert metric.groups["bucket=0"]["n"] == 2 * N // 10


def test_older_format_another_run_and_a_rewritten_journal_are_rebuilt_with_one_line(
    manager: PluginManager, tmp_path: Path
) -> None:
    run_dir, _ = _run(manager, tmp_path / "a")
    Echo.n = 20
    other, _ = _run(manager, tmp_path / "b")
    with RunIndex.open(run_dir) as index:
        want = _rows(index)
    notes: list[str] = []

    def reopen() -> list[tuple[Any, ...]]:
        with RunIndex.open(run_dir, note=notes.append) as index:
            return _rows(index)

    assert reopen() == want and notes == []  # up to date: nothing said, nothing rebuilt
    (run_dir / INDEX_NAME).unlink()
    assert reopen() == want and len(notes) == 1 and "no index yet" in notes[-1]
    with sqlite3.connect(run_dir / INDEX_NAME) as conn:
        conn.execute("UPDATE meta SET value = '0' WHERE key = 'format'")
    assert reopen() == want and len(notes) == 2 and "older format (0" in notes[-1]
    (run_dir / INDEX_NAME).write_bytes((other / INDEX_NAME).read_bytes())
    assert reopen() == want and len(notes) == 3 and "another run" in notes[-1]
    (run_dir / INDEX_NAME).write_bytes(b"not a database at all, just bytes" * 100)
    assert reopen() == want and len(notes) == 4 and "not a readable index" in notes[-1]
    # the journal rewritten in place (same size, other bytes): seen, rebuilt
    journal = run_dir / "samples.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    lines[0], lines[1] = lines[1], lines[0]
    time.sleep(0.01)
    with journal.open("r+b") as fh:
        fh.write(b"".join(lines))
    rows = reopen()
    assert len(notes) == 5 and "rewritten" in notes[-1]
    assert sorted(r[:4] for r in rows) == sorted(r[:4] for r in want)
    # a journal replaced by a shorter one (another file)
    tmp = journal.with_name("x")
    tmp.write_bytes(b"".join(lines[:10]))
    os.replace(tmp, journal)
    assert len(reopen()) == 10 and len(notes) == 6 and "replaced" in notes[-1]


def test_opening_reads_only_the_journal_tail_and_leaves_a_torn_line_out(
    manager: PluginManager, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_dir, _ = _run(manager, tmp_path)
    journal = run_dir / "samples.jsonl"
    full = journal.read_bytes()
    lines = full.splitlines(keepends=True)
    (run_dir / INDEX_NAME).unlink()
    journal.write_bytes(b"".join(lines[:1500]))
    with RunIndex.open(run_dir, note=lambda _: None) as index:
        assert index.count() == 1500
    # the run went on after the index's last commit (and was killed mid-line): only the tail
    # is parsed when the index is opened again
    with journal.open("ab") as fh:
        fh.write(b"".join(lines[1500:]))
        fh.write(lines[0][:40])
    parsed = []
    real = SampleRecord.model_validate_json.__func__  # type: ignore[attr-defined]

    def counting(cls: Any, data: Any, *a: Any, **kw: Any) -> Any:
        parsed.append(1)
        return real(cls, data, *a, **kw)

    monkeypatch.setattr(SampleRecord, "model_validate_json", classmethod(counting))
    with RunIndex.open(run_dir) as index:
        assert index.count() == N
        assert len(parsed) == N - 1500 + 1  # the tail, and the torn line (to say why)
        assert index.skipped and "incomplete last line" in index.skipped[0]
    monkeypatch.undo()
    # a resume cuts the torn line, runs nothing and keeps the results
    before = json.loads((run_dir / "results.json").read_text())["metrics"]
    result = _resume(manager, run_dir)
    assert journal.read_bytes() == full
    assert result.records == N and result.model_dump(mode="json")["metrics"] == before


def test_resume_after_errors_replaces_them_in_the_index_and_matches_a_straight_run(
    manager: PluginManager, tmp_path: Path
) -> None:
    _, straight = _run(manager, tmp_path / "straight")
    Echo.broken = {f"s{i:05d}" for i in range(0, N, 7)}
    run_dir, first = _run(manager, tmp_path / "flaky")
    assert first.errors == len(Echo.broken)
    with RunIndex.open(run_dir) as index:
        assert index.count(status="error") == len(Echo.broken)
        assert index.count(error_kind="RuntimeError") == len(Echo.broken)
        if fts5_available():
            assert index.count(text='"flaky backend"') == len(Echo.broken)
    Echo.broken = set()
    resumed = _resume(manager, run_dir)
    assert resumed.model_dump(mode="json")["metrics"] == straight.model_dump(mode="json")["metrics"]
    assert (resumed.records, resumed.errors) == (N, 0)
    lines = (run_dir / "samples.jsonl").read_bytes().splitlines()
    assert len(lines) == N  # compacted: the error lines are gone
    notes: list[str] = []
    with RunIndex.open(run_dir, note=notes.append) as index:
        assert notes == []  # the index followed the compaction: no rebuild
        assert index.count(status="error") == 0 and index.lines() == N
        if fts5_available():  # the errors' text left the full-text index with them
            assert index.count(text='"flaky backend"') == 0
        got = [(r.sample_id, r.status) for r in index.records()]
    assert got == [
        (r.sample_id, "ok") for r in latest_records(list(read_records(run_dir / "samples.jsonl")))
    ]


_CHILD = """
import sys
sys.path[:0] = {paths!r}
from tests.test_run_index import Echo, _Plugin
from harness.plugins.manager import get_manager
from harness.run.runner import Runner
from harness.schemas import RunConfig
m = get_manager()
m.register_plugin(_Plugin(), "index-echo")
m.collect()
Echo.n = {n}
cfg = RunConfig(task="index-echo", model="scripted/echo", max_concurrency=16)
Runner(cfg, {out!r}, m).run()
"""


@pytest.mark.slow
def test_kill_9_at_half_then_resume_gives_the_straight_run(
    manager: PluginManager, tmp_path: Path
) -> None:
    n = 3000
    Echo.n = n
    root = str(Path(__file__).resolve().parents[1])
    code = _CHILD.format(paths=[root], n=n, out=str(tmp_path / "killed"))
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=tmp_path)
    deadline = time.monotonic() + 300
    journal = None
    while time.monotonic() < deadline and journal is None:
        found = list((tmp_path / "killed").glob("*/samples.jsonl"))
        if found and sum(1 for _ in found[0].open("rb")) >= n // 2:
            journal = found[0]
        assert proc.poll() is None, "the run finished before it could be killed"
        time.sleep(0.02)
    assert journal is not None
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    run_dir = journal.parent
    done = len(journal.read_bytes().splitlines())
    assert n // 2 <= done < n and not (run_dir / "results.json").exists()
    resumed = _resume(manager, run_dir)
    _, straight = _run(manager, tmp_path / "straight")
    assert resumed.model_dump(mode="json")["metrics"] == straight.model_dump(mode="json")["metrics"]
    ids = [r.sample_id for r in read_records(journal)]
    assert len(ids) == n == len(set(ids))  # nothing finished ran twice


def test_a_reader_never_recreates_the_index_of_a_run_another_process_writes(
    tmp_path: Path,
) -> None:
    """`harness show` polled while a run is written (the viewer does the same): the reader opens
    the writer's index read-only or indexes a temporary copy; the run is never disturbed (it
    once died with 'attempt to write a readonly database' after a reader rebuilt its index)."""
    out = tmp_path / "runs"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    run = subprocess.Popen(
        [sys.executable, "-m", "harness", "run", "sanity", "--model", "scripted/echo",
         "-M", "delay=0.15", "--max-concurrency", "1", "--limit", "12", "--out", str(out)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    shows = 0
    temporaries: list[Path] = []
    try:
        while run.poll() is None:
            dirs = list(out.glob("*/run.json"))
            if dirs:
                run_dir = dirs[0].parent
                # a stale index in the writer's way: the reader must not replace it
                idx = RunIndex.open(run_dir, note=lambda _: None)
                assert idx.count() <= 12
                if idx.temporary is not None:
                    assert run_dir not in idx.path.parents
                    temporaries.append(idx.temporary)
                idx.close()
                shows += 1
            time.sleep(0.02)
        _, err = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, err
    assert shows >= 5
    run_dir = next(out.glob("*/run.json")).parent
    assert len(list(read_records(run_dir / "samples.jsonl"))) == 12
    assert not [t for t in temporaries if t.exists()]  # a reader's copy is removed on close
