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

    from harness.backends.llamacpp.model import SMOLLM2_FILE, render_chatml, smollm2_path
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


def harness_run(n: int) -> tuple[int, float, float, float]:
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
    tokens = sum(r["usage"]["output_tokens"] for r in recs)
    model_s = sum(r["timing"]["model"] for r in recs)
    total_s = sum(r["timing"]["total"] for r in recs)
    return tokens, total_s, model_s, wall


def main(n: int = 24, rounds: int = 2) -> None:
    from harness_sanity.questions import questions

    prompts = [str(q.input) for q in questions("all", n // 2, 1234)]
    max_tokens = 32  # what the sanity task asks for
    best_d = best_h = 0.0
    for r in range(rounds):  # alternate, so background load hits both sides alike
        h_tokens, h_total, h_model, wall = harness_run(n)
        d_tokens, d_s = direct(prompts, max_tokens)
        assert h_tokens == d_tokens, f"different outputs: {h_tokens} vs {d_tokens} tokens"
        h_rate, d_rate = h_tokens / h_total, d_tokens / d_s
        best_h, best_d = max(best_h, h_rate), max(best_d, d_rate)
        print(
            f"round {r + 1}: direct {d_tokens} tok in {d_s:.2f} s = {d_rate:.1f} tok/s; "
            f"harness {h_tokens} tok in {h_total:.2f} s of sample time = {h_rate:.1f} tok/s "
            f"(model calls {h_model:.2f} s; process {wall:.2f} s incl. start-up, model load)"
        )
    print(
        f"best: direct {best_d:.1f} tok/s, harness {best_h:.1f} tok/s, "
        f"ratio {best_h / best_d:.1%} (target >= 90%)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 24)
