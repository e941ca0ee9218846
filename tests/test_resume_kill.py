"""kill -9 in the middle of a real run on the embedded model, then --resume: the same records
and metrics as an uninterrupted run, and no model call for a finished sample."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import records

pytest.importorskip("llama_cpp", reason="the embedded extra is not installed")

ARGS = [
    "run",
    "sanity",
    "--limit",
    "8",
    "--max-concurrency",
    "2",
    "--seed",
    "5",
    "--no-progress",
    "-T",
    "subset=strings",
]


def _comparable(run_dir: Path) -> dict[str, tuple[str, dict[str, object], int | None]]:
    out = {}
    for r in records(run_dir):
        out[r["sample_id"]] = (
            r["output"]["completion"],
            {k: v["value"] for k, v in r["scores"].items()},
            r["seed"],
        )
    return out


@pytest.mark.slow
def test_kill_9_then_resume_matches_an_uninterrupted_run(tmp_path: Path) -> None:
    env = {**os.environ}
    base = [sys.executable, "-m", "harness"]
    proc = subprocess.Popen(
        [*base, *ARGS, "--out", "killed"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 600
    journal = None
    while time.monotonic() < deadline:
        dirs = list((tmp_path / "killed").glob("*/samples.jsonl"))
        if dirs and len(dirs[0].read_text().splitlines()) >= 3:
            journal = dirs[0]
            break
        if proc.poll() is not None:
            pytest.fail("the run finished before it could be killed")
        time.sleep(0.05)
    assert journal is not None, "no records appeared"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    run_dir = journal.parent
    done_before = {r["sample_id"] for r in records(run_dir)}
    assert 3 <= len(done_before) < 8
    assert not (run_dir / "results.json").exists()

    subprocess.run(
        [*base, "run", "--resume", str(run_dir), "--no-progress"],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
    )
    recs = records(run_dir)
    assert sorted(r["sample_id"] for r in recs) == sorted(set(r["sample_id"] for r in recs))
    assert len(recs) == 8  # nothing finished was run (or written) twice

    subprocess.run(
        [*base, *ARGS, "--out", "straight"], cwd=tmp_path, env=env, check=True, capture_output=True
    )
    straight = next((tmp_path / "straight").iterdir())
    assert _comparable(run_dir) == _comparable(straight)
    resumed = json.loads((run_dir / "results.json").read_text())
    full = json.loads((straight / "results.json").read_text())
    assert resumed["metrics"] == full["metrics"]
    assert resumed["records"] == full["records"] == 8
