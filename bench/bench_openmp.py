"""OpenMP waiting and the embedded model: libgomp's default spin vs harness's default vs passive.

llama-cpp-python and torch use GNU OpenMP; its worker threads spin (300,000 iterations by
default) before sleeping. Idle, spinning saves a wake-up per parallel region; with any other
load on the cores, the spinning threads take the CPU the working ones need. This bench runs
`harness run sanity --limit N --no-cache` (the embedded model, default threads) under three
settings, idle and beside one busy process, interleaved, and prints wall and CPU seconds of each
and the ratio to libgomp's default. harness sets GOMP_SPINCOUNT=100 unless the user sets it or
OMP_WAIT_POLICY (harness/__init__.py).

    python bench/bench_openmp.py [--limit 3] [--repeats 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

SETTINGS = {
    "libgomp default (spin 300000)": {"GOMP_SPINCOUNT": "300000"},
    "harness default (spin 100)": {},
    "OMP_WAIT_POLICY=PASSIVE": {"OMP_WAIT_POLICY": "PASSIVE"},
}


def one_run(extra: dict[str, str], limit: int, out: str) -> tuple[float, float]:
    env = {k: v for k, v in os.environ.items() if k not in ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY")}
    env.update(extra)
    cmd = [sys.executable, "-m", "harness", "run", "sanity", "--limit", str(limit),
           "--no-progress", "--no-cache", "--out", out]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    out = tempfile.mkdtemp(prefix="bench-openmp-")
    one_run({}, 1, out)  # warm the page cache with the GGUF
    n, reps = args.limit, args.repeats
    print(f"cores: {os.cpu_count()}; harness run sanity --limit {n}, {reps} runs each")
    for loaded in (False, True):
        busy = None
        if loaded:  # one CPU-bound process beside the run, as a test suite or a second run would be
            busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        times: dict[str, list[tuple[float, float]]] = {k: [] for k in SETTINGS}
        try:
            for _ in range(args.repeats):
                for name, extra in SETTINGS.items():
                    times[name].append(one_run(extra, args.limit, out))
        finally:
            if busy is not None:
                busy.kill()
                busy.wait()
        label = "beside one busy process" if loaded else "idle"
        base = statistics.median(w for w, _ in times["libgomp default (spin 300000)"])
        print(f"\n{label}:")
        for name, runs in times.items():
            wall = statistics.median(w for w, _ in runs)
            cpu = statistics.median(c for _, c in runs)
            ratio = wall / base
            print(f"  {name:32s} wall {wall:6.1f} s  cpu {cpu:6.1f} s  wall/default {ratio:4.2f}")


if __name__ == "__main__":
    main()
