"""The response cache on the embedded model: a second identical run makes zero model calls.

    python bench/bench_cache.py [--samples 12]

Runs the sanity task twice through the real Runner with ``--cache`` on ``llamacpp/smollm2`` (the
embedded GGUF, in-process), the cache in a fresh temporary ``HARNESS_CACHE_DIR``. Model calls are
counted at the backend itself (a subclass of the embedded backend whose ``generate`` counts), so
"zero" means the backend was never entered. Prints both wall times, the ratio, and whether the two
runs' records agree. Goal: zero calls, >= 20x faster.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--samples", type=int, default=12)
    opts = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-cache-"))
    os.environ["HARNESS_CACHE_DIR"] = str(tmp / "cache")

    from harness.backends.llamacpp.model import LlamaCppModel
    from harness.run.roles import build_wrappers
    from harness.run.runner import Runner
    from harness.schemas import GenerateConfig, Message, ModelResponse, RunConfig, ToolSpec

    class Counting(LlamaCppModel):
        calls = 0

        async def generate(
            self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
        ) -> ModelResponse:
            Counting.calls += 1
            return await super().generate(messages, tools, config)

    cfg = RunConfig(
        task="sanity", model="llamacpp/smollm2", limit=opts.samples, cache=True, max_concurrency=4
    )

    def run() -> tuple[float, int, list[Any], Any]:
        Counting.calls = 0
        wrappers = build_wrappers(cfg, None)
        model = Counting("smollm2")
        t0 = time.perf_counter()
        run_dir, _ = Runner(
            cfg,
            tmp / "runs",
            wrappers=wrappers,
            model_overrides={"llamacpp/smollm2": model},
        ).run()
        wall = time.perf_counter() - t0
        recs = [json.loads(x) for x in (run_dir / "samples.jsonl").read_text().splitlines()]
        view = sorted(
            (r["sample_id"], r["status"], r["output"]["completion"], r["usage"]) for r in recs
        )
        return wall, Counting.calls, view, wrappers[0]

    first_wall, first_calls, first_view, _ = run()
    second_wall, second_calls, second_view, cache = run()
    print(
        f"sanity, {opts.samples} samples on llamacpp/smollm2 with --cache "
        f"(cache at {os.environ['HARNESS_CACHE_DIR']})"
    )
    print(f"first run : {first_wall:7.2f} s   {first_calls} model calls")
    print(
        f"second run: {second_wall:7.3f} s   {second_calls} model calls   "
        f"(cache hits {cache.hits}, misses {cache.misses})"
    )
    print(
        f"speed-up  : {first_wall / second_wall:.0f}x   records identical: "
        f"{first_view == second_view}"
    )
    ok = second_calls == 0 and first_wall / second_wall >= 20 and first_view == second_view
    print("goal (zero calls, >= 20x, same records):", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
