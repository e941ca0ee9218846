"""OpenMP waiting and the embedded model: libgomp's default spin vs harness's default vs passive.

llama-cpp-python and torch use GNU OpenMP; its worker threads spin (300,000 iterations by
default) before sleeping. Idle, spinning saves a wake-up per parallel region; with any other
load on the cores, the spinning threads take the CPU the working ones need. This bench times two
workloads under three settings, idle and beside one busy process, interleaved, and prints the
median wall and CPU seconds of each and the ratio to libgomp's default:

* ``llama``: ``harness run sanity --limit N --no-cache`` (the embedded model, default threads);
* ``torch``: a process that imports harness and takes 12 training steps of a 4-layer
  transformer as wide as SmolLM2-135M with 2 threads (what ``harness train`` does on CPU).

harness sets GOMP_SPINCOUNT=100 unless the user sets it or OMP_WAIT_POLICY (harness/__init__.py).

    python bench/bench_openmp.py [--limit 3] [--repeats 2] [--workloads llama torch]
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


TORCH_STEPS = """
import harness, torch
torch.manual_seed(0)
torch.set_num_threads(2)
layer = torch.nn.TransformerEncoder(
    torch.nn.TransformerEncoderLayer(576, 8, 1536, batch_first=True), 4, enable_nested_tensor=False
)
x = torch.randn(2, 256, 576)
opt = torch.optim.AdamW(layer.parameters(), 1e-4)
for _ in range(12):
    layer(x).sum().backward()
    opt.step()
    opt.zero_grad()
"""


def one_run(extra: dict[str, str], limit: int, out: str) -> tuple[float, float]:
    env = {k: v for k, v in os.environ.items() if k not in ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY")}
    env.update(extra)
    if limit == 0:  # the torch workload
        cmd = [sys.executable, "-c", TORCH_STEPS]
    else:
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
    kinds = ["llama", "torch"]
    ap.add_argument("--workloads", nargs="+", choices=kinds, default=kinds)
    args = ap.parse_args()
    out = tempfile.mkdtemp(prefix="bench-openmp-")
    one_run({}, 1, out)  # warm the page cache with the GGUF
    n, reps = args.limit, args.repeats
    print(f"cores: {os.cpu_count()}; {reps} runs of each setting")
    workloads = {"llama": (f"harness run sanity --limit {n}", n), "torch": ("torch training", 0)}
    for key in args.workloads:
        workload, limit = workloads[key]
        for loaded in (False, True):
            report(workload, loaded, limit, reps, out)


def report(workload: str, loaded: bool, limit: int, reps: int, out: str) -> None:
    busy = None
    if loaded:  # one CPU-bound process beside the run, as a test suite or a second run would be
        busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in SETTINGS}
    try:
        for _ in range(reps):
            for name, extra in SETTINGS.items():
                times[name].append(one_run(extra, limit, out))
    finally:
        if busy is not None:
            busy.kill()
            busy.wait()
    label = "beside one busy process" if loaded else "idle"
    base = statistics.median(w for w, _ in times["libgomp default (spin 300000)"])
    print(f"\n{workload}, {label}:")
    for name, runs in times.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        ratio = wall / base
        print(f"  {name:32s} wall {wall:6.1f} s  cpu {cpu:6.1f} s  wall/default {ratio:4.2f}")


if __name__ == "__main__":
    main()
