"""MEND's two query transforms (our implementation; the paper's code is not public).

* :func:`permute` reorders the premises and keeps the question last. With two or more premises
  the order always changes (a draw that returns the original order is redrawn, and two premises
  are swapped), so a "permuted" form is never the original in disguise.
* :func:`add_redundancy` inserts ``k`` distractor sentences among the premises, never after the
  question. A distractor is neutral by construction: it is written without numbers or people,
  and :func:`neutral_for` rejects, per problem, any distractor that names one of the problem's
  entities or quantities. Both transforms leave the reasoning chain and the answer unchanged.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_NUM = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
NUMBER_WORDS = frozenset(
    [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "seventy",
        "eighty",
        "ninety",
        "hundred",
        "thousand",
        "million",
        "half",
        "third",
        "quarter",
        "twice",
        "double",
        "triple",
        "dozen",
    ]
)

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "and",
        "or",
        "for",
        "with",
        "from",
        "by",
        "is",
        "are",
        "was",
        "were",
    ]
)


def permute(n: int, rng: random.Random) -> list[int]:
    """A new order of ``n`` premises (indices), different from ``0..n-1`` when ``n >= 2``."""
    order = list(range(n))
    if n < 2:
        return order
    while order == list(range(n)):
        rng.shuffle(order)
    return order


def _stem(word: str) -> str:
    """A plural's singular, roughly: berries -> berry, boxes -> box, apples -> apple."""
    w = word.lower().strip("'-").removesuffix("'s")
    if len(w) <= 3:
        return w
    if w.endswith("ies"):
        return w[:-3] + "y"
    if w.endswith(("sses", "xes", "zes", "ches", "shes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def neutral_for(distractor: str, entities: Iterable[str]) -> str | None:
    """Why ``distractor`` is not neutral for a problem with ``entities``, or None.

    Rejected: any number (digits or a number word: a quantity could be read into the problem),
    or any content word sharing a stem with a word of one of the problem's entities (strict:
    ``red`` alone rejects a distractor for a problem about a red box; ``apples`` matches
    ``apple``)."""
    if _NUM.search(distractor):
        return "has a number"
    words = {_stem(w) for w in _WORD.findall(distractor)}
    if words & NUMBER_WORDS:
        return f"has a number word ({sorted(words & NUMBER_WORDS)[0]})"
    for e in entities:
        e_words = {_stem(w) for w in _WORD.findall(e)} - STOPWORDS
        if e_words & words:
            return f"names the problem's entity {e!r}"
    return None


@dataclass(frozen=True)
class Inserted:
    """The premise list with the distractors in place, and which distractors were used."""

    premises: tuple[str, ...]
    distractors: tuple[str, ...]


def add_redundancy(
    premises: Sequence[str], k: int, pool: Sequence[str], rng: random.Random
) -> Inserted:
    """``premises`` with ``k`` distinct distractors from ``pool`` (already neutral for this
    problem) at random places among them; fewer when the pool is smaller than ``k``."""
    chosen = rng.sample(list(pool), min(k, len(pool)))
    out = list(premises)
    for d in chosen:
        out.insert(rng.randint(0, len(out)), d)
    return Inserted(tuple(out), tuple(chosen))
