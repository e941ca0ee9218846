"""Token counts without a tokenizer: the estimate every size rule here uses.

``count_tokens`` = ceil(characters / 3). BPE tokenizers of current models spend about 3.5-4
characters a token on source code, so the estimate errs high: a prompt cut to fit N estimated
tokens fits the model's N. The model's own count of each prompt is recorded beside it (the
sample's ``usage``), so reports can use either."""

from __future__ import annotations

CHARS_PER_TOKEN = 3

#: context buckets by the tokens of a scenario's context files: the paper's four, and a fifth
#: below them for models with small windows (the embedded model has 8K)
BUCKETS: list[tuple[str, int, int]] = [
    ("<10K", 0, 10_000),
    ("10K-100K", 10_000, 100_000),
    ("100K-200K", 100_000, 200_000),
    ("200K-500K", 200_000, 500_000),
    ("500K-1M", 500_000, 10**12),
]


def count_tokens(text: str) -> int:
    return -(-len(text) // CHARS_PER_TOKEN)


def bucket(tokens: int) -> str:
    for name, low, high in BUCKETS:
        if low <= tokens < high:
            return name
    return BUCKETS[-1][0]
