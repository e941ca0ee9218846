"""Two processes building one cache entry take turns (``harness.paths.cache_entry_lock``): the
test suite runs on several workers, and two runs may convert the same weights at once."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path


def _build(target: str, log: str) -> None:
    from harness.paths import cache_entry_lock

    with cache_entry_lock(Path(target)):
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"start {time.monotonic()}\n")
        time.sleep(1.0)
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"end {time.monotonic()}\n")


def test_two_processes_take_turns(tmp_path: Path) -> None:
    target = tmp_path / "cache" / "models" / "entry"  # parent does not exist yet
    log = tmp_path / "log.txt"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_build, args=(str(target), str(log))) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    events = [line.split() for line in log.read_text().splitlines()]
    assert [e[0] for e in events] == ["start", "end", "start", "end"]  # never interleaved
    assert float(events[2][1]) >= float(events[1][1])
    assert (target.parent / "entry.lock").exists()
