"""Scoring one item from its forms' replies. Every metric is a per-item value, so the core's
aggregation (``harness.stats``) gives means with bootstrap CIs that resample whole items.

Our definitions (the paper's exact formulas are not public):

* ``acc_<form>``: 1 if the answer extracted from the reply to that form equals the reference.
* ``consistent_correct``: 1 if every form of the item is answered correctly.
* ``consistent_answer``: 1 if every form gets an answer and all answers are the same, right or
  wrong (a model can be consistently wrong; no answer never agrees).
* ``gap_<variant>``: ``acc_original - acc_<variant>`` on the item (-1, 0 or 1); its mean is the
  accuracy gap from the original to that variant, with an item-clustered CI.

An item kept in its original form only (premises that cannot be split) scores
``acc_original`` and ``None`` (not applicable) for everything else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from harness.metric import extract_answer
from harness.schemas import Score

VARIANTS = ("permuted", "redundant", "combined")


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", "").replace("$", ""))
    except ValueError:
        return None


def normalize_number(text: str) -> str:
    """``"10.00"``, ``"$10"`` and ``"10"`` all -> ``"10"``; not a number -> ``""``."""
    v = _number(text)
    if v is None:
        return ""
    return str(int(v)) if v == int(v) else repr(v)


_QUESTION = re.compile(r"in which room is the ([a-z][a-z ]*)\?\s*$", re.I)


def subject_of(question: str) -> str | None:
    """The object a generated logic question asks about (``In which room is the key?``)."""
    m = _QUESTION.search(question.strip())
    return m.group(1) if m else None


def extract(reply: str, kind: str, candidates: Sequence[str], subject: str | None = None) -> str:
    """The answer a reply gives. Arithmetic: the core's numeric extraction (``answer is X``,
    else after the last ``=``, else the last number), normalised. Logic: the first candidate
    said of the asked-about ``subject`` (``the key ... kitchen`` within one sentence: a reply
    that restates every premise is read for the one about the key), else the first candidate
    named; empty when it names none (whole words, any case)."""
    if kind == "arithmetic":
        return normalize_number(extract_answer(reply, numeric=True))
    low = reply.lower()
    names = "|".join(re.escape(c.lower()) for c in sorted(candidates, key=len, reverse=True))
    if not names:
        return ""
    if subject:
        m = re.search(rf"\b{re.escape(subject.lower())}\b[^.?!\n]*?\b({names})\b", low)
        if m:
            return next(c for c in candidates if c.lower() == m.group(1))
    m = re.search(rf"\b({names})\b", low)
    return next(c for c in candidates if c.lower() == m.group(1)) if m else ""


def is_correct(answer: str, target: str, kind: str) -> bool:
    if not answer:
        return False
    if kind == "arithmetic":
        return answer == normalize_number(target)
    return answer.lower() == target.lower()


def score_forms(
    answers: Mapping[str, str], target: str, kind: str, forms: Sequence[str]
) -> dict[str, Score]:
    """The item's scores from each form's extracted answer (see the module docstring)."""
    correct = {f: is_correct(answers.get(f, ""), target, kind) for f in forms}
    out: dict[str, Score] = {
        "acc_original": Score(value=float(correct["original"]), answer=answers.get("original"))
    }
    variants = [f for f in VARIANTS if f in forms]
    na = Score(value=None, explanation="original form only")
    for f in VARIANTS:
        out[f"acc_{f}"] = (
            Score(value=float(correct[f]), answer=answers.get(f)) if f in variants else na
        )
    if variants:
        given = [answers.get(f, "") for f in forms]
        same = all(given) and len({a.lower() for a in given}) == 1
        out["consistent_correct"] = Score(value=float(all(correct.values())))
        out["consistent_answer"] = Score(
            value=float(same), metadata={"answers": dict(zip(forms, given, strict=True))}
        )
    else:
        out["consistent_correct"] = out["consistent_answer"] = na
    for f in VARIANTS:
        gap = float(correct["original"]) - float(correct[f]) if f in variants else None
        out[f"gap_{f}"] = Score(value=gap, explanation=None if f in variants else na.explanation)
    return out
