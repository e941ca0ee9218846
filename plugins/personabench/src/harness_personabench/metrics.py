"""PersonaBench's retrieval and answer metrics (formulas from the paper's released ``eval.py``).

Answer metrics compare word sets: text loses every character that is not an ASCII letter, digit
or whitespace (no space inserted: "stir-fry" -> "stirfry"), is lower-cased and split on
whitespace. Retrieval metrics take the best over every way of picking one supporting segment id
per answer item (see :func:`best_recall_ndcg`). Subjective questions are not scored (``None``)."""

from __future__ import annotations

import math
import re
from itertools import product
from typing import Any

from harness.metric import Metric
from harness.schemas import Sample, Score, SolveOutput

_NOT_WORD = re.compile(r"[^a-zA-Z0-9\s]")


def clean_words(text: str) -> set[str]:
    """The original's normalisation: drop non-alphanumerics, lower-case, split on whitespace."""
    return set(_NOT_WORD.sub("", text).lower().split())


def answer_words(value: Any) -> set[str]:
    """Words of an answer or outdated value. Integers are words too (the original reused the
    previous question's words for them, a bug); a dict contributes its values, not its keys."""
    if value is None or isinstance(value, bool):
        return set() if value is None else clean_words(str(value))
    if isinstance(value, str | int | float):
        return clean_words(str(value))
    if isinstance(value, dict):
        return set().union(*(answer_words(v) for v in value.values())) if value else set()
    if isinstance(value, list | tuple):
        return set().union(*(answer_words(v) for v in value)) if value else set()
    return clean_words(str(value))


def precision_recall_f1(gold: set[str], predicted: set[str]) -> tuple[float, float, float]:
    """Word-set precision, recall and F1; 0 where a denominator is 0 (as the original)."""
    hit = len(gold & predicted)
    p = hit / len(predicted) if predicted else 0.0
    r = hit / len(gold) if gold else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f1


def _gain(rank: int) -> float:
    return 1.0 / math.log2(rank + 2)


def _dedup(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def _score_set(chosen: set[str], rank: dict[str, int], k: int) -> tuple[float, float]:
    hits = [rank[s] for s in chosen if s in rank]
    recall = len(hits) / len(chosen)
    idcg = sum(_gain(i) for i in range(min(len(chosen), k)))
    return recall, (sum(_gain(r) for r in hits) / idcg if idcg else 0.0)


def best_recall_ndcg(retrieved: list[str], gt: dict[str, list[str]]) -> tuple[float, float]:
    """Recall@k and NDCG@k (k = the number of retrieved ids), each maximised over the ways of
    choosing one segment id per answer item (the chosen ids, deduplicated, are the relevant set).

    Without enumerating the Cartesian product: when no id supports two items, every choice has
    one relevant id per item, so each item independently takes its best-ranked retrieved id
    (recall = items with a retrieved id / items). Otherwise only choices that can differ are
    tried: per item its retrieved ids, its ids shared with another item, and one of its private
    unretrieved ids (all of which score alike); cost grows with the items, not with their ids."""
    ret = _dedup([str(s) for s in retrieved])
    lists = [_dedup([str(s) for s in v]) for v in gt.values()]
    if not ret or not lists or any(not v for v in lists):
        return 0.0, 0.0
    rank = {s: i for i, s in enumerate(ret)}
    k = len(ret)
    owners: dict[str, int] = {}
    for v in lists:
        for s in v:
            owners[s] = owners.get(s, 0) + 1
    if all(c == 1 for c in owners.values()):
        best = [min((rank[s] for s in v if s in rank), default=None) for v in lists]
        found = [r for r in best if r is not None]
        idcg = sum(_gain(i) for i in range(min(len(lists), k)))
        return len(found) / len(lists), sum(_gain(r) for r in found) / idcg
    options = []
    for v in lists:
        keep = [s for s in v if s in rank or owners[s] > 1]
        private = [s for s in v if s not in rank and owners[s] == 1]
        options.append(keep + private[:1])
    best_r = best_n = 0.0
    for combo in product(*options):
        r, n = _score_set(set(combo), rank, k)
        best_r, best_n = max(best_r, r), max(best_n, n)
    return best_r, best_n


def _scored(sample: Sample) -> bool:
    return sample.metadata.get("type") != "Subjective"


class _Retrieval(Metric):
    index = 0

    def score(self, sample: Sample, output: SolveOutput) -> Score:
        retrieved = output.metadata.get("retrieved")
        gt = sample.metadata.get("gt")
        if not _scored(sample) or retrieved is None or gt is None:
            return Score(value=None, explanation="not scored: subjective or no retrieval")
        value = best_recall_ndcg(list(retrieved), gt)[self.index]
        return Score(value=value, answer=" ".join(map(str, retrieved)))


class RecallAtK(_Retrieval):
    name = "recall_at_k"
    description = "Retrieval Recall@k, best over one supporting segment per answer item."
    index = 0


class NdcgAtK(_Retrieval):
    name = "ndcg_at_k"
    description = "Retrieval NDCG@k, best over one supporting segment per answer item."
    index = 1


class _Answer(Metric):
    index = 0

    def score(self, sample: Sample, output: SolveOutput) -> Score:
        if not _scored(sample):
            return Score(value=None, explanation="subjective questions are not scored")
        prf = precision_recall_f1(answer_words(sample.target), clean_words(output.completion))
        return Score(value=prf[self.index], answer=output.completion)


class AnswerPrecision(_Answer):
    name = "answer_precision"
    description = "Word-set precision of the reply against the answer."
    index = 0


class AnswerRecall(_Answer):
    name = "answer_recall"
    description = "Word-set recall of the reply against the answer."
    index = 1


class AnswerF1(_Answer):
    name = "answer_f1"
    description = "Word-set F1 of the reply against the answer."
    index = 2


class OutdatedRecall(Metric):
    """Share of the stale value's words the reply repeats; lower is better."""

    name = "outdated_recall"
    description = "Recall of outdated words in the reply (lower is better)."
    higher_is_better = False

    def score(self, sample: Sample, output: SolveOutput) -> Score:
        stale = answer_words(sample.metadata.get("outdated_value"))
        if not _scored(sample) or not stale:
            return Score(value=None, explanation="no outdated value")
        _, recall, _ = precision_recall_f1(stale, clean_words(output.completion))
        return Score(value=recall, answer=output.completion)


def all_metrics(retrieval: bool = True, answers: bool = True) -> list[Metric]:
    out: list[Metric] = []
    if retrieval:
        out += [RecallAtK(), NdcgAtK()]
    if answers:
        out += [AnswerPrecision(), AnswerRecall(), AnswerF1(), OutdatedRecall()]
    return out
