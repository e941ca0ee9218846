"""What the viewer shows, read from run directories; no web framework here (the static export
and the app both use it).

Metrics are never computed here in a way of our own: a finished run's are its ``results.json``
(what ``harness show`` prints), an unfinished run's come from
:func:`harness.run.results.result_from_index` (what ``harness show`` prints for it), and compare's
paired differences use :func:`harness.stats.cluster_bootstrap_ci` clustered by sample, as
``harness.stats`` does for every interval."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import UserError
from harness.run.index import IndexRow, RunIndex
from harness.run.lock import is_locked
from harness.schemas import RunResult, SampleRecord, text_of

PAGE = 50


@dataclass
class RunSummary:
    """One line of the runs list."""

    run_id: str
    path: Path
    kind: str  # run | generate | train | damaged
    task: str
    models: dict[str, str]  # role -> model
    created: str
    status: str  # finished | running | interrupted | failed | damaged
    samples: int | None = None
    records: int | None = None
    errors: int | None = None
    headline: list[tuple[str, float | None, float | None, float | None]] = field(
        default_factory=list
    )  # (metric, mean, ci low, ci high)
    damage: list[str] = field(default_factory=list)

    def metric(self, name: str) -> float | None:
        for m, v, _, _ in self.headline:
            if m == name:
                return v
        return None


def is_run_dir(path: Path) -> bool:
    return (path / "run.json").is_file()


def run_dirs(root: Path) -> list[Path]:
    """The run directories under ``root`` (``root`` itself when it is one), newest first."""
    if is_run_dir(root):
        return [root]
    if not root.is_dir():
        raise UserError(f"{root}: no such directory")
    found = [p for p in root.iterdir() if p.is_dir() and is_run_dir(p)]
    return sorted(found, key=lambda p: p.name, reverse=True)


def being_written(run_dir: Path) -> bool:
    """True while a process holds the run's write lock (``harness.run.lock``)."""
    return is_locked(run_dir)


def _raw_run_json(run_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"{run_dir / 'run.json'}: not readable JSON ({exc})") from None
    if not isinstance(data, dict):
        raise UserError(f"{run_dir / 'run.json'}: not a JSON object")
    return data


def summarize_run(run_dir: Path) -> RunSummary:
    """The runs-list line of a run directory; damage is shown in it, never raised."""
    try:
        data = _raw_run_json(run_dir)
    except UserError as exc:
        return RunSummary(
            run_dir.name, run_dir, "damaged", "?", {}, "", "damaged", damage=[str(exc)]
        )
    kind = str(data.get("kind", "?"))
    if kind in ("generate", "train"):
        models = {"default": data["model"]} if data.get("model") else {}
        models.update(data.get("model_roles") or {})
        return RunSummary(
            run_dir.name,
            run_dir,
            kind,
            str(data.get("name", "?")),
            models,
            str(data.get("created", "")),
            str(data.get("status", "?")),
        )
    view = RunView(run_dir)
    s = RunSummary(
        run_dir.name,
        run_dir,
        "run",
        view.task,
        view.models(),
        view.created,
        view.status,
        damage=list(view.damage),
    )
    result = view.result(compute=False)
    if result is not None:
        s.samples, s.records, s.errors = result.samples, result.records, result.errors
        s.headline = [(m.name, m.mean, m.ci_low, m.ci_high) for m in result.metrics]
    elif view.index is not None:
        s.records, s.samples, s.errors = view.index.counts()
    view.close()
    return s


class RunView:
    """One evaluation run: its run.json, results and index, and what is damaged in them."""

    def __init__(self, run_dir: Path) -> None:
        from harness.run.results import load_run_file

        self.dir = run_dir
        self.run_id = run_dir.name
        self.damage: list[str] = []
        self.notes: list[str] = []
        self.run_file: Any = None
        self.task = "?"
        self.created = ""
        self.index: RunIndex | None = None
        self._task_obj: Any = None
        self._task_error: str | None = None
        self._result: RunResult | None = None
        self._salvaged: Path | None = None
        try:
            self.run_file = load_run_file(run_dir)
            self.task = self.run_file.config.task
            self.created = self.run_file.created
        except UserError as exc:
            self.damage.append(str(exc))
            return
        self.running = being_written(run_dir)
        if self.running:  # the runner owns the index: read it, never create or rebuild it
            self.index = self._open_read_only()
            return
        try:
            self.index = RunIndex.open(
                run_dir, self.run_file.run_id, self._group_by(), note=self.notes.append
            )
            self.damage += [f"samples.jsonl, {s}" for s in self.index.skipped]
        except UserError as exc:
            self.damage.append(str(exc))
            self._salvage()
        except Exception as exc:  # an unreadable index or journal: shown, never a 500
            self.damage.append(
                f"{run_dir}: cannot read the run index ({type(exc).__name__}: {exc})"
            )

    def _open_read_only(self) -> RunIndex | None:
        """The index of a run being written, opened read-only: it shows what the runner has
        committed (it commits every second or so). Creating or rebuilding it here would pull
        the file from under the runner."""
        import sqlite3

        from harness.run.index import INDEX_NAME

        path = self.dir / INDEX_NAME
        if not path.exists():
            self.notes.append("the run is starting: no records indexed yet")
            return None
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
            conn.execute("SELECT COUNT(*) FROM records").fetchone()
        except sqlite3.Error as exc:
            self.notes.append(f"the run is starting: its index cannot be read yet ({exc})")
            return None
        return RunIndex(conn, self.dir, self._group_by(), path)

    def _salvage(self) -> None:
        """A journal with a bad line inside cannot be indexed in place: index a copy of the
        records that can be read (in a temporary folder, removed on :meth:`close`), so the
        samples before and after the damage are still shown."""
        import tempfile

        from harness.run.journal import read_records

        journal = self.dir / "samples.jsonl"
        skipped: list[str] = []
        tmp = Path(tempfile.mkdtemp(prefix="harness-view-"))
        self._salvaged = tmp
        try:
            n = 0
            with (tmp / "samples.jsonl").open("w", encoding="utf-8") as fh:
                for rec in read_records(journal, strict=False, skipped=skipped):
                    fh.write(rec.model_dump_json() + "\n")
                    n += 1
            assert self.run_file is not None
            self.index = RunIndex.open(
                tmp, self.run_file.run_id, self._group_by(), note=lambda _: None
            )
        except Exception as exc:
            self.damage.append(f"{journal}: cannot salvage the readable records ({exc})")
            return
        self.notes.append(
            f"showing the {n} records of {journal} that could be read; "
            f"{len(skipped)} line{'s' * (len(skipped) != 1)} skipped"
        )

    @property
    def status(self) -> str:
        if self.run_file is None:
            return "damaged"
        if self.running:
            return "running"
        return "finished" if (self.dir / "results.json").exists() else "interrupted"

    def models(self) -> dict[str, str]:
        if self.run_file is None:
            return {}
        cfg = self.run_file.config
        return {"agent": cfg.model, **cfg.model_roles}

    def task_object(self) -> Any:
        """The task, resolved from the installed plugins (None when it cannot be: the run is
        still shown, from its files)."""
        if self._task_obj is None and self._task_error is None and self.run_file is not None:
            from harness.plugins.manager import get_manager
            from harness.plugins.taskfiles import resolve_task

            cfg = self.run_file.config
            try:
                self._task_obj = resolve_task(cfg.task, cfg.task_params, get_manager())
            except Exception as exc:
                self._task_error = f"task '{cfg.task}' cannot be loaded here: {exc}"
        return self._task_obj

    def _group_by(self) -> tuple[str, ...]:
        task = self.task_object()
        return tuple(getattr(task, "group_by", ()) or ())

    def result(self, compute: bool = True) -> RunResult | None:
        """results.json, or for an unfinished run (``compute``) the metrics ``harness show``
        computes from the index."""
        if self._result is not None:
            return self._result
        from harness.run.results import load_results, result_from_index

        if not self.running:
            try:
                self._result = load_results(self.dir)
            except UserError as exc:
                self.damage.append(str(exc))
        if self._result is None and compute and self.index is not None:
            task = self.task_object()
            if task is None:  # not installed here: the metrics, without groups or summary
                self.notes.append(self._task_error or "the task cannot be loaded")
            assert self.run_file is not None
            self._result = result_from_index(self.run_id, self.run_file.config, task, self.index)
        return self._result

    def versions(self) -> dict[str, str]:
        if self.run_file is None:
            return {}
        rf = self.run_file
        return {
            "harness": rf.harness_version,
            "python": rf.python_version.split()[0],
            **rf.plugins,
        }

    def errors_by_kind(self) -> list[tuple[str, int]]:
        if self.index is None:
            return []
        rows = self.index.conn.execute(
            "SELECT error_kind, COUNT(*) FROM records WHERE status != 'ok' "
            "GROUP BY error_kind ORDER BY COUNT(*) DESC"
        ).fetchall()
        return [(str(k), int(n)) for k, n in rows]

    def facets(self) -> dict[str, list[str]]:
        """Values the samples filters offer: stop reasons, error kinds, group keys=values,
        score names."""
        if self.index is None:
            return {}
        c = self.index.conn
        stop = [r[0] for r in c.execute("SELECT DISTINCT stop_reason FROM records") if r[0]]
        kinds = [r[0] for r in c.execute("SELECT DISTINCT error_kind FROM records") if r[0]]
        groups = [
            f"{k}={v}"
            for k, v in c.execute(
                "SELECT key, value FROM (SELECT DISTINCT key, value FROM groups LIMIT 2000) "
                "ORDER BY key, value"
            )
        ]
        names = [r[0] for r in c.execute("SELECT DISTINCT name FROM scores")]
        return {
            "stop_reason": sorted(stop),
            "error_kind": sorted(kinds),
            "group": groups,
            "score": names,
        }

    def samples(self, filters: dict[str, Any], page: int, per_page: int = PAGE) -> SamplesPage:
        """One page of the samples list, from the index."""
        if self.index is None:
            return SamplesPage([], 0, page, per_page, {})
        total = self.index.count(**filters)
        rows = self.index.query(**filters, limit=per_page, offset=page * per_page)
        scores: dict[int, dict[str, float | None]] = {r.id: {} for r in rows}
        if rows:
            marks = ",".join("?" * len(rows))
            for rid, name, value in self.index.conn.execute(
                f"SELECT record, name, value FROM scores WHERE record IN ({marks}) "
                "ORDER BY record, pos",
                [r.id for r in rows],
            ):
                scores[rid][name] = value
        return SamplesPage(rows, total, page, per_page, scores)

    def record(self, rid: int) -> tuple[IndexRow, SampleRecord] | None:
        if self.index is None:
            return None
        from harness.run.index import _ROW_COLUMNS

        got = self.index.conn.execute(
            f"SELECT {_ROW_COLUMNS} FROM records r WHERE r.id = ?", (rid,)
        ).fetchone()
        if got is None:
            return None
        row = IndexRow(*got)
        return row, self.index.record(row)

    def close(self) -> None:
        if self.index is not None:
            self.index.close()
            self.index = None
        if self._salvaged is not None:
            import shutil

            shutil.rmtree(self._salvaged, ignore_errors=True)
            self._salvaged = None

    def __enter__(self) -> RunView:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class SamplesPage:
    rows: list[IndexRow]
    total: int
    page: int
    per_page: int
    scores: dict[int, dict[str, float | None]]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def parse_filters(params: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Samples-list filters from query parameters: status, error_kind, stop_reason, group
    (``key=value``), score (``name<0.5``, ``name=1``), q (full-text). Returns the filters for
    :meth:`RunIndex.query` and the problems with what was given (shown, not raised)."""
    import re

    out: dict[str, Any] = {}
    problems: list[str] = []
    for key in ("status", "error_kind", "stop_reason"):
        if params.get(key):
            out[key] = params[key]
    if params.get("group"):
        k, sep, v = params["group"].partition("=")
        if sep:
            out["group"] = (k, v)
        else:
            problems.append(f"group filter '{params['group']}': expected KEY=VALUE")
    if params.get("score"):
        m = re.fullmatch(r"\s*([^<>=!\s]+)\s*(<=|>=|!=|<|>|=)\s*(-?[0-9.]+)\s*", params["score"])
        if m:
            out["score"] = (m.group(1), m.group(2), float(m.group(3)))
        else:
            problems.append(
                f"score filter '{params['score']}': expected NAME OP NUMBER, e.g. accuracy<1"
            )
    if params.get("q"):
        out["text"] = params["q"]
    return out, problems


# ---------------------------------------------------------------------- transcripts


@dataclass
class Turn:
    """One bubble of a transcript."""

    role: str  # system | user | simulated-user | assistant | tool | error
    label: str
    content: str
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    name: str | None = None


def conversation(record: SampleRecord) -> list[Turn]:
    """The record's transcript as turns: system, user, the simulated user's turns marked as
    such (``simulated_user`` in the output's metadata, written by :mod:`harness.agent`), and the
    environment's answers to text turns (``environment_turns``: a simulated user living in the
    environment, as in UserBench),
    assistant text with its tool calls and arguments, tool observations, and the error."""
    out = record.output
    turns: list[Turn] = []
    if out is not None and out.messages:
        simulated = set(out.metadata.get("simulated_user") or [])
        from_env = set(out.metadata.get("environment_turns") or [])
        for i, m in enumerate(out.messages):
            role: str = m.role
            label: str = m.role
            if m.role == "user" and i in simulated:
                role, label = "simulated-user", "simulated user"
            elif m.role == "user" and i in from_env:
                role, label = "environment", "environment (answering the text turn)"
            elif m.role == "tool":
                label = f"tool {m.name}" if m.name else "tool"
            calls = [
                {
                    "name": c.name,
                    "arguments": json.dumps(c.arguments, ensure_ascii=False),
                    "id": c.id,
                    "error": c.parse_error,
                    "raw": c.raw_arguments if c.parse_error else None,
                }
                for c in m.tool_calls
            ]
            turns.append(Turn(role, label, text_of(m, show_images=True), calls, m.name))
        last = out.messages[-1]
        if out.completion and not (last.role == "assistant" and last.text == out.completion):
            turns.append(Turn("assistant", "final answer", out.completion))
    else:
        if isinstance(record.input, str):
            turns.append(Turn("user", "user (input)", record.input))
        else:
            turns += [Turn(m.role, m.role, text_of(m, show_images=True)) for m in record.input]
        if out is not None and out.completion:
            turns.append(Turn("assistant", "assistant", out.completion))
    if record.error is not None:
        turns.append(Turn("error", f"error: {record.error.type}", record.error.message))
    return turns


# ---------------------------------------------------------------------- compare


@dataclass
class MetricDelta:
    name: str
    a: float | None
    b: float | None
    diff: float | None
    ci: tuple[float | None, float | None]
    n: int  # samples scored in both runs


def _per_sample(index: RunIndex) -> dict[str, dict[str, list[float]]]:
    """metric -> sample -> values over epochs (ok records, scores that apply)."""
    out: dict[str, dict[str, list[float]]] = {}
    for r in index.slim(()):
        if r.status != "ok":
            continue
        for name, v in r.scores.items():
            if v is not None:
                out.setdefault(name, {}).setdefault(r.sample_id, []).append(v)
    return out


def compare(a: RunView, b: RunView, seed: int = 0) -> list[MetricDelta]:
    """Per metric: each run's mean over the samples both scored, the difference (b - a) and its
    95% CI, a paired bootstrap over samples (each sample's epochs kept together:
    :func:`harness.stats.cluster_bootstrap_ci` over per-sample differences of epoch means)."""
    from harness.stats import cluster_bootstrap_ci

    if a.index is None or b.index is None:
        return []
    pa, pb = _per_sample(a.index), _per_sample(b.index)
    out = []
    for name in dict.fromkeys([*pa, *pb]):
        sa, sb = pa.get(name, {}), pb.get(name, {})
        ids = sorted(set(sa) & set(sb))
        if not ids:
            out.append(MetricDelta(name, None, None, None, (None, None), 0))
            continue
        ma = [sum(sa[i]) / len(sa[i]) for i in ids]
        mb = [sum(sb[i]) / len(sb[i]) for i in ids]
        diffs = [[y - x] for x, y in zip(ma, mb, strict=True)]
        ci = cluster_bootstrap_ci(diffs, seed=seed)
        out.append(
            MetricDelta(
                name,
                sum(ma) / len(ids),
                sum(mb) / len(ids),
                sum(d[0] for d in diffs) / len(ids),
                ci,
                len(ids),
            )
        )
    return out


def differing(a: RunView, b: RunView, limit: int = 200) -> list[dict[str, Any]]:
    """Records (same sample and epoch) whose scores or status differ between the runs, with both
    index rows, at most ``limit``."""
    if a.index is None or b.index is None:
        return []

    def table(index: RunIndex) -> dict[tuple[str, int], tuple[int, str, dict[str, Any]]]:
        rows: dict[tuple[str, int], tuple[int, str, dict[str, Any]]] = {}
        cur = index.conn.execute(
            "SELECT r.id, r.sample_id, r.epoch, r.status, s.name, s.value FROM records r "
            "LEFT JOIN scores s ON s.record = r.id ORDER BY r.id, s.pos"
        )
        for rid, sid, epoch, status, name, value in cur:
            cell = rows.setdefault((sid, epoch), (rid, status, {}))
            if name is not None:
                cell[2][name] = value
        return rows

    ta, tb = table(a.index), table(b.index)
    out = []
    for key in sorted(set(ta) & set(tb)):
        ra, rb = ta[key], tb[key]
        if ra[1] != rb[1] or ra[2] != rb[2]:
            out.append(
                {
                    "sample_id": key[0],
                    "epoch": key[1],
                    "a": {"id": ra[0], "status": ra[1], "scores": ra[2]},
                    "b": {"id": rb[0], "status": rb[1], "scores": rb[2]},
                }
            )
            if len(out) >= limit:
                break
    return out


# ---------------------------------------------------------------------- training runs


def training_curves(run_dir: Path) -> dict[str, list[tuple[float, float]]]:
    """From a ``harness train`` run's ``log.jsonl`` (:meth:`harness.jobs.JobContext.log`): every
    numeric field of the events that have a ``step``, as (step, value) series."""
    path = run_dir / "log.jsonl"
    series: dict[str, list[tuple[float, float]]] = {}
    if not path.exists():
        return series
    for line in _lines(path):
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        if not isinstance(ev, dict) or not isinstance(ev.get("step"), int | float):
            continue
        for k, v in ev.items():
            if k != "step" and isinstance(v, int | float) and not isinstance(v, bool):
                series.setdefault(k, []).append((float(ev["step"]), float(v)))
    return series


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8", errors="replace") as fh:
        yield from fh
