"""Data side of a training run: read and convert files, verify, render and tokenize, filter by
length, mix. Every user mistake surfaces here, before a model is trained."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import UserError
from harness_actionstudio.converters import ConvertOptions, convert_files, load_options
from harness_actionstudio.mixture import Source, load_mixture
from harness_actionstudio.options import TrainOptions
from harness_actionstudio.preprocess import (
    Tokenized,
    build_examples,
    filter_lengths,
    preview,
    tokenize,
)
from harness_actionstudio.unified import UnifiedRecord
from harness_actionstudio.verify import verify

Log = Callable[..., None]


@dataclass
class DataSet:
    """Verified records of one source (a --data file set, or one mixture entry)."""

    name: str
    records: list[UnifiedRecord]
    report: dict[str, Any] = field(default_factory=dict)


def load_sources(opts: TrainOptions) -> tuple[list[Source] | None, list[DataSet]]:
    """Convert and verify the data named by the options. Writes nothing."""
    if not opts.data and not opts.mixture:
        raise UserError("no training data: pass --data FILE [FILE ...] (or --mixture CONFIG)")
    conv = load_options(opts.tools_file, opts.answers_file)
    if opts.mixture:
        sources = load_mixture(opts.mixture, opts.data)
        sets = [_load(s.name, [s.path], s.format, conv) for s in sources]
        return sources, sets
    missing = [d for d in opts.data if not Path(d).exists()]
    if missing:
        raise UserError(f"data file not found: {', '.join(missing)}")
    return None, [_load("data", [Path(d) for d in opts.data], opts.format, conv)]


def _load(name: str, paths: list[Path], fmt: str, conv: ConvertOptions) -> DataSet:
    result = convert_files(paths, fmt, conv)
    checked = verify(result.records)
    report = {
        "files": [str(p) for p in paths],
        "converted": len(result.records),
        "formats": result.formats,
        "rejected": [r.as_dict() for r in result.rejected],
        "verify": checked.summary(),
        "problems": [p.as_dict() for p in checked.problems],
    }
    return DataSet(name, checked.passed, report)


def check_invalid(sets: list[DataSet], mode: str, log: Log) -> dict[str, Any]:
    """Trajectories that failed conversion or verification: stop (``error``, naming the count and
    the first bad record) or leave them out (``drop``: the count is logged and returned)."""
    bad: list[dict[str, str]] = []
    for s in sets:
        bad += [
            {"dataset": s.name, "id": r["id"], "why": r["reason"]} for r in s.report["rejected"]
        ]
        seen: set[str] = set()
        for p in s.report["problems"]:
            if p["id"] not in seen:
                seen.add(p["id"])
                bad.append(
                    {"dataset": s.name, "id": p["id"], "why": f"{p['check']}: {p['detail']}"}
                )
    if bad and mode == "error":
        first = bad[0]
        raise UserError(
            f"{len(bad)} trajectories fail verification; the first is {first['id']} "
            f"({first['why']}); fix the data or pass --invalid drop to train without them"
        )
    if bad:
        log("invalid_dropped", count=len(bad), first=bad[0]["id"])
        print(f"dropped {len(bad)} trajectories that fail verification (first: {bad[0]['id']})")
    return {"dropped": len(bad), "first": bad[0] if bad else None}


def tokenize_set(
    ds: DataSet, tokenizer: Any, template: str, opts: TrainOptions
) -> tuple[list[Tokenized], dict[str, Any]]:
    items = [
        tokenize(tokenizer, template, ex)
        for rec in ds.records
        for ex in build_examples(rec, opts.system_prompt)
    ]
    kept, lengths = filter_lengths(items, opts.max_seq_length, opts.overlong)
    info = {"examples": len(items), "kept": lengths.kept, "dropped_overlong": lengths.dropped}
    if items and not kept:
        raise UserError(
            f"dataset '{ds.name}': every example is longer than max_seq_length "
            f"{opts.max_seq_length} (longest {max(len(t.input_ids) for t in items)} "
            "tokens); raise --max-seq-length"
        )
    return kept, info


def to_hf(items: list[Tokenized]) -> Any:
    from datasets import Dataset

    return Dataset.from_dict(
        {"input_ids": [t.input_ids for t in items], "labels": [t.labels for t in items]}
    )


def write_reports(
    out_dir: Path, sets: list[DataSet], token_info: dict[str, Any], previews: list[str]
) -> dict[str, Any]:
    """verify_report.json, rejected.jsonl, preview.txt; returns the summary figures."""
    report = {
        "datasets": {s.name: {**s.report, "tokens": token_info.get(s.name, {})} for s in sets}
    }
    (out_dir / "verify_report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    with (out_dir / "rejected.jsonl").open("w", encoding="utf-8") as f:
        for s in sets:
            for r in s.report["rejected"]:
                f.write(json.dumps({"dataset": s.name, "stage": "convert", **r}) + "\n")
            for p in s.report["problems"]:
                f.write(json.dumps({"dataset": s.name, "stage": "verify", **p}) + "\n")
            for d in token_info.get(s.name, {}).get("dropped_overlong", []):
                f.write(json.dumps({"dataset": s.name, "stage": "length", **d}) + "\n")
    (out_dir / "preview.txt").write_text("\n".join(previews), encoding="utf-8")
    return {
        "records_converted": sum(s.report["converted"] for s in sets),
        "records_rejected": sum(len(s.report["rejected"]) for s in sets),
        "records_failed_verify": sum(s.report["verify"]["failed"] for s in sets),
        "records_used": sum(len(s.records) for s in sets),
        "examples": sum(v.get("kept", 0) for v in token_info.values()),
        "examples_dropped_overlong": sum(
            len(v.get("dropped_overlong", [])) for v in token_info.values()
        ),
    }


def previews(tokenizer: Any, items: list[Tokenized], n: int) -> list[str]:
    return [preview(tokenizer, t) for t in items[:n]]
