"""harness view on a 100,000-sample run: how long the samples list takes to load.

The run is built as bench_scale.py builds it (its ``bench-scale`` task on ``scripted/echo``, a
third of the answers right, 10 buckets), then ``harness view`` serves it in its own process and
each page is fetched over HTTP from 127.0.0.1 (first request after start-up = cold, then the
median of 5). Pages: the samples list (first page, page 1000), filtered by status, by score, by
group and by a full-text search, the run page, one sample, and the runs list.
Goal: the samples list (first page) under 1 s.

    nice -n 15 python bench/bench_view.py [--n 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import bench_scale


def fetch(url: str) -> tuple[float, int, bytes]:
    t0 = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as r:
        body = r.read()
        status = r.status
    return time.perf_counter() - t0, status, body


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--keep", help="build (or reuse) the run under this directory")
    args = ap.parse_args()
    base = Path(args.keep or tempfile.mkdtemp(prefix="bench-view-"))
    cwd = base / f"n{args.n}"
    runs = cwd / "straight"
    if not runs.exists() or not list(runs.glob("*/results.json")):
        cwd.mkdir(parents=True, exist_ok=True)
        built = bench_scale.measured("run", args.n, [*bench_scale.RUN, "--out", "straight"], cwd)
        print(f"built the {args.n}-sample run in {built['wall']:.1f} s")
    run_dir = next(runs.iterdir())
    rid = run_dir.name
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness", "view", str(runs), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        base_url = f"http://127.0.0.1:{port}"
        q = urllib.parse.quote
        pages = [
            ("samples list, page 1", f"/run/{rid}/samples"),
            ("samples list, page 1000", f"/run/{rid}/samples?page=999"),
            ("status=ok", f"/run/{rid}/samples?status=ok"),
            ("score exact_match<1", f"/run/{rid}/samples?score={q('exact_match<1')}"),
            ("group bucket=3", f"/run/{rid}/samples?group={q('bucket=3')}"),
            ("full-text '77777'", f"/run/{rid}/samples?q=77777"),
            ("run page", f"/run/{rid}"),
            ("one sample", f"/run/{rid}/sample/54321"),
            ("runs list", "/"),
        ]
        print(f"bench_view: {args.n}-sample run, harness view over HTTP on 127.0.0.1")
        print(f"{'page':>26}  {'cold':>8}  {'warm (median of 5)':>18}  {'bytes':>8}")
        worst = {}
        for label, path in pages:
            cold, status, body = fetch(base_url + path)
            assert status == 200, (label, status)
            assert b"Cannot show" not in body, (label, body[:2000])
            warm = statistics.median(fetch(base_url + path)[0] for _ in range(5))
            worst[label] = max(cold, warm)
            print(f"{label:>26}  {cold:7.3f}s  {warm:17.3f}s  {len(body):8d}")
        goal = worst["samples list, page 1"] < 1.0
        print(f"\ngoal: samples list under 1 s (cold and warm): {'met' if goal else 'MISSED'}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
