"""Grammar-constrained generation on the embedded model: grammar-last vs llama-cpp-python's stock
sampler, in one run.

Both engines load the same GGUF (n_ctx 2048, all cores up to 8) and complete the same prompts
under the same grammars (a JSON Schema and free JSON), each prompt evaluated from scratch, at
temperature 0 and 0.7. Prints tokens/s of each, the ratio, how often the grammar turned the
model's first choice down, and whether greedy outputs are identical (they must be).

    python bench/bench_grammar.py [--prompts 4] [--max-tokens 96]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from typing import Any

SCHEMA = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "maxLength": 100},
        "nights": {"type": "integer"},
        "notes": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["city", "nights", "notes"],
}


def run(llm: Any, prompts: list[str], max_tokens: int) -> tuple[list[str], int, float, int, int]:
    """(texts, tokens, seconds, tokens sampled, rejected by the grammar) over every setting."""
    from llama_cpp import LlamaGrammar
    from llama_cpp.llama_grammar import JSON_GBNF

    texts, tokens, sampled, rejected = [], 0, 0, 0
    t0 = time.perf_counter()
    for temperature in (0.0, 0.7):
        for prompt in prompts:
            for grammar in (
                LlamaGrammar.from_json_schema(json.dumps(SCHEMA), verbose=False),
                LlamaGrammar.from_string(JSON_GBNF, verbose=False),
            ):
                llm.reset()
                out = llm.create_completion(
                    prompt=prompt,
                    max_tokens=max_tokens,
                    temperature=temperature,
                    top_p=1.0,
                    seed=7,
                    grammar=grammar,
                    stop=["<|im_end|>"],
                )
                texts.append(out["choices"][0]["text"])
                tokens += out["usage"]["completion_tokens"]
                sampled += getattr(llm._sampler, "sampled", 0)
                rejected += getattr(llm._sampler, "rejected", 0)
    return texts, tokens, time.perf_counter() - t0, sampled, rejected


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--prompts", type=int, default=4)
    p.add_argument("--max-tokens", type=int, default=96)
    opts = p.parse_args()
    from llama_cpp import Llama

    from harness.backends.llamacpp.model import smollm2_path
    from harness.backends.llamacpp.sampling import grammar_last_llama

    threads = min(8, os.cpu_count() or 1)
    kw = {
        "model_path": str(smollm2_path()),
        "n_ctx": 2048,
        "n_threads": threads,
        "n_threads_batch": threads,
        "verbose": False,
        "seed": 0,
    }
    prompts = [
        f"<|im_start|>user\nPlan trip number {i} to a city of your choice. Answer in JSON."
        "<|im_end|>\n<|im_start|>assistant\n"
        for i in range(opts.prompts)
    ]
    stock_texts, stock_tokens, stock_s, _, _ = run(Llama(**kw), prompts, opts.max_tokens)
    fast_texts, fast_tokens, fast_s, sampled, rejected = run(
        grammar_last_llama()(**kw), prompts, opts.max_tokens
    )
    greedy = 2 * len(prompts)  # the temperature-0 outputs come first
    same = sum(a == b for a, b in zip(stock_texts[:greedy], fast_texts[:greedy], strict=True))
    print(f"stock (grammar first): {stock_tokens / stock_s:6.1f} tokens/s ({stock_tokens} tokens)")
    print(
        f"grammar last         : {fast_tokens / fast_s:6.1f} tokens/s ({fast_tokens} tokens) -> "
        f"{(fast_tokens / fast_s) / (stock_tokens / stock_s):.2f}x; the grammar turned down "
        f"{rejected} of {sampled} sampled tokens"
    )
    print(f"greedy outputs identical: {same} of {greedy}")
    return 0 if same == greedy else 1


if __name__ == "__main__":
    raise SystemExit(main())
