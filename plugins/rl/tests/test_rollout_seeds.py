"""Per-rollout random streams (harness_rl.rollout_seeds): the pick follows the distribution
``generate`` would sample, honours its warpers, and does not depend on which other rows share
the batch, which is what makes one process and N sample the same rollouts."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from harness_rl.rollout_seeds import RolloutStreams, stream_seed, warpers_for


def _config(**kw: object) -> SimpleNamespace:
    base = {"temperature": 1.0, "top_k": 0, "top_p": 1.0, "min_p": None}
    return SimpleNamespace(**{**base, **kw})


def _pick(streams: RolloutStreams, scores: object) -> list[int]:
    import torch

    out = streams(torch.zeros((scores.shape[0], 3), dtype=torch.long), scores)  # type: ignore[attr-defined]
    assert torch.isfinite(out).sum(dim=1).tolist() == [1] * out.shape[0]  # one token left a row
    return out.argmax(dim=1).tolist()


def test_seeds_are_stable_and_distinct() -> None:
    assert stream_seed(0, 3, 5) == stream_seed(0, 3, 5)
    seeds = {stream_seed(s, t, r) for s in range(2) for t in range(4) for r in range(8)}
    assert len(seeds) == 64 and all(0 <= x < 2**63 for x in seeds)


def test_picks_follow_the_softmax() -> None:
    import torch

    logits = torch.tensor([[2.0, 1.0, 0.0, -1.0, float("-inf")]])
    probs = torch.softmax(logits, dim=1)[0].tolist()
    n = 4000
    counts = [0] * 5
    for row in range(n):  # a fresh stream per rollout, as in training
        counts[_pick(RolloutStreams(0, 0, row, []), logits)[0]] += 1
    assert counts[4] == 0  # a masked token is never drawn
    for k in range(4):  # within 4 standard errors of the expected share
        se = (probs[k] * (1 - probs[k]) / n) ** 0.5
        assert abs(counts[k] / n - probs[k]) < 4 * se, (counts, probs)


def test_temperature_and_top_k_are_applied_before_the_pick() -> None:
    import torch

    logits = torch.tensor([[3.0, 2.9, 2.8, 0.0, 0.0, 0.0]])
    picks = [
        _pick(RolloutStreams(1, 0, r, warpers_for(_config(top_k=2))), logits)[0] for r in range(300)
    ]
    assert set(picks) == {0, 1}
    cold = [
        _pick(RolloutStreams(1, 0, r, warpers_for(_config(temperature=0.01))), logits)[0]
        for r in range(50)
    ]
    assert set(cold) == {0}


def test_a_row_draws_the_same_tokens_whatever_shares_its_batch() -> None:
    import torch

    torch.manual_seed(0)
    steps = [torch.randn(8, 50) for _ in range(6)]  # logits of 8 rows over 6 positions
    whole = RolloutStreams(7, 2, 0, [])
    halves = [RolloutStreams(7, 2, 0, []), RolloutStreams(7, 2, 4, [])]
    for scores in steps:
        one = _pick(whole, scores)
        two = _pick(halves[0], scores[:4]) + _pick(halves[1], scores[4:])
        assert one == two
    # and another step, or another run seed, draws differently
    other, same = RolloutStreams(7, 3, 0, []), RolloutStreams(7, 2, 0, [])
    assert [_pick(other, s) for s in steps] != [_pick(same, s) for s in steps]


@pytest.mark.parametrize("kw", [{"top_p": 0.5}, {"min_p": 0.2}, {"temperature": 0.7}])
def test_warpers_mirror_the_generation_config(kw: dict[str, float]) -> None:
    assert len(warpers_for(_config(**kw))) == 1
    assert warpers_for(_config()) == []
