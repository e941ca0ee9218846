"""hf/ backend throughput on a tiny random checkpoint: concurrency 1 vs 8 (micro-batching gain).

    python bench/bench_hf.py [--requests 32] [--max-tokens 32] [--layers 2] [--hidden 64]

Builds the checkpoint in a temporary directory (no download), loads it once, then sends the same
requests through ``HFModel.generate`` at each concurrency and prints requests/s, generated
tokens/s and the batch sizes the micro-batcher formed. Greedy decoding, fixed output length.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

from harness.backends.hf.model import HFModel
from harness.backends.hf.tiny import build_tiny_checkpoint
from harness.schemas import GenerateConfig, Message


async def _drive(model: HFModel, n: int, concurrency: int, max_tokens: int) -> tuple[float, int]:
    sem = asyncio.Semaphore(concurrency)
    cfg = GenerateConfig(max_tokens=max_tokens, temperature=0.0)

    async def one(i: int) -> int:
        async with sem:
            msgs = [
                Message(role="user", content=f"What is {i} + {2 * i + 1}? Reply with a number.")
            ]
            r = await model.generate(msgs, None, cfg)
            return r.usage.output_tokens

    t0 = time.perf_counter()
    tokens = sum(await asyncio.gather(*(one(i) for i in range(n))))
    return time.perf_counter() - t0, tokens


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=32)
    ap.add_argument("--max-tokens", type=int, default=32)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ckpt = build_tiny_checkpoint(Path(tmp) / "tiny", layers=a.layers, hidden=a.hidden)
        model = HFModel.create(
            str(ckpt), {"max_batch_size": max(a.concurrency), "threads": a.threads}
        )
        model.check()
        model.load()
        asyncio.run(_drive(model, 2, 1, 4))  # warm-up
        print(
            f"hf/ tiny Llama ({a.layers} layers, hidden {a.hidden}), {a.requests} requests, "
            f"{a.max_tokens} new tokens each, greedy, "
            f"torch threads {a.threads or 'default'}, load average {os.getloadavg()[0]:.1f}"
        )
        base = None
        for c in a.concurrency:
            model.batcher.stats.sizes.clear()
            secs, tokens = asyncio.run(_drive(model, a.requests, c, a.max_tokens))
            rate = a.requests / secs
            base = base or rate
            st = model.batcher.stats
            print(
                f"concurrency {c:>3}: {rate:7.1f} req/s  {tokens / secs:8.0f} tok/s  "
                f"{secs:6.2f} s  batches {st.batches} (mean size {st.mean_size:.1f}, "
                f"max {st.max_size})  speed-up x{rate / base:.1f}"
            )


if __name__ == "__main__":
    main()
