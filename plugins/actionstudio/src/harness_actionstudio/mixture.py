"""Data mixtures: a YAML/JSON config ``name: {size, epochs}`` (optionally ``path``, ``format``,
``ratio``) becomes sampling probabilities that sum to 1, interleaved with ``datasets``.

Probability of dataset i is size_i * epochs_i / sum_j size_j * epochs_j (ActionStudio's rule); or,
if every entry gives ``ratio``, those ratios, which must sum to 1. ``size`` is the number of
training examples taken from the dataset (default: all of them)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.errors import UserError

TOLERANCE = 1e-6


class MixtureEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str | None = Field(default=None, description="Data file (relative to the config).")
    format: str = Field(default="auto", description="Converter format of the file.")
    size: int | None = Field(default=None, ge=1, description="Examples to take (default: all).")
    epochs: float = Field(default=1.0, gt=0, description="Passes over those examples.")
    ratio: float | None = Field(default=None, ge=0, le=1, description="Explicit probability.")


@dataclass
class Source:
    name: str
    path: Path
    format: str
    size: int | None
    epochs: float
    ratio: float | None


def load_mixture(config_path: str, data_paths: list[str]) -> list[Source]:
    """Read and check a mixture config; resolve each name to a file. Raises UserError for a name
    with no file, a bad entry, or explicit ratios that do not sum to 1."""
    p = Path(config_path)
    if not p.exists():
        raise UserError(f"mixture config not found: {p}")
    import yaml

    try:
        raw = (
            yaml.safe_load(p.read_text(encoding="utf-8"))
            if p.suffix in (".yaml", ".yml")
            else json.loads(p.read_text(encoding="utf-8"))
        )
    except (ValueError, yaml.YAMLError) as exc:
        raise UserError(f"mixture config {p}: cannot parse ({exc})") from None
    if isinstance(raw, dict) and isinstance(raw.get("datasets"), dict):
        raw = raw["datasets"]
    if not isinstance(raw, dict) or not raw:
        raise UserError(f"mixture config {p}: expected a mapping name -> {{size, epochs}}")
    by_stem = {Path(d).stem: Path(d) for d in data_paths}
    sources = []
    for name, body in raw.items():
        try:
            entry = MixtureEntry.model_validate(body or {})
        except ValidationError as exc:
            e = exc.errors()[0]
            raise UserError(
                f"mixture config {p}: dataset '{name}': {'.'.join(map(str, e['loc']))}: {e['msg']}"
            ) from None
        sources.append(
            Source(
                str(name),
                _resolve(str(name), entry, p.parent, by_stem),
                entry.format,
                entry.size,
                entry.epochs,
                entry.ratio,
            )
        )
    given = [s.ratio is not None for s in sources]
    if any(given) and not all(given):
        raise UserError(f"mixture config {p}: give 'ratio' for every dataset or for none")
    if all(given):
        total = sum(s.ratio or 0.0 for s in sources)
        if abs(total - 1.0) > TOLERANCE:
            raise UserError(
                f"mixture config {p}: ratios sum to {total:g}, not 1 "
                f"({', '.join(f'{s.name}={s.ratio}' for s in sources)})"
            )
    return sources


def _resolve(name: str, entry: MixtureEntry, base: Path, by_stem: dict[str, Path]) -> Path:
    tried = []
    if entry.path:
        cand = Path(entry.path)
        cand = cand if cand.is_absolute() else base / cand
        if cand.exists():
            return cand
        raise UserError(f"mixture dataset '{name}' not found: {cand} does not exist")
    if name in by_stem:
        return by_stem[name]
    for ext in (".jsonl", ".json"):
        cand = base / f"{name}{ext}"
        tried.append(str(cand))
        if cand.exists():
            return cand
    known = ", ".join(sorted(by_stem)) or "(none)"
    raise UserError(
        f"mixture dataset '{name}' not found: no --data file named {name}.jsonl "
        f"(given: {known}) and none of {', '.join(tried)}"
    )


def probabilities(sources: list[Source], available: dict[str, int]) -> dict[str, dict[str, Any]]:
    """name -> {size (examples used), epochs, probability}, probabilities summing to 1."""
    plan: dict[str, dict[str, Any]] = {}
    for s in sources:
        have = available.get(s.name, 0)
        if have == 0:
            raise UserError(f"mixture dataset '{s.name}' ({s.path}) has no usable examples")
        size = min(s.size or have, have)
        plan[s.name] = {
            "size": size,
            "requested_size": s.size,
            "available": have,
            "epochs": s.epochs,
        }
    if all(s.ratio is not None for s in sources):
        for s in sources:
            plan[s.name]["probability"] = s.ratio
    else:
        weight = {s.name: plan[s.name]["size"] * s.epochs for s in sources}
        total = sum(weight.values())
        for name, w in weight.items():
            plan[name]["probability"] = w / total
    total_p = sum(v["probability"] for v in plan.values())
    if abs(total_p - 1.0) > TOLERANCE:  # cannot happen with weights; kept as an invariant check
        raise UserError(f"mixture probabilities sum to {total_p:g}, not 1")
    return plan


def interleave(datasets_by_name: dict[str, Any], plan: dict[str, dict[str, Any]], seed: int) -> Any:
    """One ``datasets.Dataset``: the mixture sampled with the plan's probabilities until every
    source is exhausted, cut to sum(size * epochs) examples."""
    from datasets import interleave_datasets

    names = list(plan)
    parts = [datasets_by_name[n].shuffle(seed=seed).select(range(plan[n]["size"])) for n in names]
    probs = [plan[n]["probability"] for n in names]
    if len(parts) == 1:
        reps = max(1, round(plan[names[0]]["epochs"]))
        from datasets import concatenate_datasets

        return concatenate_datasets([parts[0]] * reps)
    mixed = interleave_datasets(
        parts, probabilities=probs, seed=seed, stopping_strategy="all_exhausted"
    )
    total = round(sum(plan[n]["size"] * plan[n]["epochs"] for n in names))
    return mixed.select(range(min(total, len(mixed))))
