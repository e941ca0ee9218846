"""Strict grading of a solver's reply, and tool Recall@k.

The answer is what follows the last ``Final Answer:``; no such line is a wrong answer.
Multiple choice compares the letter only (the released ``eval_response`` tests ``gold in
prediction`` on the whole string, so "B" matches any reply containing a B: fixed here); numbers
compare numerically (commas, currency signs, units and a trailing period ignored; relative
tolerance 1e-6; "3/4" is a number); anything else compares as normalised text. An LLM judge is
used only when the task is asked to (``judge=true``), and never inside :func:`grade`."""

from __future__ import annotations

import re
from fractions import Fraction

FINAL = re.compile(r"final\s+answer\s*[:：]\s*(.+)", re.I)
LETTER = re.compile(r"^\(?([A-Ja-j])\)?(?=$|[\s.:),])")
NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?(?:\s*/\s*\d+(?:\.\d+)?)?|-?\.\d+")
RECALL_KS = (1, 3, 5, 10)


def final_answer(text: str) -> str | None:
    """What follows the last ``Final Answer:`` (first line of it), or None."""
    found = FINAL.findall(text or "")
    if not found:
        return None
    ans = found[-1].strip().splitlines()[0].strip()
    ans = re.sub(r"^\\boxed\{(.*)\}$", r"\1", ans).strip("*` ")
    return ans or None


def to_number(text: str) -> float | None:
    """The single number a string states (``$1,200``, ``-3.5``, ``3/4``, ``40%``), else None."""
    cleaned = text.replace("$", "").replace("€", "").replace("£", "").strip().rstrip(".")
    found = NUMBER.findall(cleaned)
    if len(found) != 1:
        return None
    token = found[0].replace(",", "").replace(" ", "")
    try:
        return float(Fraction(token)) if "/" in token else float(token)
    except (ValueError, ZeroDivisionError):
        return None


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s.-]", "", text.lower())).strip()


def grade(prediction: str | None, gold: str, multiple_choice: bool = False) -> bool:
    """Whether ``prediction`` (an extracted final answer) is ``gold``, strictly."""
    if prediction is None:
        return False
    if multiple_choice:
        m = LETTER.match(prediction.strip())
        return m is not None and m.group(1).upper() == gold.strip().upper()
    g = to_number(gold)
    if g is not None:
        p = to_number(prediction)
        return p is not None and abs(p - g) <= 1e-6 * max(1.0, abs(g))
    return _norm(prediction) == _norm(gold)


def recall_at_k(retrieved: list[str], gold: list[str], k: int) -> float | None:
    """|top-k ∩ gold| / |gold| (the released ``calculate_tool_recall``); None without gold."""
    if not gold:
        return None
    top = set(retrieved[:k])
    return sum(g in top for g in set(gold)) / len(set(gold))
