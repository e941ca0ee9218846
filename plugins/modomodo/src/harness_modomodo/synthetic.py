"""A synthetic image-text set drawn by code: coloured shapes with known boxes, counts, positions
and simple geometry, in five training kinds that stand for the paper's five datasets and three
held-out kinds that are its out-of-distribution benchmark.

| kind | stands for | question | answer |
|---|---|---|---|
| ``coco-box`` | COCO grounding | the box of the {colour} {shape} | box |
| ``lisa-box`` | LISA reasoning grounding | the box of the largest / smallest shape | box |
| ``geo-number`` | GeoQA | area or perimeter of a rectangle on a grid, in cells | number |
| ``sat-choice`` | SAT spatial | one shape left of, right of, above or below another | choice |
| ``sci-choice`` | ScienceQA | which shape appears more often | choice |
| ``ood-count`` | held out | how many {shape}s are there | number |
| ``ood-side-box`` | held out | the box of the shape on the left / right / top / bottom | box |
| ``ood-color-choice`` | held out | what colour is the {shape} | choice |

Every example comes from ``random.Random(seed)`` alone, so a (kind, seed, index) is always the
same picture and question.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness_modomodo.schemas import Example

ID_KINDS = ("coco-box", "lisa-box", "geo-number", "sat-choice", "sci-choice")
OOD_KINDS = ("ood-count", "ood-side-box", "ood-color-choice")
KINDS = ID_KINDS + OOD_KINDS
#: which of the paper's datasets each training kind stands for (same order as ID_KINDS)
PAPER_SOURCE = dict(zip(ID_KINDS, ("COCO", "LISA", "GeoQA", "SAT", "ScienceQA"), strict=True))
COLORS = {
    "red": (220, 40, 40),
    "green": (40, 170, 60),
    "blue": (40, 80, 220),
    "yellow": (230, 200, 30),
}
SHAPES = ("circle", "square", "triangle")
SIZE = 64
CELL = 8


@dataclass
class Shape:
    kind: str
    color: str
    box: tuple[int, int, int, int]  # x1, y1, x2, y2 (pixels, inclusive-exclusive)

    @property
    def center(self) -> tuple[float, float]:
        return (self.box[0] + self.box[2]) / 2, (self.box[1] + self.box[3]) / 2

    @property
    def side(self) -> int:
        return self.box[2] - self.box[0]


@dataclass
class Drawn:
    """One synthetic example before it is written: the picture's shapes and the question."""

    kind: str
    shapes: list[Shape]
    question: str
    answer: Any
    answer_type: str
    choices: list[str] | None = None
    grid: tuple[int, int, int, int] | None = None  # geo-number: rectangle in cells x, y, w, h

    def image(self) -> Any:
        """The picture (a PIL image, RGB, SIZE x SIZE)."""
        from PIL import Image, ImageDraw

        img = Image.new("RGB", (SIZE, SIZE), (255, 255, 255))
        d = ImageDraw.Draw(img)
        if self.grid is not None:
            for v in range(0, SIZE + 1, CELL):
                d.line([(v, 0), (v, SIZE)], fill=(215, 215, 215))
                d.line([(0, v), (SIZE, v)], fill=(215, 215, 215))
            x, y, w, h = self.grid
            d.rectangle(
                [x * CELL, y * CELL, (x + w) * CELL, (y + h) * CELL], outline=(0, 0, 0), width=2
            )
        for s in self.shapes:
            x1, y1, x2, y2 = s.box
            fill = COLORS[s.color]
            if s.kind == "circle":
                d.ellipse([x1, y1, x2 - 1, y2 - 1], fill=fill)
            elif s.kind == "square":
                d.rectangle([x1, y1, x2 - 1, y2 - 1], fill=fill)
            else:
                d.polygon([((x1 + x2) / 2, y1), (x2 - 1, y2 - 1), (x1, y2 - 1)], fill=fill)
        return img


def _place(rng: random.Random, n: int, sizes: list[int] | None = None) -> list[tuple[int, ...]]:
    """``n`` non-overlapping square boxes (with a 2-pixel gap) inside the picture."""
    for _ in range(200):
        boxes: list[tuple[int, ...]] = []
        for i in range(n):
            side = sizes[i] if sizes else rng.randint(12, 20)
            for _ in range(50):
                x, y = rng.randint(0, SIZE - side), rng.randint(0, SIZE - side)
                box = (x, y, x + side, y + side)
                if all(
                    box[2] + 2 <= b[0]
                    or b[2] + 2 <= box[0]
                    or box[3] + 2 <= b[1]
                    or b[3] + 2 <= box[1]
                    for b in boxes
                ):
                    boxes.append(box)
                    break
        if len(boxes) == n:
            return boxes
    raise RuntimeError(f"cannot place {n} shapes")  # not reached for n <= 6 on 64 px


def _shapes(rng: random.Random, n: int, distinct: bool = True, **kw: Any) -> list[Shape]:
    combos = [(k, c) for k in SHAPES for c in COLORS]
    picks = rng.sample(combos, n) if distinct else [rng.choice(combos) for _ in range(n)]
    return [Shape(k, c, b) for (k, c), b in zip(picks, _place(rng, n, **kw), strict=True)]  # type: ignore[arg-type]


BOX_ASK = "Give its bounding box as [x1, y1, x2, y2] in pixels."


def _coco(rng: random.Random) -> Drawn:
    shapes = _shapes(rng, rng.randint(2, 3))
    t = rng.choice(shapes)
    q = f"Find the {t.color} {t.kind}. {BOX_ASK}"
    return Drawn("coco-box", shapes, q, list(t.box), "box")


def _lisa(rng: random.Random) -> Drawn:
    n = rng.randint(2, 3)
    sizes = rng.sample(range(10, 26, 5), n)
    shapes = _shapes(rng, n, sizes=sizes)
    which = rng.choice(("largest", "smallest"))
    t = (max if which == "largest" else min)(shapes, key=lambda s: s.side)
    q = f"Find the {which} shape. {BOX_ASK}"
    return Drawn("lisa-box", shapes, q, list(t.box), "box")


def _geo(rng: random.Random) -> Drawn:
    w, h = rng.randint(1, 4), rng.randint(1, 4)
    x, y = rng.randint(0, 8 - w), rng.randint(0, 8 - h)
    if rng.random() < 0.5:
        q, a = "What is the area of the rectangle, in grid cells?", w * h
    else:
        q, a = "What is the perimeter of the rectangle, in cell sides?", 2 * (w + h)
    return Drawn("geo-number", [], q, str(a), "number", grid=(x, y, w, h))


SIDES = ("left", "right", "above", "below")


def _sat(rng: random.Random) -> Drawn:
    while True:
        a, b = _shapes(rng, 2)
        dx, dy = a.center[0] - b.center[0], a.center[1] - b.center[1]
        if abs(abs(dx) - abs(dy)) >= 8:
            break
    rel = ("left" if dx < 0 else "right") if abs(dx) > abs(dy) else ("above" if dy < 0 else "below")
    choices = list(SIDES)
    rng.shuffle(choices)
    q = f"Where is the {a.color} {a.kind} relative to the {b.color} {b.kind}?"
    return Drawn("sat-choice", [a, b], q, "ABCD"[choices.index(rel)], "choice", choices)


def _sci(rng: random.Random) -> Drawn:
    k1, k2 = rng.sample(SHAPES, 2)
    n1 = rng.randint(2, 4)
    n2 = rng.randint(1, n1 - 1)
    kinds = [k1] * n1 + [k2] * n2
    boxes = _place(rng, len(kinds))
    shapes = [Shape(k, rng.choice(list(COLORS)), b) for k, b in zip(kinds, boxes, strict=True)]  # type: ignore[arg-type]
    choices = [f"{k1}s", f"{k2}s"]
    rng.shuffle(choices)
    q = "Which shape appears more often in the picture?"
    return Drawn("sci-choice", shapes, q, "AB"[choices.index(f"{k1}s")], "choice", choices)


def _count(rng: random.Random) -> Drawn:
    n = rng.randint(1, 5)
    boxes = _place(rng, n)
    shapes = [Shape(rng.choice(SHAPES), rng.choice(list(COLORS)), b) for b in boxes]  # type: ignore[arg-type]
    k = rng.choice(SHAPES)
    q = f"How many {k}s are in the picture?"
    return Drawn("ood-count", shapes, q, str(sum(s.kind == k for s in shapes)), "number")


def _side(rng: random.Random) -> Drawn:
    while True:
        shapes = _shapes(rng, rng.randint(2, 3))
        side = rng.choice(("left", "right", "top", "bottom"))
        axis, sign = {"left": (0, 1), "right": (0, -1), "top": (1, 1), "bottom": (1, -1)}[side]
        keyed = sorted(shapes, key=lambda s: sign * s.center[axis])
        if abs(keyed[0].center[axis] - keyed[1].center[axis]) >= 8:
            break
    q = f"Find the shape on the {side}. {BOX_ASK}"
    return Drawn("ood-side-box", shapes, q, list(keyed[0].box), "box")


def _color(rng: random.Random) -> Drawn:
    shapes = _shapes(rng, 2)
    while shapes[0].kind == shapes[1].kind:
        shapes = _shapes(rng, 2)
    t = rng.choice(shapes)
    choices = rng.sample(list(COLORS), 4)
    q = f"What color is the {t.kind}?"
    return Drawn("ood-color-choice", shapes, q, "ABCD"[choices.index(t.color)], "choice", choices)


MAKERS = {
    "coco-box": _coco,
    "lisa-box": _lisa,
    "geo-number": _geo,
    "sat-choice": _sat,
    "sci-choice": _sci,
    "ood-count": _count,
    "ood-side-box": _side,
    "ood-color-choice": _color,
}


def draw(kind: str, seed: int, index: int) -> Drawn:
    """Example ``index`` of ``kind`` for ``seed`` (the same every time)."""
    if kind not in MAKERS:
        raise ValueError(f"unknown synthetic kind '{kind}'; kinds: {', '.join(KINDS)}")
    key = hashlib.sha256(f"{kind}/{seed}/{index}".encode()).digest()
    return MAKERS[kind](random.Random(int.from_bytes(key[:8], "big")))


def write_set(out_dir: Path, kinds: list[str], per_kind: int, seed: int) -> Path:
    """Draw ``per_kind`` examples of each kind into ``out_dir`` (PNGs under ``images/``, one
    ``records.jsonl`` of :class:`Example`); returns the records file."""
    (out_dir / "images").mkdir(parents=True, exist_ok=True)
    path = out_dir / "records.jsonl"
    with path.open("w", encoding="utf-8") as f:
        for kind in kinds:
            for i in range(per_kind):
                d = draw(kind, seed, i)
                name = f"images/{kind}-{seed}-{i}.png"
                d.image().save(out_dir / name)
                ex = Example(
                    id=f"{kind}-{seed}-{i}",
                    source=kind,
                    image=name,
                    question=d.question,
                    answer=d.answer,
                    answer_type=d.answer_type,  # type: ignore[arg-type]
                    choices=d.choices,
                    image_size=(SIZE, SIZE),
                )
                f.write(json.dumps(ex.model_dump(mode="json")) + "\n")
    return path
