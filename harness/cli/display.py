"""Printing results: a metrics table with CIs and pass^k, per-group tables, per-sample reports."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from harness.schemas import RunResult, SampleRecord


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def _ci(lo: float | int | None, hi: float | int | None) -> str:
    return "-" if lo is None or hi is None else f"[{lo:.3f}, {hi:.3f}]"


def _count(n: int, samples: int | None) -> str:
    return str(n) if samples is None or samples == n else f"{n} ({samples})"


def _errors(count: int, share: float | int | None) -> str:
    return str(count) if share is None else f"{count} ({share:.0%})"


def _pass(value: float | None, ci: list[float | None] | None) -> str:
    if value is None:
        return "-"
    return _fmt(value) if not ci else f"{value:.3f} {_ci(ci[0], ci[1])}"


def _console() -> Any:
    import sys

    from rich.console import Console

    # not a terminal (a pipe, a log file): no wrapping at 80 columns, no colour codes
    return Console(highlight=False, width=None if sys.stdout.isatty() else 160)


def print_result(result: RunResult, run_dir: Path | None) -> None:
    from rich.table import Table

    console = _console()
    print(
        f"{result.task} on {result.model}: {result.samples} samples, "
        f"{result.records} records, {result.errors} errors"
    )
    table = Table()
    table.add_column("metric")
    table.add_column("mean", justify="right")
    table.add_column("95% CI", justify="right")
    table.add_column("n (samples)", justify="right")
    table.add_column("errors", justify="right")
    ks = sorted({k for m in result.metrics for k in m.pass_at}, key=int)
    for k in ks:
        table.add_column(f"pass^{k}", justify="right")
    for m in result.metrics:
        table.add_row(
            m.name,
            _fmt(m.mean),
            _ci(m.ci_low, m.ci_high),
            _count(m.n, m.samples),
            _errors(m.errors, m.error_share),
            *[_pass(m.pass_at.get(k), m.pass_at_ci.get(k)) for k in ks],
        )
    console.print(table)
    groups = sorted({g for m in result.metrics for g in m.groups})
    if groups:
        gt = Table(title="by group: mean [95% CI] (n)", title_justify="left")
        gt.add_column("group")
        for m in result.metrics:
            gt.add_column(m.name, justify="right")
        gt.add_column("errors", justify="right")
        for g in groups:
            cells = []
            err = "-"
            for m in result.metrics:
                v = m.groups.get(g)
                if not v:
                    cells.append("-")
                    continue
                ci = _ci(v.get("ci_low"), v.get("ci_high"))
                cells.append(f"{_fmt(v.get('mean'))} {ci} ({v.get('n')})")
                if "errors" in v:
                    err = _errors(int(v["errors"] or 0), v.get("error_share"))
            gt.add_row(g, *cells, err)
        console.print(gt)
    if result.metrics:
        console.print(
            "mean: over every scored record (sample x epoch); CI: bootstrap over samples, "
            "epochs kept together; errors: records that failed, never scored.",
            style="dim",
        )
    for key, value in result.extra.items():
        _print_extra(console, key, value)
    u = result.usage
    cost = f", ${u.cost:.4f}" if u.cost is not None else ""
    console.print(f"tokens: {u.input_tokens} in, {u.output_tokens} out{cost}")
    if run_dir is not None:
        print(f"run directory: {run_dir}")


def _print_extra(console: Any, key: str, value: Any) -> None:
    from rich.table import Table

    if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
        cols: list[str] = []
        for row in value.values():
            cols.extend(c for c in row if c not in cols)
        table = Table(title=key, title_justify="left")
        table.add_column("")
        for c in cols:
            table.add_column(str(c), justify="right")
        for name, row in value.items():
            table.add_row(str(name), *[_cell(row.get(c)) for c in cols])
        console.print(table)
    else:
        console.print(f"{key}: {_cell(value)}")


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3f}"
    return "-" if v is None else str(v)


def print_sample_reports(records: Iterable[SampleRecord], task: Any) -> None:
    """One block per record, in the order given (``harness show`` streams them by sample id and
    epoch from the run index)."""
    for r in records:
        head = f"--- {r.sample_id} (epoch {r.epoch}): {r.status}"
        print(head)
        if r.error:
            print(f"  error: {r.error.type}: {r.error.message}")
            continue
        scores = ", ".join(f"{k}={_cell(v.value)}" for k, v in r.scores.items())
        print(f"  scores: {scores}")
        report = task.report(r) if task is not None else None
        if report:
            print("  " + report.replace("\n", "\n  "))
        elif r.output is not None:
            print(f"  answer: {r.output.completion[:200]!r}")


def print_comparison(
    task: str, runs: list[str], models: list[str], deltas: list[list[Any]]
) -> None:
    """One table: per metric, the baseline's mean (run A), then for each other run its mean and
    its difference from A with the paired 95% CI (``harness.view.data.compare``)."""
    from rich.table import Table

    console = _console()
    labels = [chr(ord("A") + i) if i < 26 else f"R{i}" for i in range(len(runs))]
    print(f"{task}, {len(runs)} runs (A is the baseline):")
    for label, run, model in zip(labels, runs, models, strict=True):
        print(f"  {label}: {run}  ({model})")
    table = Table()
    table.add_column("metric")
    table.add_column("A", justify="right")
    for label in labels[1:]:
        table.add_column(label, justify="right")
        table.add_column(f"{label} - A [95% CI]", justify="right")
        table.add_column("n", justify="right")
    for name in dict.fromkeys(d.name for ds in deltas for d in ds):
        first = next((d for ds in deltas for d in ds if d.name == name and d.n), None)
        row = [name, _fmt(first.a if first else None)]
        for ds in deltas:
            d = next((x for x in ds if x.name == name), None)
            if d is None or not d.n:
                row += ["-", "-", "0"]
                continue
            row += [_fmt(d.b), f"{d.diff:+.3f} {_ci(*d.ci)}", str(d.n)]
        table.add_row(*row)
    console.print(table)
    print(
        "means over the samples both runs scored (n); the difference's CI: a paired bootstrap "
        "over samples, a sample's epochs kept together"
    )
