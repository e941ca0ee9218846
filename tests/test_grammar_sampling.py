"""Grammar-last sampling (harness/backends/llamacpp_sampling.py) on the embedded model, for real:
the same tokens as llama-cpp-python's stock grammar-first sampler at temperature 0, output the
grammar allows, seeded sampling repeatable, and the fallback actually exercised."""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness.backends.llamacpp.model import smollm2_path

pytest.importorskip("llama_cpp", reason="the embedded extra is not installed")
pytestmark = pytest.mark.slow

SCHEMA = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "maxLength": 40},
        "nights": {"type": "integer"},
        "ok": {"type": "boolean"},
    },
    "required": ["city", "nights", "ok"],
}
PROMPTS = [
    "<|im_start|>user\nPlan a short trip. Answer in JSON.<|im_end|>\n<|im_start|>assistant\n",
    "<|im_start|>user\nWhere should I go for two nights?<|im_end|>\n<|im_start|>assistant\n",
]


@pytest.fixture(scope="module")
def engines() -> dict[str, Any]:
    from llama_cpp import Llama

    from harness.backends.llamacpp.sampling import grammar_last_llama

    kw = {"model_path": str(smollm2_path()), "n_ctx": 512, "verbose": False, "seed": 0}
    return {"first": Llama(**kw), "last": grammar_last_llama()(**kw)}


def _complete(llm: Any, prompt: str, temperature: float = 0.0, seed: int = 7) -> str:
    from llama_cpp import LlamaGrammar

    grammar = LlamaGrammar.from_json_schema(json.dumps(SCHEMA), verbose=False)
    llm.reset()
    out = llm.create_completion(
        prompt=prompt,
        max_tokens=60,
        temperature=temperature,
        top_p=1.0,
        seed=seed,
        grammar=grammar,
        stop=["<|im_end|>"],
    )
    return str(out["choices"][0]["text"])


def test_greedy_tokens_are_the_stock_samplers(engines: dict[str, Any]) -> None:
    for prompt in PROMPTS:
        last = _complete(engines["last"], prompt)
        assert last == _complete(engines["first"], prompt)
        data = json.loads(last)
        assert set(data) == {"city", "nights", "ok"} and isinstance(data["nights"], int)
    sampler = engines["last"]._sampler
    # the model's own first choice broke the grammar at times, and the fallback fixed it
    assert sampler.sampled > 10 and sampler.rejected >= 1


def test_sampling_keeps_to_the_grammar_and_repeats_with_its_seed(engines: dict[str, Any]) -> None:
    llm = engines["last"]
    texts = [_complete(llm, PROMPTS[0], temperature=1.0, seed=s) for s in (1, 2, 1)]
    assert texts[0] == texts[2]
    for text in texts:
        data = json.loads(text)
        assert isinstance(data["city"], str) and isinstance(data["ok"], bool)


def test_the_stock_sampler_can_be_chosen() -> None:
    from llama_cpp import Llama

    from harness.backends.llamacpp.model import LlamaCppModel
    from harness.backends.llamacpp.sampling import grammar_last_llama

    stock = LlamaCppModel.create("smollm2", {"grammar_sampling": "first", "n_ctx": 512})
    fast = LlamaCppModel.create("smollm2", {"n_ctx": 512})
    assert type(stock.llm()) is Llama  # type: ignore[attr-defined]
    assert type(fast.llm()) is grammar_last_llama()  # type: ignore[attr-defined]
