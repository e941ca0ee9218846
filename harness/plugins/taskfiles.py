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


def load_task_file(path: Path, strict: bool = True) -> TaskDefinition:
    """Read a task file; ``strict`` validates it fully now, else after a shape check only (see
    :class:`TaskDefinition`). Every problem is a :class:`UserError` naming the file."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"{path}: cannot read task file ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: malformed YAML: {exc}") from None
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
    )


def resolve_task(name: str, params: dict[str, Any], manager: PluginManager) -> Task:
    """Instantiate the named task (a Task class or a task file), options validated."""
    from harness.options import validate
    from harness.task import Task

    target = manager.registry("tasks").get(name)
    seen = {name}
    merged: dict[str, Any] = {}
    while isinstance(target, TaskDefinition):
        target.check()
        if target.suite:
            raise UserError(f"'{name}' is a suite; run it with `harness run {name}`")
        merged = {**target.params, **merged}
        assert target.task is not None
        if target.task in seen:
            raise UserError(f"task file {target.path} refers to itself through '{target.task}'")
        seen.add(target.task)
        target = manager.registry("tasks").get(target.task)
    merged.update(params)
    if not (isinstance(target, type) and issubclass(target, Task)):
        raise UserError(f"task '{name}' is registered with something that is not a harness Task")
    options = validate(target.Options, merged, f"options of task {name}")
    return target(options)


def task_options_model(name: str, manager: PluginManager) -> Any:
    """The Options model behind a task name (following task files), or None for a suite."""
    target = manager.registry("tasks").get(name)
    while isinstance(target, TaskDefinition):
        target.check()
        if target.suite or target.task is None:
            return None
        target = manager.registry("tasks").get(target.task)
    return getattr(target, "Options", None)


def drop_incomplete_suites(manager: PluginManager) -> None:
    """A suite naming a task that no installed plugin provides is not listed (its plugin was
    uninstalled); ``harness plugins`` says which suite was skipped and why."""
    registry = manager.registry("tasks")
    for entry in registry.entries():
        target = entry.target
        if isinstance(target, TaskDefinition) and target.suite:
            missing = [t for t in target.suite if t not in registry]
            if missing:
                registry.remove(entry.name)
                info = manager.plugins[entry.plugin]
                info.registered["tasks"].remove(entry.name)
                info.skipped.append(f"suite {entry.name}: needs {', '.join(missing)}")
