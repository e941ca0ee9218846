"""Metrics on hand-computed cases, and the combination-max against brute force."""

from __future__ import annotations

import math
import random
from itertools import product

import pytest
from harness_personabench.metrics import (
    AnswerF1,
    AnswerPrecision,
    AnswerRecall,
    NdcgAtK,
    OutdatedRecall,
    RecallAtK,
    answer_words,
    best_recall_ndcg,
    clean_words,
    precision_recall_f1,
)

from harness.schemas import Sample, SolveOutput


def sample(target: object, **md: object) -> Sample:
    return Sample(id="s", input="q", target=target, metadata={"type": "Preference", **md})


def test_cleaning_follows_the_original() -> None:
    assert clean_words("Stir-fry, a,b García!") == {"stirfry", "ab", "garca"}
    assert clean_words("  Jazz\tOPERA\n") == {"jazz", "opera"}


def test_answer_words_of_every_shape() -> None:
    assert answer_words(1987) == {"1987"}  # the original reused the previous question's words
    assert answer_words(["Pottery", "sea kayaking"]) == {"pottery", "sea", "kayaking"}
    assert answer_words([{"name": "Lena Novak"}]) == {"lena", "novak"}  # values, not keys
    assert answer_words(None) == set()


def test_precision_recall_f1_by_hand() -> None:
    p, r, f = precision_recall_f1({"pottery", "astronomy"}, {"astronomy", "and", "knitting"})
    assert (p, r) == (pytest.approx(1 / 3), 0.5)
    assert f == pytest.approx(2 * (1 / 3) * 0.5 / (1 / 3 + 0.5))  # 0.4
    assert precision_recall_f1(set(), {"x"}) == (0.0, 0.0, 0.0)
    assert precision_recall_f1({"x"}, set()) == (0.0, 0.0, 0.0)


def test_integer_answer_is_scored_on_its_own_words() -> None:
    s = sample(1987, type="Basic information")
    out = SolveOutput(completion="Born in 1987.")
    assert AnswerRecall().score(s, out).value == 1.0
    assert AnswerPrecision().score(s, out).value == pytest.approx(1 / 3)
    assert AnswerF1().score(s, out).value == pytest.approx(0.5)


def test_disjoint_items_by_hand() -> None:
    # items A (q or b), B (a), C (w); retrieved a b at ranks 0 and 2
    got = best_recall_ndcg(["a", "x", "b", "y", "z"], {"A": ["q", "b"], "B": ["a"], "C": ["w"]})
    dcg = 1 + 1 / math.log2(4)
    idcg = 1 + 1 / math.log2(3) + 1 / math.log2(4)
    assert got == (pytest.approx(2 / 3), pytest.approx(dcg / idcg))  # 0.667, 0.704


def test_shared_id_counts_once() -> None:
    # both items can take s: relevant set {s}, fully retrieved at rank 0
    assert best_recall_ndcg(["s", "x"], {"A": ["s", "p"], "B": ["s", "q"]}) == (1.0, 1.0)
    # sharing an unretrieved id also shrinks the relevant set: {b, t} -> recall 1/2
    r, n = best_recall_ndcg(["x", "b"], {"A": ["t"], "B": ["t", "b"], "C": ["b", "u"]})
    assert r == pytest.approx(1 / 2) and n == pytest.approx(
        (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    )


def test_empty_and_degenerate_cases_score_zero() -> None:
    assert best_recall_ndcg([], {"A": ["a"]}) == (0.0, 0.0)
    assert best_recall_ndcg(["a"], {"A": ["a"], "B": []}) == (0.0, 0.0)
    assert best_recall_ndcg(["a"], {}) == (0.0, 0.0)
    s = sample("x", gt={"x": ["a"]})
    assert RecallAtK().score(s, SolveOutput(metadata={"retrieved": []})).value == 0.0


def test_not_applicable_is_none() -> None:
    subj = sample("A", type="Subjective", gt={"A": ["a"]})
    out = SolveOutput(completion="A", metadata={"retrieved": ["a"]})
    assert all(m.score(subj, out).value is None for m in (RecallAtK(), AnswerF1(), NdcgAtK()))
    gt_mode = sample("x", gt={"x": ["a"]})
    assert RecallAtK().score(gt_mode, SolveOutput(completion="x")).value is None


def test_outdated_recall() -> None:
    s = sample("Peruvian", outdated_value=["Korean"])
    assert OutdatedRecall().score(s, SolveOutput(completion="Korean, now Peruvian")).value == 1.0
    assert OutdatedRecall().score(s, SolveOutput(completion="Peruvian")).value == 0.0
    assert OutdatedRecall().score(sample("x"), SolveOutput(completion="x")).value is None
    assert OutdatedRecall.higher_is_better is False


def brute(retrieved: list[str], gt: dict[str, list[str]]) -> tuple[float, float]:
    """The released formula, enumerating every combination (our own writing of it)."""
    ret = list(dict.fromkeys(retrieved))
    best = (0.0, 0.0)
    for combo in product(*gt.values()):
        g = set(combo)
        hits = [i for i, s in enumerate(ret) if s in g]
        idcg = sum(1 / math.log2(i + 2) for i in range(min(len(g), len(ret))))
        ndcg = sum(1 / math.log2(i + 2) for i in hits) / idcg if idcg else 0.0
        best = (max(best[0], len(hits) / len(g)), max(best[1], ndcg))
    return best


def test_matches_brute_force_on_random_cases() -> None:
    rng = random.Random(7)
    pool = [f"s{i}" for i in range(12)]
    for _ in range(400):
        gt = {f"i{j}": rng.sample(pool, rng.randint(1, 4)) for j in range(rng.randint(1, 4))}
        ret = rng.sample(pool, rng.randint(1, 6))
        got, want = best_recall_ndcg(ret, gt), brute(ret, gt)
        assert got == (pytest.approx(want[0]), pytest.approx(want[1])), (ret, gt)
