"""The subcommands behind ``harness.cli.main``; each returns the process exit code."""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from harness.errors import UserError


def _manager(args: argparse.Namespace) -> Any:
    from harness.plugins.manager import get_manager

    return get_manager(getattr(args, "tasks_path", []) or [])


def _roles(values: list[str]) -> dict[str, str]:
    """ROLE=PROVIDER/NAME pairs. A role given again names another member of that role: its
    second model is ``ROLE#2``, the third ``ROLE#3`` (:meth:`harness.jobs.JobContext.role_members`);
    the same model twice for one role is refused."""
    from harness.model import split_spec

    roles: dict[str, str] = {}
    for item in values:
        role, sep, spec = item.partition("=")
        role, spec = role.strip(), spec.strip()
        if not sep or not role or not spec or "#" in role:
            raise UserError(f"--model-role expects ROLE=PROVIDER/NAME, got '{item}'")
        split_spec(spec)
        members = [r for r in roles if r.partition("#")[0] == role]
        if any(roles[r] == spec for r in members):
            raise UserError(f"--model-role {role}={spec} is given twice")
        roles[f"{role}#{len(members) + 1}" if members else role] = spec
    return roles


def _model_args(pairs: list[str], roles: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """-M key=value for the default model; -M ROLE.key=value for a role's model."""
    from harness.options import parse_pairs
    from harness.secrets import redact

    default: dict[str, Any] = {}
    by_role: dict[str, dict[str, Any]] = {}
    parsed = parse_pairs(pairs, "-M")
    redact(parsed)  # secret values remembered: no message or file will show them
    for key, value in parsed.items():
        role, dot, name = key.partition(".")
        if dot and name:
            by_role.setdefault(role, {})[name] = value
        else:
            default[key] = value
    return default, by_role


def _generate_config(pairs: list[str]) -> Any:
    import difflib

    from harness.options import parse_pairs, validate
    from harness.schemas import BACKEND_SETTINGS, GenerateConfig

    values = parse_pairs(pairs, "-G")
    known = list(GenerateConfig.model_fields)
    for key in values:
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
        if key not in known and key not in BACKEND_SETTINGS and close:
            raise UserError(
                f"unknown sampling setting -G {key}. Did you mean: {close[0]}? "
                f"(known: {', '.join(known)}; other keys go to the backend as they are)"
            )
    return validate(GenerateConfig, values, "sampling settings (-G)")


def _progress(args: argparse.Namespace) -> Any:
    from harness.cli.progress import progress_factory

    return progress_factory(False if args.no_progress else None)


def _plugin_params(args: argparse.Namespace) -> dict[str, Any]:
    from harness.options import flag_values, parse_pairs

    return {**parse_pairs(args.task_args, "-T"), **flag_values(args)}


# ---------------------------------------------------------------------------- run


def cmd_run(args: argparse.Namespace) -> int:
    from harness.model import DEFAULT_MODEL
    from harness.run.results import load_run_file
    from harness.run.runner import Runner
    from harness.schemas import RunConfig

    manager = _manager(args)
    out = Path(args.out or "runs")
    if args.resume:
        run_dir = Path(args.resume)
        run_file = load_run_file(run_dir)
        if args.name and args.name != run_file.config.task:
            raise UserError(f"{run_dir} is a run of '{run_file.config.task}', not '{args.name}'")
        _refuse_ignored_flags(args, run_file.config, run_dir)
        config = _restore_secrets(run_file.config, args.model_args, run_dir)
        runner = Runner(
            config, run_dir.parent, manager, progress=_progress(args), executor=_executor(args)
        )
        run_dir, result = runner.resume(run_dir)
        return _finish(run_dir, result)
    if not args.name:
        raise UserError("harness run needs a TASK (see `harness list tasks`) or --resume RUN_DIR")
    from harness.plugins.taskfiles import suite_members

    names = suite_members(args.name, manager)
    params = _plugin_params(args)
    role_specs = _roles(args.model_role)
    from harness.plugins.taskfiles import follow_task

    for name in names:
        check_declared_roles(follow_task(name, manager)[0], f"task '{name}'", role_specs)
    model_args, role_args = _model_args(args.model_args, role_specs)
    code = 0
    _check_counts(args)
    for name in names:
        config = RunConfig(
            task=name,
            task_params=params if name == args.name else {},
            model=args.model or DEFAULT_MODEL,
            model_args=model_args,
            model_roles=role_specs,
            model_role_args=role_args,
            generate=_generate_config(args.gen_args),
            limit=args.limit,
            sample_ids=args.sample_id,
            epochs=args.epochs,
            seed=args.seed,
            max_concurrency=args.max_concurrency,
            sample_timeout=args.sample_timeout,
            cache=args.cache,
        )
        runner = Runner(config, out, manager, progress=_progress(args), executor=_executor(args))
        run_dir, result = runner.run()
        _warn_unused_roles(runner, name)
        code = max(code, _finish(run_dir, result))
    return code


def _executor(args: argparse.Namespace) -> Any:
    """None (samples run in this process) or the Ray executor ``--executor ray`` asks for."""
    if args.executor != "ray":
        if args.ray_address or args.ray_workers is not None or args.ray_gpus_per_worker:
            raise UserError(
                "--ray-address, --ray-workers and --ray-gpus-per-worker need --executor ray"
            )
        return None
    from harness.run.ray_exec import RayExecutor

    if args.ray_workers is not None and args.ray_workers < 1:
        raise UserError("--ray-workers must be at least 1")
    return RayExecutor(
        address=args.ray_address,
        workers=args.ray_workers,
        task_paths=[str(Path(p).resolve()) for p in args.tasks_path],
        gpus_per_worker=args.ray_gpus_per_worker,
    )


#: run flags --resume does not take (the run's own settings are in run.json), with their defaults
#: as harness.cli.main declares them (not imported from there: commands must not import main)
_RESUME_IGNORES: dict[str, tuple[str, Any]] = {
    "task_args": ("-T", []),
    "out": ("--out", None),
    "model": ("--model", None),
    "model_role": ("--model-role", []),
    "gen_args": ("-G", []),
    "seed": ("--seed", 0),
    "limit": ("--limit", None),
    "sample_id": ("--sample-id", None),
    "epochs": ("--epochs", 1),
    "max_concurrency": ("--max-concurrency", 4),
    "sample_timeout": ("--sample-timeout", None),
    "cache": ("--cache", False),
}


def _refuse_ignored_flags(args: argparse.Namespace, config: Any, run_dir: Path) -> None:
    """--resume finishes the run as it was started; a flag it would ignore is an error that
    names it, not a silent surprise. -M is taken only for a secret the run needs again."""
    from harness.options import flag_values
    from harness.secrets import REDACTED

    ignored = [f for d, (f, default) in _RESUME_IGNORES.items() if getattr(args, d) != default]
    ignored += [f"--{k.replace('_', '-')}" for k in flag_values(args)]
    default, by_role = _model_args(args.model_args, dict(config.model_roles))
    stored = [("", config.model_args, default)]
    stored += [(f"{r}.", config.model_role_args.get(r, {}), a) for r, a in by_role.items()]
    for prefix, saved, given in stored:
        ignored += [f"-M {prefix}{k}" for k in given if saved.get(k) != REDACTED]
    if ignored:
        raise UserError(
            f"--resume finishes {run_dir} with the settings in its run.json; it does not take "
            f"{', '.join(dict.fromkeys(ignored))} (start a new run to change them)"
        )


def check_declared_roles(owner: Any, label: str, role_specs: dict[str, str]) -> None:
    """Refuse a ``--model-role`` that ``owner`` (a Task, Generator or Trainer class) does not
    declare in ``roles``; an owner without a declaration is checked after the run instead."""
    declared = getattr(owner, "roles", None)
    if declared is None:
        return
    from harness.errors import did_you_mean

    known = ["agent", *declared] if hasattr(owner, "solve") else list(declared)
    for member in role_specs:
        role = member.partition("#")[0]
        if role not in known:
            raise UserError(
                f"--model-role {role}=...: {label} uses no role '{role}'."
                f"{did_you_mean(role, known)} Its roles: {', '.join(known) or 'none'}"
            )


def _warn_unused_roles(runner: Any, task: str) -> None:
    """A --model-role nothing asked for is a typo or the wrong task: say so, with the roles the
    task did ask for (roles are asked for as samples run, so this is known only afterwards)."""
    from harness.errors import did_you_mean

    for role in runner.unused_roles:
        asked = sorted(runner.roles_asked)
        print(
            f"harness: warning: --model-role {role}=... was not used: task '{task}' asked for "
            f"{', '.join(asked) or 'no role'}.{did_you_mean(role, asked)}",
            file=sys.stderr,
        )


def _restore_secrets(config: Any, pairs: list[str], run_dir: Path) -> Any:
    """run.json holds ``***`` for a secret ``-M`` argument; ``--resume`` takes it again from -M
    (the same KEY=VALUE or ROLE.KEY=VALUE as the run was started with)."""
    from harness.secrets import REDACTED

    default, by_role = _model_args(pairs, dict(config.model_roles))
    model_args = dict(config.model_args)
    role_args = {role: dict(a) for role, a in config.model_role_args.items()}
    places = [("", model_args, default)]
    places += [(f"{role}.", a, by_role.get(role, {})) for role, a in role_args.items()]
    for prefix, stored, given in places:
        for key, value in stored.items():
            if value == REDACTED:
                if key not in given:
                    raise UserError(
                        f"{run_dir} was started with a secret -M {prefix}{key}, which is not "
                        f"stored: give it again, `harness run --resume {run_dir} "
                        f"-M {prefix}{key}=...`"
                    )
                stored[key] = given[key]
    return config.model_copy(update={"model_args": model_args, "model_role_args": role_args})


def _check_counts(args: argparse.Namespace) -> None:
    if args.epochs < 1:
        raise UserError("--epochs must be at least 1")
    if args.max_concurrency < 1:
        raise UserError("--max-concurrency must be at least 1")
    if args.sample_timeout is not None and args.sample_timeout <= 0:
        raise UserError("--sample-timeout must be positive")


def _finish(run_dir: Path, result: Any) -> int:
    from harness.cli.display import print_result

    print_result(result, run_dir)
    if result.records and result.errors == result.records:
        print(
            f"harness: every sample failed; see `harness show {run_dir} --samples`", file=sys.stderr
        )
        return 1
    print(
        f"next: `harness show {run_dir} --samples` for every answer and its scores; "
        f"`harness run {result.task} --model PROVIDER/NAME` for another model "
        "(`harness list models`)"
    )
    return 0


# ---------------------------------------------------------------------------- show / score


def journal_records(path: Path) -> list[Any]:
    """The last record per sample and epoch of a bare JSONL file (not a run directory: those
    are read through their index); lines not used are counted, with why, on stderr (a
    superseded record of a resumed sample, an incomplete last line)."""
    from harness.run.journal import read_records
    from harness.stats import latest_records

    skipped: list[str] = []
    every = list(read_records(path, skipped=skipped))
    latest = latest_records(every)
    _note_skipped(path, len(every) - len(latest), skipped)
    return latest


def _note_skipped(path: Path, superseded: int, skipped: list[str]) -> None:
    reasons = list(skipped)
    if superseded:
        reasons.insert(
            0,
            f"{superseded} superseded by a later record of the same sample and epoch "
            "(the last record wins: a resumed sample's earlier error)",
        )
    if reasons:
        total = superseded + len(skipped)
        print(
            f"({path}: {total} line{'s' * (total != 1)} skipped: {'; '.join(reasons)})",
            file=sys.stderr,
        )


def open_index(run_dir: Path, run_file: Any, task: Any = None) -> Any:
    """The run's index (built, rebuilt or caught up from the journal as needed), with the
    journal's unused lines noted on stderr as :func:`journal_records` does."""
    from harness.run.index import RunIndex

    index = RunIndex.open(run_dir, run_file.run_id, getattr(task, "group_by", ()))
    _note_skipped(run_dir / "samples.jsonl", index.lines() - index.count(), index.skipped)
    return index


def cmd_show(args: argparse.Namespace) -> int:
    from harness.cli.display import print_result, print_sample_reports
    from harness.run.results import load_results, load_run_file

    run_dir = Path(args.run_dir)
    run_file = load_run_file(run_dir)
    result = load_results(run_dir)
    if result is None:  # an interrupted run: aggregate what the journal holds
        result = _result_from_index(run_dir, run_file)
        print(
            f"(run not finished: {result.records} records so far; "
            f"finish it with `harness run --resume {run_dir}`)",
            file=sys.stderr,
        )
    if args.json:
        print(result.model_dump_json(indent=2))
        return 0
    print_result(result, run_dir)
    if args.samples:
        from harness.plugins.manager import get_manager
        from harness.plugins.taskfiles import resolve_task

        try:
            task = resolve_task(run_file.config.task, run_file.config.task_params, get_manager())
        except UserError as exc:
            print(f"(no per-sample reports: {exc})", file=sys.stderr)
            task = None
        with open_index(run_dir, run_file, task) as index:
            print_sample_reports(index.records(order="sample"), task)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from harness.cli.display import print_comparison
    from harness.view.data import RunView, compare

    if len(args.run_dirs) < 2:
        raise UserError("compare needs two or more run directories (the first is the baseline)")
    views = []
    for d in args.run_dirs:
        view = RunView(Path(d))
        if view.run_file is None or view.index is None:
            raise UserError(f"{d}: not a readable run directory ({'; '.join(view.damage)})")
        views.append(view)
    base = views[0]
    for v in views[1:]:
        if v.task != base.task:
            raise UserError(
                f"{v.dir} is a run of '{v.task}' and {base.dir} of '{base.task}': "
                "only runs of one task compare"
            )
    deltas = [compare(base, v) for v in views[1:]]
    if all(d.n == 0 for ds in deltas for d in ds):
        raise UserError(f"no sample was scored both in {base.dir} and in the other runs")
    if args.json:
        out = {
            "task": base.task,
            "baseline": str(base.dir),
            "runs": [
                {
                    "run": str(v.dir),
                    "metrics": [
                        {
                            "metric": d.name,
                            "baseline": d.a,
                            "mean": d.b,
                            "diff": d.diff,
                            "diff_ci": list(d.ci),
                            "n": d.n,
                        }
                        for d in ds
                    ],
                }
                for v, ds in zip(views[1:], deltas, strict=True)
            ],
        }
        print(json.dumps(out, indent=2))
        return 0
    models = [v.run_file.config.model for v in views]
    print_comparison(base.task, [str(v.dir) for v in views], models, deltas)
    return 0


def _result_from_index(run_dir: Path, run_file: Any) -> Any:
    from harness.plugins.manager import get_manager
    from harness.plugins.taskfiles import resolve_task
    from harness.run.results import result_from_index

    task = resolve_task(run_file.config.task, run_file.config.task_params, get_manager())
    with open_index(run_dir, run_file, task) as index:
        return result_from_index(run_dir.name, run_file.config, task, index)


def _rescore(task: Any, record: Any) -> Any:
    """Score a saved transcript again. A record whose solving finished but whose scoring failed
    (an error record that has an output) becomes ok if scoring now succeeds; one whose scoring
    fails now becomes an error record with the cause."""
    from harness.schemas import Sample, SampleError

    if record.output is None:
        return record
    sample = Sample(
        id=record.sample_id, input=record.input, target=record.target, metadata=record.metadata
    )
    try:
        scores = task.score(sample, record.output)
    except Exception as exc:
        error = SampleError(type=type(exc).__name__, message=f"scoring failed: {exc}")
        return record.model_copy(update={"status": "error", "error": error, "scores": {}})
    return record.model_copy(update={"scores": scores, "status": "ok", "error": None})


class _Rescored(Sequence[Any]):
    """A run's latest records scored again, read and scored one at a time as they are iterated
    (``harness score`` on a 100,000-sample run keeps no transcript in memory)."""

    def __init__(self, index: Any, task: Any) -> None:
        self._runs = index
        self.task = task

    def __len__(self) -> int:
        return int(self._runs.count())

    def __iter__(self) -> Iterator[Any]:
        return (_rescore(self.task, r) for r in self._runs.records())

    def __getitem__(self, i: Any) -> Any:
        got = self._runs.view()[i]
        if isinstance(i, slice):
            return [_rescore(self.task, r) for r in got]
        return _rescore(self.task, got)


def cmd_score(args: argparse.Namespace) -> int:
    from harness.cli.display import print_result
    from harness.plugins.taskfiles import resolve_task
    from harness.run.results import build_result, load_run_file
    from harness.schemas import RunConfig

    source = Path(args.source)
    manager = _manager(args)
    params = _plugin_params(args)
    run_file = None
    if source.is_dir():
        run_file = load_run_file(source)
        config = run_file.config
        if args.task and args.task != config.task:
            raise UserError(f"{source} is a run of '{config.task}', not '{args.task}'")
        params = {**config.task_params, **params}
    else:
        if not source.exists():
            raise UserError(f"{source}: no such file or run directory")
        if not args.task:
            raise UserError(f"{source} is a bare JSONL: name its task with --task")
        config = RunConfig(task=args.task, model="(saved transcripts)")
    task = resolve_task(config.task, params, manager)
    if run_file is not None:
        with open_index(source, run_file, task) as index:
            epochs = max((e for _, e in index.done(None)), default=0) + 1
            cfg = config.model_copy(update={"epochs": epochs})
            result = build_result(source.name, cfg, task, _Rescored(index, task))
    else:
        records = [_rescore(task, r) for r in journal_records(source)]
        epochs = max((r.epoch for r in records), default=0) + 1
        cfg = config.model_copy(update={"epochs": epochs})
        result = build_result(source.name, cfg, task, records)
    if args.json:
        print(result.model_dump_json(indent=2))
    else:
        print_result(result, None)
    return 0


# ---------------------------------------------------------------------------- view / export


def cmd_export(args: argparse.Namespace) -> int:
    from harness.cli.export import export_run

    out, n = export_run(Path(args.run_dir), args.format, Path(args.out) if args.out else None)
    print(f"wrote {n} records to {out}")
    return 0


def cmd_view(args: argparse.Namespace) -> int:
    from harness.view.serve import export, serve

    root = Path(args.runs_dir)
    if args.export:
        return export(root, Path(args.export))
    return serve(root, args.host, args.port, args.token)


# ---------------------------------------------------------------------------- listings


def cmd_plugins(args: argparse.Namespace) -> int:
    from harness.plugins.catalogue import load_catalogue
    from harness.plugins.manager import get_manager

    manager = get_manager()
    installed = {p.distribution for p in manager.plugins.values() if p.distribution}
    rows: list[dict[str, Any]] = [
        {
            "name": p.name,
            "distribution": p.distribution,
            "version": p.version,
            "hooks": p.hooks,
            "registered": p.registered,
            "error": p.error,
            "skipped": p.skipped,
        }
        for p in manager.plugins.values()
    ]
    available = []
    if args.available:
        available = [c for c in load_catalogue() if c["distribution"] not in installed]
    if args.json:
        print(json.dumps({"installed": rows, "available": available}, indent=2))
        return 0
    for row in rows:
        head = f"{row['name']}  ({row['distribution'] or '?'} {row['version'] or ''})".rstrip()
        print(head)
        if row["error"]:
            print(f"  LOAD ERROR: {row['error'].splitlines()[0]}")
            continue
        print(f"  hooks: {', '.join(row['hooks']) or '(none)'}")
        for kind, names in sorted(row["registered"].items()):
            print(f"  {kind}: {', '.join(sorted(names))}")
        for note in row["skipped"]:
            print(f"  skipped {note}")
    if args.available:
        print(
            "\nCatalogued, not installed:"
            if available
            else "\nEvery catalogued plugin is installed."
        )
        for c in available:
            print(f"  {c['name']}: {c['description']}\n    install: {c['install']}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    manager = _manager(args)
    entries = manager.registry(args.kind).entries()
    if args.json:
        print(
            json.dumps(
                [
                    {"name": e.name, "description": e.description, "plugin": e.plugin}
                    for e in entries
                ],
                indent=2,
            )
        )
        return 0
    if not entries:
        print(f"(no {args.kind} registered)")
    width = max((len(e.name) for e in entries), default=0)
    for e in entries:
        print(f"{e.name.ljust(width)}  {e.description}  [{e.plugin}]")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from harness.plugins.catalogue import CATALOGUE_SCHEMA
    from harness.plugins.taskfiles import task_file_schema
    from harness.schemas import SCHEMAS

    extra = {"task-file": task_file_schema(), "catalogue": CATALOGUE_SCHEMA}
    names = sorted([*SCHEMAS, *extra])
    if not args.name:
        print("\n".join(names))
        return 0
    if args.name in extra:
        print(json.dumps(extra[args.name], indent=2))
        return 0
    if args.name not in SCHEMAS:
        from harness.errors import unknown

        raise unknown("schema", args.name, names)
    print(json.dumps(SCHEMAS[args.name].model_json_schema(), indent=2))
    return 0


def cmd_cache(args: argparse.Namespace) -> int:
    from harness.callpath import cache

    return cache.command(args)


# ---------------------------------------------------------------------------- generate / train


def _job(args: argparse.Namespace, kind: Literal["generate", "train"]) -> int:
    from harness.jobs import ItemGenerator
    from harness.model import DEFAULT_MODEL
    from harness.options import validate
    from harness.run.roles import build_roles, build_wrappers
    from harness.schemas import JobFile, RunConfig

    registry_kind = "generators" if kind == "generate" else "trainers"
    resume = getattr(args, "resume", None)
    executor = _executor(args) if kind == "generate" else None
    manager = _manager(args)
    previous: JobFile | None = None
    config: RunConfig | None = None
    if resume:
        previous, config = _resumed_job(args, Path(resume))
        name = previous.name
    elif not args.name:
        raise UserError(f"harness {kind} needs a name (see `harness list {registry_kind}`)")
    else:
        name = args.name
    cls = manager.registry(registry_kind).get(name)
    params = previous.params if previous is not None else _plugin_params(args)
    options = validate(cls.Options, params, f"options of {name}")
    plugin = cls(options)
    items = isinstance(plugin, ItemGenerator)
    if (executor is not None or resume) and not items:
        what = "--executor ray" if executor is not None else "--resume"
        raise UserError(
            f"generator '{name}' does not split its work into items (harness.jobs.ItemGenerator), "
            f"so it cannot run with {what}; run it in this process, without {what}"
        )
    if executor is not None:
        why = plugin.ray_unsupported()
        if why:
            raise UserError(f"generator '{name}' cannot run with --executor ray: {why}")
    roles = None
    models: list[Any] = []
    label = "generator" if kind == "generate" else "trainer"
    if previous is None:
        role_specs = _roles(args.model_role)
        check_declared_roles(cls, f"{label} '{name}'", role_specs)
        if cls.needs_model or args.model or role_specs or executor is not None:
            model_args, role_args = _model_args(args.model_args, role_specs)
            config = RunConfig(
                task=name,
                model=args.model or DEFAULT_MODEL,
                generate=_generate_config(args.gen_args),
                model_args=model_args,
                model_roles=role_specs,
                model_role_args=role_args,
                seed=args.seed,
            )
    seed = previous.seed if previous is not None else args.seed
    if executor is not None:
        assert config is not None
        executor.job = {"name": name, "params": options.model_dump(mode="json")}
        executor.start(config, manager)  # an unreachable cluster: one error, nothing written
    try:
        if config is not None and executor is None:
            roles, models = build_roles(config, build_wrappers(config, None), manager)
        return _job_in_dir(
            args, kind, name, plugin, options, config, seed, previous, roles, models, executor
        )
    finally:
        if executor is not None:
            executor.close()


def _job_in_dir(
    args: argparse.Namespace,
    kind: Literal["generate", "train"],
    name: str,
    plugin: Any,
    options: Any,
    config: Any,
    seed: int,
    previous: Any,
    roles: Any,
    models: list[Any],
    executor: Any,
) -> int:
    from harness import __version__
    from harness.jobs import ItemGenerator, JobContext
    from harness.run.results import write_json_atomic
    from harness.schemas import JobFile
    from harness.secrets import redact

    manager = _manager(args)
    items = isinstance(plugin, ItemGenerator)
    if previous is not None:
        out_dir = Path(args.resume)
        job = previous.model_copy(update={"status": "running", "summary": {}})
    else:
        import secrets

        run_id = (
            _dt.datetime.now().strftime("%Y%m%d-%H%M%S") + f"-{kind}-{name}-{secrets.token_hex(3)}"
        )
        out_dir = Path(args.out or "runs") / run_id
        try:
            out_dir.mkdir(parents=True)
        except OSError as exc:
            raise UserError(
                f"--out {out_dir.parent}: cannot create a run directory there ({exc.strerror})"
            ) from None
        job = JobFile(
            kind=kind,
            run_id=run_id,
            name=name,
            created=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            params=options.model_dump(mode="json"),
            model=config.model if config is not None else None,
            model_roles=dict(config.model_roles) if config is not None else {},
            seed=seed,
            config=redact(config.model_dump(mode="json")) if items and config else None,
            harness_version=__version__,
            plugins=manager.versions(),
            status="running",
        )
    write_json_atomic(out_dir / "run.json", job.model_dump(mode="json"))
    gen_cfg = config.generate if config is not None else None
    ctx = JobContext(out_dir, seed, roles, manager, gen_cfg)
    try:
        if kind == "generate":
            import asyncio

            summary = asyncio.run(_generate(plugin, ctx, models, items, executor))
        else:
            summary = plugin.train(ctx)
    except BaseException as exc:
        job.status = "failed"
        job.summary = {"error": f"{type(exc).__name__}: {exc}"}
        write_json_atomic(out_dir / "run.json", job.model_dump(mode="json"))
        raise
    finally:
        ctx.close()
    job.status = "finished"
    job.summary = summary or {}
    write_json_atomic(out_dir / "run.json", job.model_dump(mode="json"))
    print(json.dumps(job.summary, indent=2, default=str))
    print(f"\n{kind} run written to {out_dir}")
    return 0


#: generate flags --resume does not take (the job's settings are in its run.json)
_JOB_RESUME_IGNORES: dict[str, tuple[str, Any]] = {
    k: _RESUME_IGNORES[k] for k in ("task_args", "out", "model", "model_role", "gen_args", "seed")
}


def _resumed_job(args: argparse.Namespace, run_dir: Path) -> tuple[Any, Any]:
    """The run.json of an interrupted ``harness generate`` job and its models' settings."""
    from pydantic import ValidationError

    from harness.options import flag_values
    from harness.schemas import JobFile, RunConfig

    try:
        job = JobFile.model_validate_json((run_dir / "run.json").read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"--resume {run_dir}: no run.json there ({exc.strerror})") from None
    except ValidationError:
        raise UserError(f"--resume {run_dir}: its run.json is not a generate job's") from None
    if job.kind != "generate":
        raise UserError(f"--resume {run_dir}: a {job.kind} job, not a generate job")
    if args.name and args.name != job.name:
        raise UserError(f"{run_dir} is a generate job of '{job.name}', not '{args.name}'")
    ignored = [f for d, (f, default) in _JOB_RESUME_IGNORES.items() if getattr(args, d) != default]
    ignored += [f"--{k.replace('_', '-')}" for k in flag_values(args)]
    if ignored:
        raise UserError(
            f"--resume finishes {run_dir} with the settings in its run.json; it does not take "
            f"{', '.join(dict.fromkeys(ignored))} (start a new job to change them)"
        )
    config = None
    if job.config is not None:
        config = _restore_secrets(RunConfig.model_validate(job.config), args.model_args, run_dir)
    return job, config


async def _generate(
    plugin: Any, ctx: Any, models: list[Any], items: bool = False, executor: Any = None
) -> Any:
    try:
        if items:
            from harness.run.items import drive

            return await drive(plugin, ctx, executor)
        return await plugin.generate(ctx)
    finally:
        for m in models:
            await m.aclose()


def cmd_generate(args: argparse.Namespace) -> int:
    return _job(args, "generate")


def cmd_train(args: argparse.Namespace) -> int:
    return _job(args, "train")
