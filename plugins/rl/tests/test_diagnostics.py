"""The diagnostics against hand-computed values: alpha statistics on known outcomes, and the
co-influence kernel against the closed-form LM-head gradient of a tiny model."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from harness_rl.diagnostics import (
    Rollout,
    alpha_stats,
    coinfluence,
    load_grad_model,
    logprob_gradient,
    sample_pairs,
    token_ids,
)
from harness_rl.generator import diagnose, rollouts_from_run
from harness_rl.options import DiagnosticsOptions

from harness.errors import UserError
from harness.schemas import SampleRecord, Score, SolveOutput


def test_alpha_statistics_by_hand() -> None:
    stats = alpha_stats(
        {
            "a": [True, True, False, False],  # alpha 0.5
            "b": [True, False, False, False],  # 0.25
            "c": [False] * 4,  # 0
            "d": [True] * 4,  # 1
        }
    )
    assert stats["queries"] == 4 and stats["rollouts_per_query"] == 4
    assert stats["mean_alpha"] == pytest.approx(0.4375)
    assert stats["p_informative"] == 0.5
    assert stats["p_all_wrong"] == 0.25 and stats["p_all_correct"] == 0.25
    # (sqrt(0.25) + sqrt(0.1875) + 0 + 0) / 4
    assert stats["e_sqrt"] == pytest.approx((0.5 + math.sqrt(3) / 4) / 4)
    assert [h["queries"] for h in stats["histogram"]] == [1, 1, 1, 0, 1]
    assert [h["alpha"] for h in stats["histogram"]] == [0, 0.25, 0.5, 0.75, 1]
    with pytest.raises(UserError):
        alpha_stats({})


def test_pairs_are_across_queries_only() -> None:
    rs = [Rollout(q, [], "x", 1.0, True) for q in "aabbc"]
    every = sample_pairs(rs, 100, 0)
    assert len(every) == 8 and all(rs[i].query != rs[j].query for i, j in every)
    few = sample_pairs(rs, 3, 0)
    assert len(few) == 3 and set(few) <= set(every) and few == sample_pairs(rs, 3, 0)


def _closed_form_head_grad(model, tok, r: Rollout):  # type: ignore[no-untyped-def]
    """sum_t (onehot(y_t) - softmax(W h_t)) h_t^T over the completion's tokens."""
    import torch

    ids, start = token_ids(tok, r.messages, r.completion)
    with torch.no_grad():
        h = model.model(input_ids=torch.tensor([ids])).last_hidden_state[0]
        w = model.get_output_embeddings().weight
        p = torch.softmax(h @ w.T, dim=-1)
    g = torch.zeros_like(w)
    for t in range(start, len(ids)):
        e = torch.zeros(w.shape[0])
        e[ids[t]] = 1.0
        g += torch.outer(e - p[t - 1], h[t - 1])
    return g.reshape(-1)


def test_coinfluence_matches_the_closed_form_head_gradient(tiny_model: Path) -> None:
    model, tok = load_grad_model(str(tiny_model), "last_layer", 4, 0)
    msgs = [{"role": "user", "content": "What is 2 + 3?"}]
    rollouts = [
        Rollout("q1", msgs, "5", 1.0, True),
        Rollout("q1", msgs, "the answer is 6", 0.0, False),
        Rollout("q2", [{"role": "user", "content": "reverse abc"}], "cba", 1.0, True),
        Rollout("q3", [{"role": "user", "content": "count letters"}], "", 0.0, False),
    ]
    grads = [_closed_form_head_grad(model, tok, r) for r in rollouts]
    for r, g in zip(rollouts, grads, strict=True):
        assert logprob_gradient(model, tok, r).allclose(g, atol=1e-4, rtol=1e-4)
    assert float(grads[3].abs().sum()) == 0.0  # an empty rollout has log pi = 0

    got = coinfluence(model, tok, rollouts, pairs=100, seed=0)
    pairs = [(0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]  # every cross-query pair
    k = {p: float(grads[p[0]] @ grads[p[1]]) for p in pairs}
    sign = [1, -1, 1, -1]
    assert got["pairs"] == 5
    assert got["mean"] == pytest.approx(sum(k.values()) / 5, rel=1e-4)
    assert got["signed"] == pytest.approx(
        sum(v * sign[i] * sign[j] for (i, j), v in k.items()) / 5, rel=1e-4
    )
    assert got["by_outcome"]["both_correct"] == pytest.approx(k[(0, 2)], rel=1e-4)
    assert got["pairs_by_outcome"] == {"both_correct": 1, "one_correct": 3, "both_wrong": 1}
    assert got["params"] == grads[0].numel()


def test_lora_gradients_are_on_adapter_params_only(tiny_model: Path) -> None:
    model, tok = load_grad_model(str(tiny_model), "lora", 4, 0)
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    assert names and all("lora_" in n for n in names)
    r = Rollout("q", [{"role": "user", "content": "What is 2 + 3?"}], "5 is it", 1.0, True)
    g = logprob_gradient(model, tok, r)
    assert g.numel() == sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert float(g.norm()) > 0  # B starts at zero, so the signal is on B


def _record(sid: str, epoch: int, text: str, value: float | None) -> str:
    rec = SampleRecord(
        sample_id=sid,
        epoch=epoch,
        status="ok",
        input=f"question {sid}",
        target="1",
        output=SolveOutput(completion=text),
        scores={"answer_match": Score(value=value)},
    )
    return rec.model_dump_json() + "\n"


def test_diagnostics_from_a_run_with_epochs(tmp_path: Path) -> None:
    run = tmp_path / "run"
    run.mkdir()
    outcomes = {"s1": [1.0, 0.0, 1.0], "s2": [0.0, 0.0, None], "s3": [1.0, 1.0, 1.0]}
    lines = [_record(s, e, f"reply {e}", v) for s, vs in outcomes.items() for e, v in enumerate(vs)]
    (run / "samples.jsonl").write_text("".join(lines), encoding="utf-8")
    opts = DiagnosticsOptions(from_run=str(run), rewards=["answer_match"])
    rollouts = rollouts_from_run(run, opts)
    assert len(rollouts) == 9 and rollouts[0].messages[0]["content"] == "question s1"
    out = tmp_path / "out"
    out.mkdir()
    summary = diagnose(rollouts, opts, out, seed=0)
    assert summary["p_informative"] == pytest.approx(1 / 3)
    assert summary["e_sqrt"] == pytest.approx(math.sqrt(2 / 9) / 3)
    assert (out / "alpha.png").stat().st_size > 0
    alphas = [json.loads(x)["alpha"] for x in (out / "alpha.jsonl").read_text().splitlines()]
    assert alphas == pytest.approx([2 / 3, 0.0, 1.0])
    with pytest.raises(UserError, match="no score 'exact_match'; they have: answer_match"):
        rollouts_from_run(run, DiagnosticsOptions(from_run=str(run), rewards=["exact_match"]))
