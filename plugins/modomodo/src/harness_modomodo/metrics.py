"""The verifiable rewards of multimodal RLVR, as registered metrics.

MoDoMoDo (arXiv 2505.24871, §3) gives each of its five datasets a rule-based reward: IoU of the
predicted box for grounding (COCO, LISA), answer accuracy for geometry (GeoQA) and multiple-choice
accuracy (SAT, ScienceQA), plus a reward for the ``<think>...</think><answer>...</answer>`` format.
Each is a metric here, so ``harness run`` scores with it and ``harness train grpo --rewards``
trains on it. The parsers are ours: a reply is read from its ``<answer>`` block when it has one,
else whole.

A reply whose answer cannot be read at all (no box in a known format, no option, no number) scores
0 and says ``format_failure: true`` in the score's metadata; ``modomodo_format_failure`` is that
flag as a metric, so a run's summary shows the share of format failures with its CI.

Sample fields the rewards read: ``target`` (a box ``[x1, y1, x2, y2]`` in pixels, an option letter,
or a number), ``metadata.answer_type`` (``box``, ``choice``, ``number``; what ``modomodo_reward``
dispatches on), ``metadata.choices`` (option texts, for an answer given as text) and
``metadata.image_size`` (``[width, height]``, to read boxes written in 0-1 or Qwen's 0-1000 scale).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from harness.metric import Metric
from harness.schemas import Sample, Score, SolveOutput

_ANSWER = re.compile(r"<answer>(.*?)</answer>", re.S | re.I)
_FORMAT = re.compile(r"^\s*<think>.*?</think>\s*<answer>.*?</answer>\s*$", re.S | re.I)
_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)"
_QWEN_BOX = re.compile(
    rf"<\|box_start\|>\s*\(\s*({_NUM})\s*,\s*({_NUM})\s*\)\s*,?\s*\(\s*({_NUM})\s*,\s*({_NUM})\s*\)"
    r"\s*<\|box_end\|>"
)
_PAIRS = re.compile(
    rf"\(\s*({_NUM})\s*,\s*({_NUM})\s*\)\s*,?\s*(?:to|-|and)?\s*\(\s*({_NUM})\s*,\s*({_NUM})\s*\)"
)
_LIST4 = re.compile(rf"\[\s*({_NUM})\s*,\s*({_NUM})\s*,\s*({_NUM})\s*,\s*({_NUM})\s*\]")
_JSON_KEYS = ("bbox_2d", "bbox", "box", "bounding_box")
#: Qwen2-VL writes <|box_start|>(x1,y1),(x2,y2)<|box_end|> on a 0-1000 grid
QWEN_SCALE = 1000.0


def answer_text(completion: str) -> str:
    """The content of the last ``<answer>...</answer>`` block, else the whole reply."""
    found = _ANSWER.findall(completion)
    return (found[-1] if found else completion).strip()


# ----------------------------------------------------------------------------- boxes


def parse_box(text: str) -> tuple[list[float], str] | None:
    """The first box in ``text`` and its format name (``qwen``, ``json``, ``pairs``, ``list``),
    or None when no known format is there."""
    m = _QWEN_BOX.search(text)
    if m:
        return [float(v) for v in m.groups()], "qwen"
    box = _json_box(text)
    if box is not None:
        return box, "json"
    m = _PAIRS.search(text)
    if m:
        return [float(v) for v in m.groups()], "pairs"
    m = _LIST4.search(text)
    if m:
        return [float(v) for v in m.groups()], "list"
    return None


def _json_box(text: str) -> list[float] | None:
    """``{"bbox_2d": [..4..], ...}`` (or a list of such objects: the first), anywhere in text."""
    for start in (i for i, ch in enumerate(text) if ch in "{["):
        try:
            obj, _ = json.JSONDecoder().raw_decode(text[start:])
        except ValueError:
            continue
        if isinstance(obj, list) and obj and isinstance(obj[0], dict):
            obj = obj[0]
        if isinstance(obj, dict):
            for key in _JSON_KEYS:
                v = obj.get(key)
                if (
                    isinstance(v, list)
                    and len(v) == 4
                    and all(isinstance(x, int | float) and not isinstance(x, bool) for x in v)
                ):
                    return [float(x) for x in v]
    return None


def to_pixels(box: list[float], fmt: str, image_size: Any) -> list[float]:
    """``box`` in pixels, corners ordered. Qwen boxes are on a 0-1000 grid; a box whose four
    values all lie in [0, 1] is read as normalised when the image is bigger than 1 pixel. Both
    need ``image_size``; without it the box is taken as written."""
    x1, y1, x2, y2 = box
    size = _size(image_size)
    if size is not None:
        w, h = size
        if fmt == "qwen":
            x1, x2 = x1 * w / QWEN_SCALE, x2 * w / QWEN_SCALE
            y1, y2 = y1 * h / QWEN_SCALE, y2 * h / QWEN_SCALE
        elif all(0.0 <= v <= 1.0 for v in box) and max(w, h) > 1:
            x1, x2, y1, y2 = x1 * w, x2 * w, y1 * h, y2 * h
    return [min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)]


def _size(image_size: Any) -> tuple[float, float] | None:
    if isinstance(image_size, list | tuple) and len(image_size) == 2:
        try:
            return float(image_size[0]), float(image_size[1])
        except (TypeError, ValueError):
            return None
    return None


def iou(a: list[float], b: list[float]) -> float:
    """Intersection over union of two ``[x1, y1, x2, y2]`` boxes (0 when either has no area)."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    area_a = max(0.0, a[2] - a[0]) * max(0.0, a[3] - a[1])
    area_b = max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])
    union = area_a + area_b - inter
    return inter / union if union > 0 else 0.0


def score_box(sample: Sample, completion: str) -> Score:
    text = answer_text(completion)
    got = parse_box(text)
    if got is None:
        return Score(
            value=0.0,
            explanation="format failure: no box in a known format",
            metadata={"format_failure": True},
        )
    box, fmt = got
    pixels = to_pixels(box, fmt, sample.metadata.get("image_size"))
    gold = [float(v) for v in sample.target]
    value = iou(pixels, gold)
    return Score(
        value=value,
        answer=json.dumps([round(v, 2) for v in pixels]),
        metadata={"format_failure": False, "box_format": fmt, "iou": value},
    )


# ----------------------------------------------------------------------------- multiple choice

_LETTER_PATTERNS = (
    re.compile(r"^\(?([A-Z])\)?(?:[.:)\s]|$)"),  # "B", "(B)", "B.", "B) text"
    re.compile(r"(?:answer|option|choice)\s*(?:is|:)?\s*\(?([A-Z])\)?(?![A-Za-z])", re.I),
    re.compile(r"\(([A-Z])\)"),  # "... (B) ..."
)


def letters(n: int) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[:n]


def parse_choice(text: str, choices: list[str] | None) -> str | None:
    """The option letter a reply gives: a letter alone or in parentheses, "answer is B", or an
    option's text (when ``choices`` are known). None when none can be read."""
    t = text.strip()
    allowed = letters(len(choices)) if choices else letters(26)
    for pat in _LETTER_PATTERNS:
        m = pat.search(t)
        if m and m.group(1).upper() in allowed:
            return m.group(1).upper()
    if choices:
        norm = _norm(t)
        for i, c in enumerate(choices):
            if norm == _norm(c):
                return letters(len(choices))[i]
        hits = [
            i
            for i, c in enumerate(choices)
            if _norm(c) and re.search(rf"\b{re.escape(_norm(c))}\b", norm)
        ]
        if len(hits) == 1:
            return letters(len(choices))[hits[0]]
    return None


def _norm(s: str) -> str:
    return " ".join(str(s).lower().strip().rstrip(".").split())


def gold_letter(sample: Sample) -> str:
    """The sample's correct letter: its target when a letter, an index into ``choices``, or the
    text of one of them."""
    target = sample.target
    choices = sample.metadata.get("choices") or []
    if isinstance(target, int) and not isinstance(target, bool) and 0 <= target < len(choices):
        return letters(len(choices))[target]
    t = str(target).strip()
    if len(t) == 1 and t.upper().isalpha():
        return t.upper()
    m = re.fullmatch(r"\(?([A-Za-z])\)?", t)
    if m:
        return m.group(1).upper()
    for i, c in enumerate(choices):
        if _norm(c) == _norm(t):
            return letters(len(choices))[i]
    return t


def score_choice(sample: Sample, completion: str) -> Score:
    got = parse_choice(answer_text(completion), sample.metadata.get("choices"))
    if got is None:
        return Score(
            value=0.0,
            explanation="format failure: no option letter or option text",
            metadata={"format_failure": True},
        )
    ok = got == gold_letter(sample)
    return Score(value=1.0 if ok else 0.0, answer=got, metadata={"format_failure": False})


# ----------------------------------------------------------------------------- numbers

#: a unit's exponent ("cm^2", "m²") is not the answer
_EXPONENT = re.compile(r"\^\s*\{?\s*\d\s*\}?|[²³]")
_FRAC_TEX = re.compile(r"\\[dt]?frac\{\s*([^{}]+?)\s*\}\{\s*([^{}]+?)\s*\}")
_SQRT = re.compile(rf"(?:({_NUM})\s*\*?\s*)?(?:\\sqrt\{{\s*({_NUM})\s*\}}|√\s*({_NUM}))")
_NUMBER_FRAC = re.compile(rf"({_NUM})\s*/\s*({_NUM})|({_NUM})")


def parse_number(text: str) -> tuple[float, int | None] | None:
    """The last number in ``text`` and the decimals it was written with (None for a fraction or
    root); None when there is none. Reads fractions ``3/4`` and ``\\frac{3}{4}``, square roots
    ``2\\sqrt{3}`` and ``2√3``, thousands commas; a unit's exponent is ignored (``12 cm^2``)."""
    t = text.replace(",", "").replace("\\left", "").replace("\\right", "")
    t = _EXPONENT.sub(" ", t)
    t = _FRAC_TEX.sub(lambda m: f"{m.group(1)}/{m.group(2)}", t)
    roots = list(_SQRT.finditer(t))
    if roots:
        m = roots[-1]
        coef = float(m.group(1)) if m.group(1) else 1.0
        return coef * math.sqrt(float(m.group(2) or m.group(3))), None
    found = list(_NUMBER_FRAC.finditer(t))
    if not found:
        return None
    m = found[-1]
    if m.group(1) is not None:
        den = float(m.group(2))
        if den == 0:
            return None
        return float(m.group(1)) / den, None
    s = m.group(3)
    return float(s), (len(s.split(".")[1]) if "." in s else 0)


def same_number(answer: tuple[float, int | None], gold: float, rel_tol: float = 1e-4) -> bool:
    """Equal within ``rel_tol`` (relative), or, for an answer written with 2+ decimals, equal
    to the gold value rounded to those decimals (0.33 for 1/3)."""
    value, decimals = answer
    if math.isclose(value, gold, rel_tol=rel_tol, abs_tol=1e-9):
        return True
    if decimals is None or decimals < 2:
        return False
    return round(gold, decimals) == round(value, decimals)


def gold_number(sample: Sample) -> float:
    got = parse_number(str(sample.target))
    if got is None:
        raise ValueError(f"sample '{sample.id}': target {sample.target!r} is not a number")
    return got[0]


def score_number(sample: Sample, completion: str) -> Score:
    got = parse_number(answer_text(completion))
    if got is None:
        return Score(
            value=0.0, explanation="format failure: no number", metadata={"format_failure": True}
        )
    ok = same_number(got, gold_number(sample))
    return Score(value=1.0 if ok else 0.0, answer=repr(got[0]), metadata={"format_failure": False})


# ----------------------------------------------------------------------------- the metrics

#: reward for each answer type; ``modomodo_reward`` dispatches on ``metadata.answer_type``
SCORERS = {"box": score_box, "choice": score_choice, "number": score_number}
#: a grounding answer counts as correct (accuracy) at IoU >= 0.5, the usual detection rule
IOU_CORRECT = 0.5


class BoxIoU(Metric):
    name = "modomodo_iou"
    description = "IoU of the reply's box with the gold box (0 and a format failure if unreadable)."

    def score(self, sample: Sample, output: SolveOutput) -> Score:
        return score_box(sample, output.completion)


class ChoiceAccuracy(Metric):
    name = "modomodo_choice"
    description = "1 if the reply's option (letter, '(B)', or option text) is the gold one."

    def score(self, sample: Sample, output: SolveOutput) -> Score:
        return score_choice(sample, output.completion)


class NumberAccuracy(Metric):
    name = "modomodo_number"
    description = "1 if the reply's number (fractions, roots, units stripped) equals the gold."

    def score(self, sample: Sample, output: SolveOutput) -> Score:
        return score_number(sample, output.completion)


class ThinkAnswerFormat(Metric):
    name = "modomodo_format"
    description = "1 if the reply is exactly <think>...</think><answer>...</answer>."

    def score(self, sample: Sample, output: SolveOutput) -> Score:
        return Score(value=1.0 if _FORMAT.match(output.completion) else 0.0)


class Reward(Metric):
    """The paper's per-dataset reward in one metric, so one ``--rewards`` list serves a mixed
    stream: IoU, choice or number accuracy by the sample's ``answer_type``."""

    name = "modomodo_reward"
    description = "IoU / choice / number reward by the sample's metadata.answer_type."

    def score(self, sample: Sample, output: SolveOutput) -> Score:
        kind = sample.metadata.get("answer_type")
        if kind not in SCORERS:
            raise ValueError(
                f"sample '{sample.id}': metadata.answer_type is {kind!r}, not one of "
                f"{sorted(SCORERS)}"
            )
        return SCORERS[kind](sample, output.completion)


class Accuracy(Metric):
    """Correct or not: a box at IoU >= 0.5, the right option, the right number."""

    name = "modomodo_accuracy"
    description = "1 if correct: box IoU >= 0.5, right option, right number (by answer_type)."

    def score(self, sample: Sample, output: SolveOutput) -> Score:
        got = Reward().score(sample, output)
        if sample.metadata.get("answer_type") == "box":
            got = got.model_copy(
                update={"value": 1.0 if (got.value or 0.0) >= IOU_CORRECT else 0.0}
            )
        return got


class FormatFailure(Metric):
    name = "modomodo_format_failure"
    higher_is_better = False
    description = "1 if the answer cannot be read for the sample's answer_type (format failure)."

    def score(self, sample: Sample, output: SolveOutput) -> Score:
        failed = bool(Reward().score(sample, output).metadata.get("format_failure"))
        return Score(value=1.0 if failed else 0.0, metadata={"format_failure": failed})
