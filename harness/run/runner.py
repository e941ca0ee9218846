"""The evaluation runner: samples x epochs through a task, journaled, resumable, aggregated."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as _dt
import hashlib
import itertools
import platform
import secrets
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, overload

from harness import __version__
from harness.callpath.slots import RunSlots, holding_slot
from harness.context import Roles, SolveContext
from harness.deadline import SampleDeadline
from harness.errors import UserError
from harness.model import ModelWrapper
from harness.plugins.manager import PluginManager, get_manager
from harness.plugins.taskfiles import resolve_task
from harness.run.heap import frozen_heap
from harness.run.index import RunIndex
from harness.run.journal import Journal, compact, repair_tail
from harness.run.lock import RunLock
from harness.run.progress import ProgressFactory, RunProgress, silent_progress
from harness.run.results import load_run_file, result_from_index, write_json_atomic
from harness.run.roles import build_roles, build_wrappers
from harness.schemas import RunConfig, RunFile, RunResult, Sample, SampleError, SampleRecord, Timing
from harness.seeds import derive_seed as derive_seed  # re-exported: its old home
from harness.task import Task


def task_samples(task: Task) -> Iterator[Sample]:
    """``task.samples()``, a sample the task cannot build (an image path that does not exist,
    an unknown content part) being one clear error."""
    from pydantic import ValidationError

    try:
        yield from task.samples()
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        raise UserError(
            f"the task's data is invalid: {where + ': ' if where else ''}{msg}"
        ) from None


def select_samples(
    samples: Sequence[Sample], limit: int | None, sample_ids: Sequence[str] | None
) -> list[Sample]:
    seen: set[str] = set()
    for s in samples:
        if s.id in seen:
            raise UserError(f"the task's dataset has two samples with id '{s.id}'")
        seen.add(s.id)
    chosen = list(samples)
    if sample_ids:
        by_id = {s.id: s for s in chosen}
        missing = [i for i in sample_ids if i not in by_id]
        if missing:
            from harness.errors import did_you_mean

            raise UserError(f"unknown sample id '{missing[0]}'.{did_you_mean(missing[0], by_id)}")
        chosen = [by_id[i] for i in sample_ids]
    if limit is not None:
        if limit < 1:
            raise UserError("--limit must be at least 1")
        chosen = chosen[:limit]
    if not chosen:
        raise UserError("the task has no samples to run")
    return chosen


def data_hash(samples: Sequence[Sample]) -> str:
    h = hashlib.sha256()
    for s in samples:
        h.update(s.model_dump_json().encode())
        h.update(b"\n")
    return h.hexdigest()


class Selection(Sequence[Sample]):
    """The run's samples (after ``--limit`` and ``--sample-id``), streamed from the task each
    time they are iterated instead of held: a task whose ``samples()`` is a generator runs
    100,000 samples without keeping them. One pass at creation checks the ids are unique and
    takes the data hash (the same as :func:`select_samples` then :func:`data_hash`)."""

    def __init__(self, task: Task, limit: int | None, sample_ids: Sequence[str] | None) -> None:
        if limit is not None and limit < 1:
            raise UserError("--limit must be at least 1")
        self._task = task
        self._limit = limit
        self._chosen: list[Sample] | None = None
        wanted = set(sample_ids or ())
        picked: dict[str, Sample] = {}
        seen: set[str] = set()
        h = hashlib.sha256()
        n = 0
        for s in task_samples(task):
            if s.id in seen:
                raise UserError(f"the task's dataset has two samples with id '{s.id}'")
            seen.add(s.id)
            if sample_ids:
                if s.id in wanted:
                    picked[s.id] = s
            elif limit is None or n < limit:
                h.update(s.model_dump_json().encode())
                h.update(b"\n")
                n += 1
        if sample_ids:
            missing = [i for i in sample_ids if i not in picked]
            if missing:
                from harness.errors import did_you_mean

                hint = did_you_mean(missing[0], seen)
                raise UserError(f"unknown sample id '{missing[0]}'.{hint}")
            self._chosen = [picked[i] for i in sample_ids][:limit]
            for s in self._chosen:
                h.update(s.model_dump_json().encode())
                h.update(b"\n")
            n = len(self._chosen)
        if not n:
            raise UserError("the task has no samples to run")
        self.n = n
        self.data_hash = h.hexdigest()

    def __iter__(self) -> Iterator[Sample]:
        if self._chosen is not None:
            yield from self._chosen
            return
        for i, s in enumerate(task_samples(self._task)):
            if self._limit is not None and i >= self._limit:
                return
            yield s

    def __len__(self) -> int:
        return self.n

    @overload
    def __getitem__(self, i: int) -> Sample: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Sample]: ...
    def __getitem__(self, i: int | slice) -> Sample | Sequence[Sample]:
        if isinstance(i, slice):
            return list(self)[i]
        if i < 0:
            i += self.n
        if not 0 <= i < self.n:
            raise IndexError(i)
        return next(itertools.islice(iter(self), i, None))


class _LazySelection(Sequence[Sample]):
    """A :class:`Selection` made on first use (a finished run resumed needs none)."""

    def __init__(self, make: Callable[[], Selection]) -> None:
        self._make = make
        self._made: Selection | None = None

    def _selection(self) -> Selection:
        if self._made is None:
            self._made = self._make()
        return self._made

    def __iter__(self) -> Iterator[Sample]:
        return iter(self._selection())

    def __len__(self) -> int:
        return len(self._selection())

    @overload
    def __getitem__(self, i: int) -> Sample: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Sample]: ...
    def __getitem__(self, i: int | slice) -> Sample | Sequence[Sample]:
        return self._selection()[i]


@dataclass
class RunContext:
    """What lifecycle hooks see. ``records`` is the run's latest record per sample and epoch
    so far, read from the journal (through the run index) when iterated."""

    run_dir: Path
    config: RunConfig
    task: Task
    samples: Sequence[Sample]
    manager: PluginManager
    records: Sequence[SampleRecord]


class Runner:
    def __init__(
        self,
        config: RunConfig,
        out_dir: Path | str = "runs",
        manager: PluginManager | None = None,
        progress: ProgressFactory | None = None,
        wrappers: Sequence[ModelWrapper] | None = None,
        model_overrides: dict[str, Any] | None = None,
        executor: Any | None = None,
    ) -> None:
        self.config = config
        # None: samples run in this process; else an executor with start/solve/close (the
        # samples run elsewhere, e.g. harness.run.ray_exec.RayExecutor; records come back here)
        self.executor = executor
        self.out_dir = Path(out_dir)
        self.manager = manager or get_manager()
        self.progress = progress or silent_progress
        self._wrappers = wrappers
        self._model_overrides = model_overrides or {}
        self.roles_asked: set[str] = set()  # after a run: the roles the task asked for
        self.unused_roles: list[str] = []  # after a run: --model-role names nothing asked for

    # ------------------------------------------------------------------ setup

    def _task(self) -> Task:
        return resolve_task(self.config.task, self.config.task_params, self.manager)

    def _models(self, run_dir: Path | None) -> tuple[Roles | None, list[Any]]:
        if self.executor is not None:  # the executor's workers hold the models
            self.executor.start(self.config, self.manager)
            return None, []
        wrappers = (
            list(self._wrappers)
            if self._wrappers is not None
            else build_wrappers(self.config, run_dir)
        )
        return build_roles(self.config, wrappers, self.manager, self._model_overrides)

    # ------------------------------------------------------------------ entry points

    def run(self) -> tuple[Path, RunResult]:
        task = self._task()
        self.config = self.config.model_copy(
            update={"task_params": task.options.model_dump(mode="json")}
        )
        samples = Selection(task, self.config.limit, self.config.sample_ids)
        run_id = (
            _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            + f"-{_slug(self.config.task)}-{secrets.token_hex(3)}"
        )
        run_dir = self.out_dir / run_id
        roles, models = self._models(run_dir)  # model errors surface before anything is written
        try:
            try:
                run_dir.mkdir(parents=True, exist_ok=False)
            except OSError as exc:
                raise UserError(
                    f"--out {self.out_dir}: cannot create a run directory there ({exc.strerror})"
                ) from None
            with RunLock(run_dir), disk_errors(run_dir):
                return run_dir, self._start(run_dir, run_id, task, samples, roles, models)
        finally:
            self._close_executor()

    def _start(
        self,
        run_dir: Path,
        run_id: str,
        task: Task,
        samples: Selection,
        roles: Roles | None,
        models: list[Any],
    ) -> RunResult:
        run_file = RunFile(
            run_id=run_id,
            created=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            config=self.config,
            harness_version=__version__,
            python_version=platform.python_version(),
            plugins=self.manager.versions(),
            data_hash=samples.data_hash,
            n_samples=len(samples),
        )
        write_json_atomic(run_dir / "run.json", run_file.model_dump(mode="json"))
        index = RunIndex.open(run_dir, run_id, task.group_by)
        with frozen_heap():
            return asyncio.run(self._execute(run_dir, task, samples, roles, models, index))

    def resume(self, run_dir: Path) -> tuple[Path, RunResult]:
        """Finish an interrupted run. The run directory's lock is held throughout: a second
        writer is refused, so no sample is run (or journaled) twice."""
        load_run_file(run_dir)
        try:
            with RunLock(run_dir), disk_errors(run_dir):
                return run_dir, self._resume(run_dir)
        finally:
            self._close_executor()

    def _resume(self, run_dir: Path) -> RunResult:
        run_file = load_run_file(run_dir)
        task = self._task()
        finished = self._finished(run_dir, run_file, task)
        if finished is not None:
            return finished
        samples = Selection(task, self.config.limit, self.config.sample_ids)
        if samples.data_hash != run_file.data_hash:
            raise UserError(
                f"{run_dir}: the task's data changed since the run started (data hash differs); "
                "start a new run instead of resuming"
            )
        # what is done comes from the run index (built or caught up from the journal's tail),
        # never from reading every record; a torn last line is cut first
        repair_tail(run_dir / "samples.jsonl")
        index = RunIndex.open(run_dir, run_file.run_id, task.group_by)
        try:
            roles, models = self._models(run_dir)
        except BaseException:
            index.close()
            raise
        with frozen_heap():
            return asyncio.run(self._execute(run_dir, task, samples, roles, models, index))

    def _finished(self, run_dir: Path, run_file: RunFile, task: Task) -> RunResult | None:
        """A run with every sample and epoch done and its ``results.json`` standing: its result,
        without streaming the task's samples, hashing them or loading a model (the run needs
        nothing from them). The lifecycle hooks still see the run; their ``samples`` are read
        from the task only if a hook asks. None when anything is left to run."""
        if not (run_dir / "results.json").is_file():
            return None
        repair_tail(run_dir / "samples.jsonl")
        index = RunIndex.open(run_dir, run_file.run_id, task.group_by)
        try:
            if index.count(status="ok") < run_file.n_samples * self.config.epochs:
                return None
            result = _unchanged_result(run_dir, index)
            if result is None:
                return None
            cfg = self.config
            samples = _LazySelection(lambda: Selection(task, cfg.limit, cfg.sample_ids))
            ctx = RunContext(run_dir, cfg, task, samples, self.manager, index.view())
            self.manager.pm.hook.on_run_start(run=ctx)
            self.manager.pm.hook.on_run_end(run=ctx, result=result)
            return result
        finally:
            index.close()

    # ------------------------------------------------------------------ execution

    async def _execute(
        self,
        run_dir: Path,
        task: Task,
        samples: Selection,
        roles: Roles | None,
        models: list[Any],
        index: RunIndex,
    ) -> RunResult:
        cfg = self.config
        try:
            done = index.done("ok")
            n_done = len(done)
            n_todo = max(0, len(samples) * cfg.epochs - n_done)
            todo: Iterator[tuple[Sample, int]] = (
                ((s, e) for e in range(cfg.epochs) for s in samples if (s.id, e) not in done)
                if n_todo
                else iter(())
            )
            ctx = RunContext(run_dir, cfg, task, samples, self.manager, index.view())
            self.manager.pm.hook.on_run_start(run=ctx)
            sample_end = self.manager.pm.hook.on_sample_end
            notify = bool(sample_end.get_hookimpls())  # skip the hook call when nobody listens
            journal = Journal(run_dir / "samples.jsonl")
            progress: RunProgress = self.progress(n_todo + n_done, n_done, cfg.task)
            sem = RunSlots(cfg.max_concurrency)
            executor = self.executor

            async def one(sample: Sample, epoch: int) -> None:
                async with holding_slot(sem, held=True):
                    if executor is not None:
                        record = await executor.solve(sample, epoch)
                    else:
                        assert roles is not None
                        record = await self._solve_one(task, sample, epoch, roles)
                index.add(record, *journal.append(record))
                if notify:
                    sample_end(run=ctx, record=record)
                progress.advance(record.status == "ok")

            try:
                await _feed(sem, todo, one)
                if n_todo and executor is not None:
                    self.roles_asked, self.unused_roles = executor.roles_report()
                elif n_todo and roles is not None:
                    self.roles_asked, self.unused_roles = set(roles.asked), roles.unused()
            finally:
                journal.close()
                progress.close()
                for m in models:
                    await m.aclose()
            index.flush()
            result = _unchanged_result(run_dir, index) if not n_todo else None
            if result is None:
                compact(run_dir / "samples.jsonl", index)  # one record per sample and epoch
                result = result_from_index(run_dir.name, cfg, task, index)
                write_json_atomic(run_dir / "results.json", result.model_dump(mode="json"))
            self.manager.pm.hook.on_run_end(run=ctx, result=result)
            return result
        finally:
            index.close()

    def _close_executor(self) -> None:
        if self.executor is not None:
            self.executor.close()

    async def _solve_one(
        self, task: Task, sample: Sample, epoch: int, roles: Roles
    ) -> SampleRecord:
        seed = derive_seed(self.config.seed, sample.id, epoch)
        sctx = SolveContext(sample, roles, self.config.generate, seed, epoch, self.manager)
        started = time.time()
        t0 = time.perf_counter()
        output = None
        scores = {}
        error = None
        deadline = SampleDeadline(self.config.sample_timeout)
        try:
            async with deadline:
                output = await task.solve(sample, sctx)
            scores = task.score(sample, output)
        except TimeoutError as exc:
            error = (
                SampleError(
                    type="timeout",
                    message=f"sample took over {self.config.sample_timeout} s of its own time",
                )
                if deadline.expired()
                else SampleError(  # a timeout inside the task's own code, not --sample-timeout
                    type=type(exc).__name__,
                    message=str(exc) or "a timeout in the task",
                    traceback=traceback.format_exc(limit=8),
                )
            )
        except Exception as exc:
            error = SampleError(
                type=type(exc).__name__,
                message=str(exc) or type(exc).__name__,
                traceback=traceback.format_exc(limit=8),
            )
        return SampleRecord(
            sample_id=sample.id,
            epoch=epoch,
            status="error" if error else "ok",
            error=error,
            input=sample.input,
            target=sample.target,
            metadata=sample.metadata,
            output=output,
            scores=scores,
            usage=sctx.usage,
            model_calls=sctx.model_calls,
            timing=Timing(
                started=started, total=time.perf_counter() - t0, model=sctx.model_seconds
            ),
            seed=seed,
        )


def _unchanged_result(run_dir: Path, index: RunIndex) -> RunResult | None:
    """A finished run resumed: nothing ran, so its ``results.json`` (computed from the same
    records, the journal already compacted) stands, if it is there, readable and counts what
    the index holds; else None (aggregate again)."""
    from harness.run.results import load_results

    if index.lines() != index.count():
        return None
    try:
        result = load_results(run_dir)
    except UserError:
        return None
    if result is None or result.run_id != run_dir.name or result.records != index.count():
        return None
    return result


async def _feed(slots: RunSlots, todo: Iterator[tuple[Sample, int]], one: Any) -> None:
    """Start ``one(sample, epoch)`` for each of ``todo`` as a slot frees up: a task exists only
    for a sample that has a slot (or gave it back while waiting), so a 100,000-sample run holds
    a few tasks, not 100,000. The first failure stops the feeding and is raised once every
    started sample has finished."""
    running: set[asyncio.Task[None]] = set()
    failures: list[BaseException] = []

    def finished(t: asyncio.Task[None]) -> None:
        running.discard(t)
        if not t.cancelled() and t.exception() is not None:
            failures.append(t.exception())  # type: ignore[arg-type]

    try:
        for sample, epoch in todo:
            await slots.acquire()
            if failures:
                slots.release()
                break
            t = asyncio.create_task(one(sample, epoch))
            running.add(t)
            t.add_done_callback(finished)
    finally:
        if running:
            await asyncio.gather(*running, return_exceptions=True)
    if failures:
        raise failures[0]


@contextlib.contextmanager
def disk_errors(run_dir: Path) -> Iterator[None]:
    """A write that fails mid-run (full disk, read-only filesystem) is one error that says how to
    continue: every record written so far is kept (each was flushed whole), so a resume after
    the cause is fixed runs only what is missing."""
    try:
        yield
    except OSError as exc:
        what = f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
        raise UserError(
            f"{run_dir}: cannot write ({what}). The records written so far are kept; free space "
            f"(or fix the cause), then finish with `harness run --resume {run_dir}`"
        ) from None


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in text)[:40]
