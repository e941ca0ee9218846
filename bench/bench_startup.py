"""Start-up time of `harness --help` and `harness plugins` (target: under 0.3 s each).

Runs each command R times in fresh processes and prints the median and the best wall time (the
cache of installed plugins' task files is warm after the first run, as on a user's machine),
next to a bare `python -c pass` for scale.

    python bench/bench_startup.py [R]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time


def timed(cmd: list[str], repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times)


def main(repeats: int = 15) -> None:
    py = sys.executable
    rows = [
        ("python -c pass", [py, "-c", "pass"]),
        ("harness --help", [py, "-m", "harness", "--help"]),
        ("harness plugins", [py, "-m", "harness", "plugins"]),
        ("harness list tasks", [py, "-m", "harness", "list", "tasks"]),
    ]
    for label, cmd in rows:
        med, best = timed(cmd, repeats)
        verdict = (
            ""
            if label.startswith("python")
            else ("  OK (< 0.3 s)" if med < 0.3 else "  OVER 0.3 s")
        )
        print(f"{label:>20}: median {med * 1000:6.0f} ms, best {best * 1000:6.0f} ms{verdict}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
