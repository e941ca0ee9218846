"""Sentence splitting for word problems, and the split of a problem into premises and question.

A boundary is ``.``, ``?`` or ``!`` (with any closing quotes or brackets), then white space, then
something that can open a sentence (a capital, a digit, ``$`` or an opening quote). That leaves
decimals (``3.5``, ``$1.50``) whole, since no space follows their dot. Two exceptions keep a
boundary from counting: the word before the dot is an abbreviation that does not end a sentence
(``Mr.``, ``Dr.``, ``e.g.``, ``i.e.``, ``vs.``, ...), or a single letter (an initial, ``J. Smith``).
A quoted sentence stays inside its sentence when the quote is followed by a lower-case word
(``"Stop!" she said.``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "jr",
        "sr",
        "vs",
        "e.g",
        "i.e",
        "etc",
        "no",
        "approx",
        "dept",
        "mt",
        "ave",
        "fig",
        "ca",
        "cf",
    ]
)
_BOUNDARY = re.compile(r"[.?!]+[\"'”’)\]]*(\s+)(?=[\"'“‘(\[]?[A-Z0-9$£€])")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)[.?!]+[\"'”’)\]]*$")
# a premise that leans on the one before it: moving it would change what it says
_DEPENDENT = re.compile(
    r"^(?:[\"'“‘]?)(he|she|they|it|his|her|their|its|then|after that|afterwards|later|next|"
    r"another|this|that|these|those|the rest|the remaining|finally)\b",
    re.I,
)


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, each stripped, in order (see the module docstring)."""
    text = " ".join(text.split())
    out: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        head = text[start : m.start(1)]
        word = _WORD_BEFORE.search(head)
        if word and head.rstrip()[-1] == ".":
            w = word.group(1).lower().rstrip(".")
            if w in ABBREVIATIONS or (len(w) == 1 and w.isalpha()):
                continue
        out.append(head.strip())
        start = m.end(1)
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


@dataclass(frozen=True)
class Split:
    """A problem cut into premises and its final question; ``reason`` says why it cannot be
    (then ``premises`` is empty and the problem keeps its original form only)."""

    premises: tuple[str, ...]
    question: str
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


def split_problem(text: str) -> Split:
    """Premises and question of ``text``. Refused (``reason`` set): no final question, fewer than
    two premises (nothing to reorder), or a premise that refers back to the one before it (a
    leading pronoun or "then": reordering would change its meaning)."""
    sents = split_sentences(text)
    if not sents or not sents[-1].rstrip("\"'”’)").endswith("?"):
        return Split((), "", "no final question")
    premises, question = tuple(sents[:-1]), sents[-1]
    if len(premises) < 2:
        return Split((), question, "fewer than two premises")
    for p in premises[1:]:
        if _DEPENDENT.match(p):
            return Split((), question, f"order-dependent premise: {p[:40]!r}")
    return Split(premises, question)
