"""The run's files: run.json read back, results.json built, and JSON written atomically."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.errors import UserError
from harness.schemas import RunConfig, RunFile, RunResult, SampleRecord, Usage
from harness.secrets import scrub
from harness.stats import Aggregator, slim
from harness.task import Task

if TYPE_CHECKING:
    from harness.run.index import RunIndex


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``path`` whole or not at all (a full disk leaves the old file, never half a new
    one)."""
    tmp = path.with_name(path.name + ".tmp")
    text = scrub(json.dumps(data, indent=2, default=str))  # no secret reaches a file
    try:
        tmp.write_text(text + "\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


def load_results(run_dir: Path) -> RunResult | None:
    """``results.json`` read back (None for an unfinished run); a damaged one is an error naming
    the file and how to rebuild it."""
    path = run_dir / "results.json"
    if not path.exists():
        return None
    try:
        return RunResult.model_validate_json(path.read_bytes())
    except (OSError, ValueError) as exc:
        errors = getattr(exc, "errors", None)
        where = ""
        why = str(getattr(exc, "strerror", None) or exc)
        if errors:
            err = errors()[0]
            why = err["msg"]
            where = " at " + "/".join(str(p) for p in err["loc"]) if err["loc"] else ""
        raise UserError(
            f"{path}: damaged results file{where} ({why}); delete it and run "
            f"`harness run --resume {run_dir}` to rebuild it from the journal"
        ) from None


def build_result(
    run_id: str, cfg: RunConfig, task: Task, records: Sequence[SampleRecord]
) -> RunResult:
    """``results.json`` from records (one per sample and epoch) in one streaming pass; the
    task's ``summarize`` gets ``records`` itself (a re-iterable sequence, maybe read lazily)."""
    usage = Usage()
    agg = Aggregator(cfg.epochs, seed=cfg.seed)
    samples: set[str] = set()
    errors = 0
    for r in records:
        usage = usage.add(r.usage)
        agg.add(slim(r, task.group_by))
        samples.add(r.sample_id)
        errors += r.status == "error"
    return RunResult(
        run_id=run_id,
        task=cfg.task,
        model=cfg.model,
        samples=len(samples),
        records=agg.records,
        errors=errors,
        metrics=agg.results(),
        usage=usage,
        extra=_summarize(task, records),
    )


def result_from_index(run_id: str, cfg: RunConfig, task: Task | None, index: RunIndex) -> RunResult:
    """``results.json`` from the run index: counts and usage in SQL, metrics from slim
    projections streamed out of the index; no record is parsed unless the task has its own
    ``summarize`` (which reads the records lazily, one at a time). ``task`` None (a run whose
    task is not installed here, read by the viewer): no groups and no task summary."""
    agg = Aggregator(cfg.epochs, seed=cfg.seed)
    for r in index.slim(task.group_by if task is not None else ()):
        agg.add(r)
    records, samples, errors = index.counts()
    return RunResult(
        run_id=run_id,
        task=cfg.task,
        model=cfg.model,
        samples=samples,
        records=records,
        errors=errors,
        metrics=agg.results(),
        usage=index.usage(),
        extra=_summarize(task, index.view()) if task is not None else {},
    )


def _summarize(task: Task, records: Sequence[SampleRecord]) -> dict[str, Any]:
    if type(task).summarize is Task.summarize:  # the default reads nothing: skip the pass
        return {}
    return task.summarize(records)


def load_run_file(run_dir: Path) -> RunFile:
    path = run_dir / "run.json"
    if not run_dir.is_dir():
        raise UserError(f"{run_dir}: no such run directory")
    if not path.exists():
        raise UserError(f"{run_dir}: not a harness run directory (no run.json)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise UserError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("kind") != "run":
        raise UserError(
            f"{path}: not an evaluation run's run.json (kind={data.get('kind')!r})"
            if isinstance(data, dict)
            else f"{path}: not a run.json"
        )
    try:
        return RunFile.model_validate(data)
    except Exception as exc:
        raise UserError(f"{path}: does not match the run.json schema: {exc}") from None
