"""Embedded model throughput: `harness run` vs llama-cpp-python called directly.

Both sides load the same GGUF with the same settings (n_ctx 8192, all cores up to 8, greedy) and
generate for the same prompts with the same max_tokens, evaluating every prompt from scratch. The
harness side is the real CLI (`harness run sanity`), timed by its records' model seconds and its
process wall time; the direct side calls `Llama.create_completion` in a loop. Prints tokens/s of
each and the ratio (target: harness >= 90% of direct).

    python bench/bench_embedded.py [N_SAMPLES]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def direct(prompts: list[str], max_tokens: int) -> tuple[int, float]:
    from llama_cpp import Llama

    from harness.backends.llamacpp import SMOLLM2_FILE, render_chatml, smollm2_path
    from harness.schemas import Message

    assert smollm2_path().name == SMOLLM2_FILE
    threads = min(8, os.cpu_count() or 1)
    llm = Llama(
        model_path=str(smollm2_path()),
        n_ctx=8192,
        n_threads=threads,
        n_threads_batch=threads,
        verbose=False,
        seed=0,
    )
    tokens = 0
    t0 = time.perf_counter()
    for p in prompts:
        msgs = [Message(role="system", content=SYSTEM), Message(role="user", content=p)]
        llm.reset()
        out = llm.create_completion(
            render_chatml(msgs, None, None),
            max_tokens=max_tokens,
            temperature=0.0,
            stop=["<|im_end|>"],
            seed=1,
        )
        tokens += out["usage"]["completion_tokens"]
    return tokens, time.perf_counter() - t0


SYSTEM = "Answer with only the final answer: a number or a single word, nothing else."


def main(n: int = 24) -> None:
    from harness_sanity.questions import questions

    qs = questions("all", n // 2, 1234)
    max_tokens = 32  # what the sanity task asks for
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "harness",
                "run",
                "sanity",
                "-T",
                f"n={n // 2}",
                "--no-progress",
                "--out",
                tmp,
                "--max-concurrency",
                "1",
            ],
            check=True,
            capture_output=True,
        )
        wall = time.perf_counter() - t0
        run_dir = next(Path(tmp).iterdir())
        recs = [json.loads(x) for x in (run_dir / "samples.jsonl").read_text().splitlines()]
    h_tokens = sum(r["usage"]["output_tokens"] for r in recs)
    h_model_s = sum(r["timing"]["model"] for r in recs)
    h_total_s = sum(r["timing"]["total"] for r in recs)
    d_tokens, d_s = direct([str(q.input) for q in qs], max_tokens)
    d_rate = d_tokens / d_s
    h_rate = h_tokens / h_total_s
    print(f"direct llama-cpp-python: {d_tokens} tokens in {d_s:.2f} s = {d_rate:.1f} tok/s")
    print(
        f"harness run (per-sample time, model load excluded): {h_tokens} tokens in "
        f"{h_total_s:.2f} s = {h_rate:.1f} tok/s (model calls alone {h_model_s:.2f} s; "
        f"whole process {wall:.2f} s incl. start-up and model load)"
    )
    print(f"ratio harness/direct: {h_rate / d_rate:.1%} (target >= 90%)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 24)
