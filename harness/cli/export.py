"""``harness export RUN_DIR --format jsonl|parquet|hf``: a run's records as a dataset.

One row per record (sample and epoch, the latest record of each), streamed from the run index:
ids, status and error, the input (text, or the conversation as JSON), the target and metadata
as JSON text (their types vary from sample to sample, which a columnar file cannot hold), the
completion, the whole transcript as a list of messages (tool calls with their arguments as JSON
text), each score as a ``score_<name>`` column beside all scores with answers and explanations,
usage and timing. ``jsonl``: one file; ``parquet``: one file; ``hf``: a folder laid out as a
Hugging Face dataset repository (``data/train-00000-of-00001.parquet`` and a README card), which
``datasets.load_dataset(FOLDER)`` reads and ``huggingface-cli upload`` publishes."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harness.errors import UserError
from harness.schemas import text_of

FORMATS = ("jsonl", "parquet", "hf")
BATCH = 2048


def record_row(run_id: str, task: str, model: str, rec: Any) -> dict[str, Any]:
    """One record flattened (see the module doc)."""
    out = rec.output
    meta = out.metadata if out is not None else {}
    messages = out.messages if out is not None else []
    return {
        "run_id": run_id,
        "task": task,
        "model": model,
        "sample_id": rec.sample_id,
        "epoch": rec.epoch,
        "status": rec.status,
        "error_type": rec.error.type if rec.error else None,
        "error_message": rec.error.message if rec.error else None,
        "input": rec.input
        if isinstance(rec.input, str)
        else json.dumps([m.model_dump(mode="json") for m in rec.input], ensure_ascii=False),
        "target": json.dumps(rec.target, ensure_ascii=False, default=str),
        "metadata": json.dumps(rec.metadata, ensure_ascii=False, default=str),
        "completion": out.completion if out is not None else None,
        "messages": [
            {
                "role": m.role,
                "content": text_of(m, show_images=True),
                "tool_calls": json.dumps(
                    [c.model_dump(mode="json") for c in m.tool_calls], ensure_ascii=False
                )
                if m.tool_calls
                else None,
                "tool_call_id": m.tool_call_id,
                "name": m.name,
            }
            for m in messages
        ],
        "stop_reason": None if meta.get("stop_reason") is None else str(meta["stop_reason"]),
        "scores": json.dumps(
            {k: s.model_dump(mode="json") for k, s in rec.scores.items()}, ensure_ascii=False
        ),
        **{f"score_{k}": s.value for k, s in rec.scores.items()},
        "model_calls": rec.model_calls,
        "input_tokens": rec.usage.input_tokens,
        "output_tokens": rec.usage.output_tokens,
        "cost": rec.usage.cost,
        "seconds": rec.timing.total if rec.timing else None,
        "seed": rec.seed,
    }


def _schema(score_names: list[str]) -> Any:
    import pyarrow as pa

    message = pa.struct(
        [
            ("role", pa.string()),
            ("content", pa.string()),
            ("tool_calls", pa.string()),
            ("tool_call_id", pa.string()),
            ("name", pa.string()),
        ]
    )
    fields = [
        ("run_id", pa.string()),
        ("task", pa.string()),
        ("model", pa.string()),
        ("sample_id", pa.string()),
        ("epoch", pa.int64()),
        ("status", pa.string()),
        ("error_type", pa.string()),
        ("error_message", pa.string()),
        ("input", pa.string()),
        ("target", pa.string()),
        ("metadata", pa.string()),
        ("completion", pa.string()),
        ("messages", pa.list_(message)),
        ("stop_reason", pa.string()),
        ("scores", pa.string()),
        *[(f"score_{n}", pa.float64()) for n in score_names],
        ("model_calls", pa.int64()),
        ("input_tokens", pa.int64()),
        ("output_tokens", pa.int64()),
        ("cost", pa.float64()),
        ("seconds", pa.float64()),
        ("seed", pa.int64()),
    ]
    return pa.schema(fields)


def _rows(index: Any, run_file: Any) -> Iterator[dict[str, Any]]:
    cfg = run_file.config
    for rec in index.records(order="id"):
        yield record_row(run_file.run_id, cfg.task, cfg.model, rec)


def export_run(run_dir: Path, fmt: str, out: Path | None = None) -> tuple[Path, int]:
    """Write the run's records as ``fmt``; returns (what was written, rows)."""
    if fmt not in FORMATS:
        raise UserError(f"--format {fmt}: one of {', '.join(FORMATS)}")
    default = {"jsonl": ".jsonl", "parquet": ".parquet", "hf": "-hf"}[fmt]
    out = out or run_dir.with_name(run_dir.name + default)
    from harness.run.index import RunIndex
    from harness.run.lock import is_locked
    from harness.run.results import load_run_file

    run_file = load_run_file(run_dir)
    if is_locked(run_dir):  # its index belongs to the runner until it finishes
        raise UserError(f"{run_dir} is being written; export it once the run has finished")
    index = RunIndex.open(run_dir, run_file.run_id)
    names = [r[0] for r in index.conn.execute("SELECT DISTINCT name FROM scores ORDER BY name")]
    rows = _rows(index, run_file)
    tmp = out.with_name(out.name + ".tmp")
    try:
        if fmt == "jsonl":
            with tmp.open("w", encoding="utf-8") as fh:
                n = 0
                for row in rows:
                    fh.write(json.dumps(row, ensure_ascii=False) + "\n")
                    n += 1
            os.replace(tmp, out)
            return out, n
        if fmt == "parquet":
            n = _write_parquet(rows, names, tmp)
            os.replace(tmp, out)
            return out, n
        if out.exists():
            raise UserError(f"{out}: already exists; remove it or give --out")
        (tmp / "data").mkdir(parents=True, exist_ok=True)
        n = _write_parquet(rows, names, tmp / "data" / "train-00000-of-00001.parquet")
        (tmp / "README.md").write_text(_card(run_file, n, names), encoding="utf-8")
        os.replace(tmp, out)
        return out, n
    except ImportError as exc:
        raise UserError(
            f"--format {fmt} needs pyarrow ({exc.name} is missing): "
            "pip install 'agentharness[datasets]'"
        ) from None
    except OSError as exc:
        raise UserError(f"{out}: cannot write ({exc.strerror or exc})") from None
    finally:
        index.close()
        if tmp.is_dir():
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)


def _write_parquet(rows: Iterator[dict[str, Any]], names: list[str], path: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = _schema(names)
    n = 0
    with pq.ParquetWriter(path, schema) as writer:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                n += len(batch)
                batch = []
        if batch or n == 0:
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            n += len(batch)
    return n


def _card(run_file: Any, n: int, names: list[str]) -> str:
    cfg = run_file.config
    scores = ", ".join(f"`score_{s}`" for s in names) or "none"
    return (
        "---\n"
        "configs:\n"
        "- config_name: default\n"
        "  data_files:\n"
        "  - split: train\n"
        "    path: data/train-*.parquet\n"
        "---\n\n"
        f"# harness run {run_file.run_id}\n\n"
        f"{n} records of task `{cfg.task}` answered by `{cfg.model}` "
        f"(roles: {json.dumps(cfg.model_roles) if cfg.model_roles else 'none'}), "
        f"{cfg.epochs} epoch(s), seed {cfg.seed}; harness {run_file.harness_version}, "
        f"started {run_file.created}.\n\n"
        "One row per record (sample and epoch). `target`, `metadata`, `scores` and each "
        "message's `tool_calls` are JSON text; the score columns are "
        f"{scores}.\n\n"
        "Written by `harness export --format hf`; load it with "
        "`datasets.load_dataset(THIS_FOLDER)`.\n"
    )
