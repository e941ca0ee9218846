"""Runs of 100,000 samples: run, show, resume of a finished run, resume after kill -9 at 50%.

Each step is its own process (``harness`` CLI entry, with a bench task registered in-process),
timed from fork to exit, with its peak RSS from ``wait4``. The task (defined here): N prompts,
one ``scripted/echo`` call each, exact match (a third of the samples echo their target, so the
accuracy is 1/3), grouped by ``bucket`` (10 groups). Steps, for N = 10,000 and then N = 100,000:

1. ``harness run`` (the index is written as records are journaled); the task's ``samples()``
   is a generator, so the runner holds no sample list
2. ``harness show`` of the finished run, and ``harness score`` (re-scores every record)
3. ``harness run --resume`` of the finished run (goal at 100k: under 2 s)
4. a second run killed with SIGKILL when its journal has half the records, then
   ``harness show`` of the interrupted run (aggregates from the index) and ``--resume``;
   the resumed run must give the same metrics and record count as the straight run.

Wall time on a machine shared with other work overstates what an idle machine takes: each step's
CPU seconds (user + system, from ``wait4``) are printed beside it. Memory per sample is the slope
of peak RSS between the 10k and 100k runs. Goals: peak RSS of run and show under 400 MiB, slope
under 1 KiB a sample.

    nice -n 15 python bench/bench_scale.py [--small N] [--large N]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

MiB = 1024 * 1024


def _register() -> None:
    from harness.hookspecs import hookimpl
    from harness.metric import ExactMatch, Metric
    from harness.plugins.manager import get_manager
    from harness.schemas import Message, Sample, SolveOutput
    from harness.task import Task

    n = int(os.environ["BENCH_SCALE_N"])

    class Echo(Task):
        name = "bench-scale"
        description = "N prompts answered by scripted/echo, exact match, 10 buckets."
        group_by = ["bucket"]

        def samples(self) -> Iterator[Sample]:
            # a generator, as a task streaming a large dataset from disk would be: the runner
            # does not hold the samples (a task returning a list holds ~850 bytes a sample)
            for i in range(n):
                yield Sample(
                    id=f"s{i:06d}",
                    input=str(i + 1) if i % 3 == 0 else f"What is {i} + 1?",
                    target=str(i + 1),
                    metadata={"bucket": i % 10},
                )

        async def solve(self, sample: Sample, ctx: Any) -> SolveOutput:
            messages = [Message(role="user", content=str(sample.input))]
            reply = await ctx.model.generate(messages)
            return SolveOutput(completion=reply.text, messages=[*messages, reply.message()])

        def metrics(self) -> list[Metric]:
            return [ExactMatch()]

    class Plugin:
        @hookimpl
        def register_tasks(self, register: Any) -> None:
            register("bench-scale", Echo, description=Echo.description)

    manager = get_manager()
    manager.register_plugin(Plugin(), "bench-scale")
    manager.collect()


def child(argv: list[str]) -> int:
    _register()
    from harness.cli.main import main

    return main(argv)


def measured(label: str, n: int, argv: list[str], cwd: Path) -> dict[str, Any]:
    """Like :func:`step`, with the child's own peak RSS (``wait4``)."""
    env = {**os.environ, "BENCH_SCALE_N": str(n)}
    t0 = time.perf_counter()
    with open(cwd / f"{label}.out", "wb") as out, open(cwd / f"{label}.err", "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, __file__, "--child", *argv],
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=err,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    rc = proc.returncode
    text = (cwd / f"{label}.out").read_text() + (cwd / f"{label}.err").read_text()
    if rc != 0:
        raise SystemExit(f"{label}: exit {rc}\n{text[-3000:]}")
    cpu = usage.ru_utime + usage.ru_stime
    return {"label": label, "wall": wall, "cpu": cpu, "rss": usage.ru_maxrss * 1024, "text": text}


def kill_at_half(n: int, cwd: Path, out: str, journal_bytes: int) -> Path:
    env = {**os.environ, "BENCH_SCALE_N": str(n)}
    argv = [*RUN, "--out", out]
    proc = subprocess.Popen(
        [sys.executable, __file__, "--child", *argv],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 3600
    while time.monotonic() < deadline:
        found = list((cwd / out).glob("*/samples.jsonl"))
        if found and found[0].stat().st_size >= journal_bytes // 2:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return found[0].parent
        if proc.poll() is not None:
            raise SystemExit("the run finished before it could be killed")
        time.sleep(0.02)
    raise SystemExit("no half-way journal within an hour")


RUN = ["run", "bench-scale", "--model", "scripted/echo", "--no-progress"]
RUN += ["--max-concurrency", "64"]


def one_size(n: int, base: Path) -> dict[str, Any]:
    cwd = base / f"n{n}"
    cwd.mkdir()
    fig: dict[str, Any] = {"n": n}
    r = measured("run", n, [*RUN, "--out", "straight"], cwd)
    run_dir = next((cwd / "straight").iterdir())
    fig["run"] = r
    straight = json.loads((run_dir / "results.json").read_text())
    journal_bytes = (run_dir / "samples.jsonl").stat().st_size
    fig["journal_bytes"] = journal_bytes
    fig["index_bytes"] = (run_dir / "index.sqlite").stat().st_size
    fig["show"] = measured("show", n, ["show", str(run_dir)], cwd)
    fig["score"] = measured("score", n, ["score", str(run_dir), "--json"], cwd)
    fig["resume_finished"] = measured("resume-finished", n, ["run", "--resume", str(run_dir)], cwd)
    again = json.loads((run_dir / "results.json").read_text())
    assert again["metrics"] == straight["metrics"], "resume of a finished run changed metrics"
    killed = kill_at_half(n, cwd, "killed", journal_bytes)
    lines = sum(1 for _ in (killed / "samples.jsonl").open("rb"))
    fig["killed_at"] = lines
    fig["show_killed"] = measured("show-killed", n, ["show", str(killed)], cwd)
    fig["resume_killed"] = measured("resume-killed", n, ["run", "--resume", str(killed)], cwd)
    resumed = json.loads((killed / "results.json").read_text())
    same = resumed["metrics"] == straight["metrics"] and resumed["records"] == n
    assert same, ("resumed run differs", resumed["metrics"], straight["metrics"])
    fig["resumed_lines"] = sum(1 for _ in (killed / "samples.jsonl").open("rb"))
    assert fig["resumed_lines"] == n, fig["resumed_lines"]
    fig["accuracy"] = straight["metrics"][0]["mean"]
    return fig


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", type=int, default=10_000)
    ap.add_argument("--large", type=int, default=100_000)
    ap.add_argument("--keep", help="keep the runs under this directory")
    args = ap.parse_args()
    base = Path(args.keep or tempfile.mkdtemp(prefix="bench-scale-"))
    base.mkdir(parents=True, exist_ok=True)
    figs = [one_size(args.small, base), one_size(args.large, base)]
    print(f"bench_scale: {args.small} and {args.large} samples, scripted/echo, concurrency 64")
    for f in figs:
        print(
            f"\n== {f['n']} samples: journal {f['journal_bytes'] / MiB:.1f} MiB, "
            f"index {f['index_bytes'] / MiB:.1f} MiB, accuracy {f['accuracy']:.4f}; "
            f"killed at {f['killed_at']} records, {f['resumed_lines']} after resume"
        )
        for key in ("run", "show", "score", "resume_finished", "show_killed", "resume_killed"):
            s = f[key]
            print(
                f"{key:>16}: {s['wall']:7.2f} s wall, {s['cpu']:7.2f} s CPU, "
                f"peak RSS {s['rss'] / MiB:6.1f} MiB"
            )
    small, large = figs
    dn = large["n"] - small["n"]
    print("\nmemory per sample (peak RSS slope between the two sizes):")
    for key in ("run", "show", "score", "resume_finished", "show_killed", "resume_killed"):
        slope = (large[key]["rss"] - small[key]["rss"]) / dn
        print(f"{key:>16}: {slope:7.0f} bytes/sample")
    goals = [
        ("resume of the finished run < 2 s wall", large["resume_finished"]["wall"] < 2.0),
        ("resume of the finished run < 2 s CPU", large["resume_finished"]["cpu"] < 2.0),
        ("peak RSS of run < 400 MiB", large["run"]["rss"] < 400 * MiB),
        ("peak RSS of show < 400 MiB", large["show"]["rss"] < 400 * MiB),
        ("peak RSS of show (interrupted run) < 400 MiB", large["show_killed"]["rss"] < 400 * MiB),
        ("run slope < 1 KiB/sample", (large["run"]["rss"] - small["run"]["rss"]) / dn < 1024),
        (
            "show slope < 1 KiB/sample",
            (large["show_killed"]["rss"] - small["show_killed"]["rss"]) / dn < 1024,
        ),
    ]
    print("\ngoals:")
    for text, ok in goals:
        print(f"  {'MET ' if ok else 'MISSED'} {text}")
    print(f"(runs under {base})" if args.keep else "")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.exit(child(sys.argv[2:]))
    main()
