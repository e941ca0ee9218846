"""Start-up cost of one sandboxed call: `true` and a Python one-liner through harness.sandbox
with bubblewrap, without it (the unshare fallback), and as a bare subprocess for scale.

Median wall time of N calls each, after one warm-up call (capabilities are probed once).

    python bench/bench_sandbox.py [N]
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from harness.sandbox import capabilities, run_command


def median_ms(call: Callable[[], object], n: int) -> float:
    call()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main(n: int = 30) -> None:
    caps = capabilities()
    py = [sys.executable, "-c", "print(1)"]
    print(f"root={caps.root} bwrap={bool(caps.bwrap)} unshare={bool(caps.unshare)}; median of {n}")
    for label, argv in (("true", ["true"]), ("python -c", py)):
        bare = median_ms(lambda a=argv: subprocess.run(a, capture_output=True, check=True), n)
        print(f"{label:10s} bare subprocess   {bare:7.1f} ms")
        for mode in ("bwrap", "unshare"):
            if not (caps.bwrap if mode == "bwrap" else caps.unshare):
                print(f"{label:10s} {mode:17s} (not available here)")
                continue
            ms = median_ms(lambda a=argv, m=mode: run_command(a, mode=m), n)
            print(f"{label:10s} sandbox, {mode:8s} {ms:7.1f} ms  (+{ms - bare:.1f} ms)")


if __name__ == "__main__":
    __import__("logging").getLogger("harness.sandbox").setLevel(40)
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
