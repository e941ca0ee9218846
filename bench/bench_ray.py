"""``--executor ray``: samples/s of the embedded model with 1 and 2 Ray workers, and the driver's
overhead per sample with the scripted model.

    python bench/bench_ray.py [--samples 8] [--scripted-samples 200] [--threads 1]

Starts one local Ray cluster (127.0.0.1, usage statistics and dashboard off, 2 CPUs) and runs the
sanity task through the real Runner:

* ``llamacpp/smollm2`` (max_tokens 32) locally, then on 1 and on 2 Ray workers, each worker
  holding its own engine. Each engine gets ``--threads`` llama.cpp threads (default 1, so two
  workers on two cores do not fight over them). Worker start-up (model load) is timed apart from
  the samples: samples/s counts from the first sample sent to the last record written.
* ``scripted/echo`` (answers at once) locally and on 2 workers: the difference per sample is what
  the Ray path costs the driver (serialising the sample, the actor call, the record coming back).

Prints one line per configuration. Figures depend on the machine's load: say so when you quote
them.
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any


def _run(cfg: Any, out: Path, executor: Any = None) -> tuple[float, float, int, float]:
    """(seconds to load the model(s) or start the workers, seconds for the samples, records)."""
    from harness.run.runner import Runner

    runner = Runner(cfg, out, executor=executor)
    started: dict[str, float] = {}
    models = runner._models  # loads the model here, or starts the Ray workers that load theirs

    def timed(*a: Any) -> Any:
        t = time.perf_counter()
        try:
            return models(*a)
        finally:
            started["workers"] = time.perf_counter() - t

    runner._models = timed  # type: ignore[method-assign]
    t0 = time.perf_counter()
    run_dir, result = runner.run()
    total = time.perf_counter() - t0
    boot = started.get("workers", 0.0)
    return boot, total - boot, result.records, _steady_rate(run_dir)


def _steady_rate(run_dir: Path) -> float:
    """Samples/s from the first record finished to the last (the embedded engine loads on its
    first call, so the first record of a run, or of each worker, carries the model load)."""
    import json

    ends = sorted(
        r["timing"]["started"] + r["timing"]["total"]
        for r in map(json.loads, (run_dir / "samples.jsonl").read_text().splitlines())
    )
    return (len(ends) - 1) / (ends[-1] - ends[0]) if len(ends) > 1 and ends[-1] > ends[0] else 0.0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--samples", type=int, default=8)
    p.add_argument("--scripted-samples", type=int, default=200)
    p.add_argument("--threads", type=int, default=1)
    opts = p.parse_args()
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    import ray

    from harness.run.ray_exec import RayExecutor
    from harness.schemas import RunConfig

    ray.init(
        num_cpus=2,
        include_dashboard=False,
        _node_ip_address="127.0.0.1",
        log_to_driver=False,
        logging_level=logging.WARNING,
    )
    tmp = Path(tempfile.mkdtemp(prefix="bench-ray-"))
    cpu0 = time.process_time()
    try:
        emb = RunConfig(
            task="sanity",
            model="llamacpp/smollm2",
            task_params={"max_tokens": 32},  # the sanity task's own cap on a reply
            model_args={"n_threads": opts.threads},
            limit=opts.samples,
            max_concurrency=2,
            seed=1,
        )
        print(f"embedded model, {opts.samples} sanity samples, max_tokens 32, {opts.threads} thr")
        print(
            "  (steady: first record to last; whole: start of run to its end, model load included)"
        )
        boot, secs, n, steady = _run(emb, tmp / "local")
        print(
            f"  local, in-process   steady {steady:5.2f} samples/s, whole {n / secs:5.2f} "
            f"({secs:.1f} s)"
        )
        for workers in (1, 2):
            boot, secs, n, steady = _run(emb, tmp / f"ray{workers}", RayExecutor(workers=workers))
            print(
                f"  ray, {workers} worker(s)    steady {steady:5.2f} samples/s, whole "
                f"{n / secs:5.2f} ({secs:.1f} s; starting the workers {boot:.1f} s)"
            )
        scr = RunConfig(
            task="sanity",
            model="scripted/echo",
            limit=None,
            epochs=max(1, opts.scripted_samples // 40),  # the sanity task has 40 samples
            max_concurrency=8,
            seed=1,
        )
        _, local_s, n_local, _ = _run(scr, tmp / "scr-local")
        _, ray_s, n_ray, _ = _run(scr, tmp / "scr-ray", RayExecutor(workers=2))
        per_local = local_s / n_local * 1000
        per_ray = ray_s / n_ray * 1000
        print(f"scripted/echo, {n_local} records, --max-concurrency 8")
        print(f"  local {per_local:.2f} ms/sample, ray (2 workers) {per_ray:.2f} ms/sample")
        print(f"  driver overhead of the Ray path: {per_ray - per_local:.2f} ms per sample")
    finally:
        ray.shutdown()
    print(f"driver CPU time {time.process_time() - cpu0:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
