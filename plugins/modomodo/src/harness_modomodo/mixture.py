"""Data mixtures: weights on the simplex (one per source, non-negative, summing to 1), the ways the
paper picks them (uniform, single source, Dirichlet samples, heuristics), and a stream of training
examples that honours them."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeVar

from harness.errors import UserError

T = TypeVar("T")
#: how far from 1 a mixture's sum may be (rounding in a CSV or on a command line)
SUM_TOL = 1e-6


def check_weights(weights: Sequence[float], sources: Sequence[str] | None = None) -> list[float]:
    """``weights`` as floats if they are a mixture; a UserError saying what is wrong if not."""
    w = [float(x) for x in weights]
    if sources is not None and len(w) != len(sources):
        raise UserError(
            f"mixture {w} has {len(w)} weights for {len(sources)} sources ({', '.join(sources)})"
        )
    if not w:
        raise UserError("a mixture needs at least one weight")
    if any(not math.isfinite(x) for x in w):
        raise UserError(f"mixture {w}: every weight must be a finite number")
    neg = [i for i, x in enumerate(w) if x < 0]
    if neg:
        names = [sources[i] if sources else str(i) for i in neg]
        raise UserError(f"mixture {w}: weights must not be negative ({', '.join(names)})")
    total = sum(w)
    if abs(total - 1.0) > SUM_TOL:
        raise UserError(f"mixture {w}: weights must sum to 1 (they sum to {total:.6g})")
    return w


def parse_weights(text: str, sources: Sequence[str]) -> list[float]:
    """``"0.2,0.3,..."`` (in source order) or ``"coco=0.5,sat=0.5"`` (unnamed sources 0)."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    try:
        if parts and all("=" in p for p in parts):
            named = {k.strip(): float(v) for k, v in (p.split("=", 1) for p in parts)}
            unknown = sorted(set(named) - set(sources))
            if unknown:
                raise UserError(
                    f"mixture '{text}': unknown source(s) {', '.join(unknown)}; "
                    f"sources: {', '.join(sources)}"
                )
            return check_weights([named.get(s, 0.0) for s in sources], sources)
        return check_weights([float(p) for p in parts], sources)
    except ValueError:
        raise UserError(f"mixture '{text}': weights must be numbers") from None


def uniform(k: int) -> list[float]:
    return [1.0 / k] * k


def single(k: int, i: int) -> list[float]:
    """All weight on source ``i``."""
    return [1.0 if j == i else 0.0 for j in range(k)]


def dirichlet(k: int, n: int, alpha: float = 1.0, seed: int = 0) -> list[list[float]]:
    """``n`` mixtures drawn from Dirichlet(alpha, ..., alpha) (alpha 1: uniform on the simplex)."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        g = [rng.gammavariate(alpha, 1.0) for _ in range(k)]
        s = sum(g)
        out.append([x / s for x in g])
    return out


def heuristic(name: str, sizes: Sequence[float]) -> list[float]:
    """A mixture by rule, from each source's size: ``size`` (proportional to the number of
    examples, i.e. concatenating the sets), ``sqrt-size`` (temperature 0.5 sampling) or
    ``inverse-size`` (small sets up-weighted)."""
    if any(s <= 0 for s in sizes):
        raise UserError(f"heuristic mixture '{name}': every source needs a positive size")
    power = {"size": 1.0, "sqrt-size": 0.5, "inverse-size": -1.0}.get(name)
    if power is None:
        raise UserError(f"unknown heuristic '{name}'; known: size, sqrt-size, inverse-size")
    raw = [s**power for s in sizes]
    return [x / sum(raw) for x in raw]


def design(k: int, n_random: int, seed: int, alpha: float = 1.0) -> list[tuple[str, list[float]]]:
    """The mixtures a study trains: uniform, each single source, then ``n_random`` Dirichlet
    samples; each with its label."""
    out = [("uniform", uniform(k))]
    out += [(f"single-{i}", single(k, i)) for i in range(k)]
    out += [(f"dirichlet-{j}", w) for j, w in enumerate(dirichlet(k, n_random, alpha, seed))]
    return out


class MixtureStream:
    """An endless stream of ``(source, item)``: each draw picks a source with probability its
    weight (independently), then that source's next item (each source is walked in a fresh
    shuffled order every pass). Seeded: the same seed gives the same stream."""

    def __init__(self, pools: Mapping[str, Sequence[T]], weights: Sequence[float], seed: int = 0):
        self.sources = list(pools)
        self.weights = check_weights(weights, self.sources)
        empty = [
            s for s, w in zip(self.sources, self.weights, strict=True) if w > 0 and not pools[s]
        ]
        if empty:
            raise UserError(f"mixture gives weight to empty source(s): {', '.join(empty)}")
        self.pools = pools
        self.rng = random.Random(seed)
        self._order: dict[str, list[int]] = {}
        self._pos: dict[str, int] = {}

    def __iter__(self) -> Iterator[tuple[str, Any]]:
        return self

    def __next__(self) -> tuple[str, Any]:
        (src,) = self.rng.choices(self.sources, weights=self.weights)
        pool = self.pools[src]
        if self._pos.get(src, len(pool)) >= len(pool):
            order = list(range(len(pool)))
            self.rng.shuffle(order)
            self._order[src], self._pos[src] = order, 0
        item = pool[self._order[src][self._pos[src]]]
        self._pos[src] += 1
        return src, item

    def take(self, n: int) -> list[tuple[str, Any]]:
        return [next(self) for _ in range(n)]
