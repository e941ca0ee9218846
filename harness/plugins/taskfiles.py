"""Declarative tasks: YAML files that bind a registered task to parameters, or combine tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.errors import UserError

if TYPE_CHECKING:
    from harness.hookspecs import Register
    from harness.plugins.manager import PluginManager
    from harness.task import Task


@dataclass
class TaskDefinition:
    """A loaded task file, as registered under its name.

    A plugin's own task files are read at every start-up, so they get only a shape check then and
    the full validation (:class:`harness.plugins.taskfile_model.TaskFile`) on first use
    (:meth:`check`); a user's ``--tasks-path`` files are validated at once."""

    name: str
    description: str
    path: Path
    task: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    suite: list[str] = field(default_factory=list)
    raw: Any = None
    checked: bool = False

    def check(self) -> None:
        """Validate the file against the task-file model (once); a :class:`UserError` if bad."""
        if not self.checked:
            _validate(self.path, self.raw)
            self.checked = True


def task_file_schema() -> dict[str, Any]:
    """The JSON Schema of a task file (``harness schema task-file``), derived from the model."""
    from harness.plugins.taskfile_model import TaskFile

    schema = TaskFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def _validate(path: Path, data: Any) -> None:
    from pydantic import ValidationError

    from harness.plugins.taskfile_model import TaskFile

    try:
        TaskFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = "/".join(str(p) for p in err["loc"]) or "(top level)"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = f"unknown field '{err['loc'][-1]}'"
        raise UserError(f"{path}: invalid task file at {where}: {message}") from None


def _read_yaml(path: Path) -> Any:
    """The YAML of a task file; every problem a :class:`UserError` naming the file."""
    import yaml

    raw = b""
    try:
        raw = path.read_bytes()
        return yaml.safe_load(raw.decode("utf-8"))
    except OSError as exc:
        raise UserError(f"{path}: cannot read task file ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - raw.rfind(b"\n", 0, exc.start)
        raise UserError(
            f"{path}, line {line}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at column "
            f"{column}); save the file as UTF-8"
        ) from None
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: malformed YAML: {exc}") from None


def _cached_yaml(path: Path) -> Any:
    """:func:`_read_yaml` for an installed plugin's task file (read, not validated, at every
    start-up): parsed once and kept in the cache folder keyed by path, size and modification
    time, because importing PyYAML alone was a sixth of ``harness list tasks``'s start-up. A
    cache that cannot be read or written costs a parse, nothing else."""
    import json
    import os

    from harness.paths import cache_dir

    try:
        stat = path.stat()
    except OSError as exc:
        raise UserError(f"{path}: cannot read task file ({exc.strerror})") from None
    prefix = f"{path.resolve()}|"
    key = f"{prefix}{stat.st_size}|{stat.st_mtime_ns}"
    cache = cache_dir() / "task-files.json"
    try:
        entries = json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        entries = {}
    if not isinstance(entries, dict):
        entries = {}
    if key in entries:
        return entries[key]
    data = _read_yaml(path)
    try:
        if json.loads(json.dumps(data)) != data:
            return data  # JSON cannot hold it as it is (say, integer keys): parse each time
        entries = {k: v for k, v in entries.items() if not k.startswith(prefix)}  # old versions
        entries[key] = data
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f".{cache.name}.{os.getpid()}")
        tmp.write_text(json.dumps(entries), encoding="utf-8")
        os.replace(tmp, cache)
    except (OSError, TypeError, ValueError):
        pass  # an unwritable cache, or YAML that JSON cannot hold (dates): parse next time
    return data


def load_task_file(path: Path, strict: bool = True) -> TaskDefinition:
    """Read a task file; ``strict`` validates it fully now, else after a shape check only (see
    :class:`TaskDefinition`). Every problem is a :class:`UserError` naming the file."""
    data = _read_yaml(path) if strict else _cached_yaml(path)
    if strict:
        _validate(path, data)
    elif not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise UserError(f"{path}: invalid task file: it needs a 'name'")
    suite = data.get("suite")
    return TaskDefinition(
        name=data["name"],
        description=str(data.get("description") or ""),
        path=path,
        task=data.get("task"),
        params=dict(data.get("params") or {}),
        suite=list(suite) if isinstance(suite, list) else [],
        raw=data,
        checked=strict,
    )


def register_task_file(register: Register, path: Path, strict: bool) -> None:
    """Register a task file's definition. A bad file raises :class:`UserError`: from a user's
    ``--tasks-path`` it stops the command; from a plugin's ``register(task_file=...)`` it skips
    that plugin with the reason (shown by ``harness plugins``)."""
    definition = load_task_file(path, strict)
    register(
        definition.name,
        definition,
        description=definition.description
        or (
            f"suite of {', '.join(definition.suite)}"
            if definition.suite
            else f"{definition.task} with {definition.params}"
        ),
        path=str(path),
    )


def _cycle_error(chain: list[str], manager: PluginManager) -> UserError:
    """One error naming every task file of a cycle, so the user sees where to cut it."""
    loop = " -> ".join(chain)
    files = []
    for name in dict.fromkeys(chain):
        target = manager.registry("tasks").get(name)
        if isinstance(target, TaskDefinition):
            files.append(str(target.path))
    return UserError(f"task files refer to each other in a cycle: {loop} ({', '.join(files)})")


def _get(name: str, manager: PluginManager, referrer: TaskDefinition | None) -> Any:
    """The registered target of ``name``; an unknown name names the file that asked for it."""
    registry = manager.registry("tasks")
    if name not in registry:
        if referrer is not None:
            from harness.errors import did_you_mean

            kind = "suite" if referrer.suite else "task file"
            raise UserError(
                f"{referrer.path}: {kind} '{referrer.name}' names unknown task '{name}'."
                f"{did_you_mean(name, registry.names())}"
            )
        dropped = manager.dropped_suites.get(name)
        if dropped:
            raise UserError(f"unknown task '{name}': {dropped}")
    target = registry.get(name)
    if isinstance(target, TaskDefinition):
        target.check()  # a plugin's own task file is validated on first use
    return target


def follow_task(name: str, manager: PluginManager) -> tuple[Any, dict[str, Any]]:
    """(the Task class or suite definition ``name`` leads to, the task files' merged params).

    A task file names another task; following the names stops at a Task class or a suite, and a
    name met twice is a cycle: one :class:`UserError` naming it (not an endless loop)."""
    chain = [name]
    files: list[TaskDefinition] = []
    target = _get(name, manager, None)
    while isinstance(target, TaskDefinition) and not target.suite:
        assert target.task is not None
        files.append(target)
        chain.append(target.task)
        if target.task in chain[:-1]:
            raise _cycle_error(chain, manager)
        target = _get(target.task, manager, target)
    relative = _file_relative_options(target)
    merged: dict[str, Any] = {}
    for definition in files:  # the first file (the name given) wins
        merged = {**_resolved(definition, relative), **merged}
    return target, merged


def _file_relative_options(target: Any) -> set[str]:
    """The options a task marks ``task_file_relative`` (paths relative to the task file)."""
    options = getattr(target, "Options", None)
    fields = getattr(options, "model_fields", {})
    return {
        k
        for k, f in fields.items()
        if isinstance(f.json_schema_extra, dict) and f.json_schema_extra.get("task_file_relative")
    }


def _resolved(definition: TaskDefinition, relative: set[str]) -> dict[str, Any]:
    params = dict(definition.params)
    for key in relative & set(params):
        value = params[key]
        if isinstance(value, str) and not Path(value).is_absolute():
            params[key] = str(definition.path.parent / value)
    return params


def suite_members(name: str, manager: PluginManager) -> list[str]:
    """The tasks ``harness run name`` runs: ``[name]`` for a task, a suite's members in order,
    nested suites flattened. A suite that contains itself, directly or not, is a cycle error."""

    def expand(current: str, stack: list[str]) -> list[str]:
        target, _ = follow_task(current, manager)
        if not (isinstance(target, TaskDefinition) and target.suite):
            return [current]
        out: list[str] = []
        for member in target.suite:
            if member in stack:
                raise _cycle_error([*stack, member], manager)
            _get(member, manager, target)
            out.extend(expand(member, [*stack, member]))
        return out

    return expand(name, [name])


def resolve_task(name: str, params: dict[str, Any], manager: PluginManager) -> Task:
    """Instantiate the named task (a Task class or a task file), options validated."""
    from harness.options import validate
    from harness.task import Task

    target, merged = follow_task(name, manager)
    if isinstance(target, TaskDefinition):
        members = ", ".join(suite_members(name, manager))
        raise UserError(f"'{name}' is a suite (of {members}), not a single task")
    merged.update(params)
    if not (isinstance(target, type) and issubclass(target, Task)):
        raise UserError(f"task '{name}' is registered with something that is not a harness Task")
    options = validate(target.Options, merged, f"options of task {name}")
    return target(options)


def task_options_model(name: str, manager: PluginManager) -> Any:
    """The Options model behind a task name (following task files), or None for a suite."""
    target, _ = follow_task(name, manager)
    if isinstance(target, TaskDefinition):
        suite_members(name, manager)  # a cycle among suites is reported before anything runs
        return None
    return getattr(target, "Options", None)


def drop_incomplete_suites(manager: PluginManager) -> None:
    """A plugin's suite naming a task that no installed plugin provides is not listed (its plugin
    was uninstalled); ``harness plugins`` says which suite was skipped and why, and ``harness run
    SUITE`` names the missing members. A user's own suite (``--tasks-path``) naming an unknown
    task is an error naming the suite and the member: a typo, not an uninstalled plugin."""
    from harness.errors import did_you_mean

    registry = manager.registry("tasks")
    for entry in registry.entries():
        target = entry.target
        if isinstance(target, TaskDefinition) and target.suite:
            missing = [t for t in target.suite if t not in registry]
            if not missing:
                continue
            if entry.plugin == "user-tasks":
                raise UserError(
                    f"{target.path}: suite '{entry.name}' names unknown task '{missing[0]}'."
                    f"{did_you_mean(missing[0], registry.names())}"
                )
            registry.remove(entry.name)
            info = manager.plugins[entry.plugin]
            info.registered["tasks"].remove(entry.name)
            info.skipped.append(f"suite {entry.name}: needs {', '.join(missing)}")
            manager.dropped_suites[entry.name] = (
                f"suite '{entry.name}' of plugin '{entry.plugin}' needs "
                f"{', '.join(missing)}, which no installed plugin provides"
            )
