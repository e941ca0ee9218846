"""Grammar-constrained sampling for llama-cpp-python that checks the grammar last.

llama-cpp-python puts the grammar into its sampler chain ahead of everything else, so every
generated token runs the grammar over the whole vocabulary (49,152 tokens for SmolLM2), which slows
constrained generation about twofold (the README's benchmark table has the figures), and the
embedded model spends most of an agent task in it (tool arguments, JSON answers). llama.cpp's own
sampler (``common_sampler_sample``) does it the other way round, as here: sample from the usual
chain without the grammar, test that one token against the grammar, and only if the grammar rejects
it apply the grammar to the whole vocabulary and sample again.

The result is the same distribution: a token the grammar allows is kept with its own probability
p, and the fallback adds p times the rejected mass renormalised, so each allowed token ends at
p / P(allowed), which is what grammar-first sampling gives (up to top-k/top-p truncation, which
then sees the grammar's cut). Greedy decoding gives exactly the same tokens: the most likely
token overall, when allowed, is the most likely allowed one.

:func:`grammar_last_llama` returns a ``llama_cpp.Llama`` subclass that samples this way whenever
a grammar is given; everything else (prefix cache, stop strings, usage) is llama-cpp-python's.
"""

from __future__ import annotations

import ctypes
import math
from functools import cache
from typing import Any


class GrammarLastSampler:
    """Stands in for the ``LlamaSampler`` that ``Llama.generate`` keeps in ``_sampler``: only
    ``sample(ctx, idx)`` is called on it, and it accepts the token it returns, as
    ``llama_sampler_sample`` does."""

    def __init__(self, llm: Any, chain: Any, grammar: Any) -> None:
        import llama_cpp
        import numpy as np

        self._lib = llama_cpp
        self._chain = chain  # a LlamaSampler built without the grammar; kept alive here
        self._grammar = llama_cpp.llama_sampler_init_grammar(
            llm._model.vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
        )
        if not self._grammar:
            raise ValueError("llama.cpp could not parse the grammar")
        self.n_vocab = int(llm.n_vocab())
        self._data = (llama_cpp.llama_token_data * self.n_vocab)()
        self._view = np.ctypeslib.as_array(self._data)  # a structured view: id, logit, p
        self._ids = np.arange(self.n_vocab, dtype=np.int32)
        self._one = (llama_cpp.llama_token_data * 1)()
        #: tokens sampled, and how many the grammar turned down (for tests and benchmarks)
        self.sampled = 0
        self.rejected = 0

    def _candidates(self, ctx: Any, idx: int) -> Any:
        """A fresh candidate array over the whole vocabulary from the logits at ``idx``."""
        import numpy as np

        lib = self._lib
        logits = np.ctypeslib.as_array(lib.llama_get_logits_ith(ctx.ctx, idx), (self.n_vocab,))
        self._view["id"] = self._ids
        self._view["logit"] = logits
        self._view["p"] = 0.0
        data = ctypes.cast(self._data, ctypes.POINTER(lib.llama_token_data))
        return lib.llama_token_data_array(data, self.n_vocab, -1, False)

    def _allowed(self, token: int) -> bool:
        lib = self._lib
        self._one[0] = lib.llama_token_data(token, 0.0, 0.0)
        data = ctypes.cast(self._one, ctypes.POINTER(lib.llama_token_data))
        single = lib.llama_token_data_array(data, 1, -1, False)
        lib.llama_sampler_apply(self._grammar, ctypes.byref(single))
        return not math.isinf(self._one[0].logit)

    def sample(self, ctx: Any, idx: int = -1) -> int:
        lib = self._lib
        chain = self._chain.sampler
        cur = self._candidates(ctx, idx)
        lib.llama_sampler_apply(chain, ctypes.byref(cur))
        token = int(cur.data[cur.selected].id)
        self.sampled += 1
        if not self._allowed(token):
            self.rejected += 1
            cur = self._candidates(ctx, idx)
            lib.llama_sampler_apply(self._grammar, ctypes.byref(cur))
            lib.llama_sampler_apply(chain, ctypes.byref(cur))
            token = int(cur.data[cur.selected].id)
        lib.llama_sampler_accept(self._grammar, token)
        lib.llama_sampler_accept(chain, token)
        return token

    def __del__(self) -> None:
        grammar, self._grammar = getattr(self, "_grammar", None), None
        if grammar:
            self._lib.llama_sampler_free(grammar)


@cache
def grammar_last_llama() -> type:
    """``llama_cpp.Llama`` with grammar-last sampling (imports llama_cpp on first call)."""
    from llama_cpp import Llama

    class GrammarLastLlama(Llama):  # type: ignore[misc]
        def _init_sampler(self, **kwargs: Any) -> Any:  # type: ignore[override]  # keywords only
            grammar = kwargs.pop("grammar", None)
            chain = super()._init_sampler(**kwargs)
            if grammar is None:
                return chain
            return GrammarLastSampler(self, chain, grammar)

    return GrammarLastLlama
