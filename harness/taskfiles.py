"""Declarative tasks: YAML files that bind a registered task to parameters, or combine tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.errors import UserError

if TYPE_CHECKING:
    from harness.plugins import PluginManager
    from harness.task import Task

TASK_FILE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "harness task file",
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "format_version": {"const": 1, "description": "Schema version of the task file."},
        "name": {
            "type": "string",
            "pattern": "^[A-Za-z0-9][A-Za-z0-9_.:-]*$",
            "description": "The name `harness run` takes.",
        },
        "description": {"type": "string", "description": "One line for `harness list tasks`."},
        "task": {"type": "string", "description": "The registered task this file configures."},
        "params": {"type": "object", "description": "Task options (as -T would give them)."},
        "suite": {
            "type": "array",
            "items": {"type": "string"},
            "minItems": 1,
            "description": "Task names run one after another, each in its own run dir.",
        },
    },
    "oneOf": [
        {"required": ["task"], "not": {"required": ["suite"]}},
        {"required": ["suite"], "not": {"required": ["task"]}},
    ],
}


@dataclass
class TaskDefinition:
    name: str
    description: str
    path: Path
    task: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    suite: list[str] = field(default_factory=list)
    raw: Any = None
    validated: bool = False

    def validate(self) -> None:
        """Check the file against the task-file JSON Schema (once)."""
        if not self.validated:
            _check_schema(self.path, self.raw)
            self.validated = True


def load_task_file(path: Path, validate: bool = True) -> TaskDefinition:
    """Read a task file. ``validate=False`` defers the JSON Schema check to first use (plugins'
    own files at start-up: importing jsonschema would slow every command), after a shape check."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"{path}: cannot read task file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: malformed YAML: {exc}") from None
    if validate:
        _check_schema(path, data)
    elif not isinstance(data, dict) or not isinstance(data.get("name"), str):
        raise UserError(f"{path}: invalid task file: it needs a 'name'")
    return TaskDefinition(
        name=data["name"],
        description=str(data.get("description", "")),
        path=path,
        task=data.get("task"),
        params=data.get("params") or {},
        suite=list(data.get("suite") or []),
        raw=data,
        validated=validate,
    )


def _check_schema(path: Path, data: Any) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(TASK_FILE_SCHEMA)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
    if errors:
        err = errors[0]
        where = "/".join(str(p) for p in err.path) or "(top level)"
        message = err.message
        if err.validator == "oneOf":
            message = "a task file needs exactly one of 'task' or 'suite'"
        raise UserError(f"{path}: invalid task file at {where}: {message}")


def register_task_file(register: Any, path: Path, strict: bool) -> None:
    """Register a task file's definition; ``strict`` raises on a bad file, else the plugin's
    registration fails with the reason (shown by ``harness plugins``)."""
    definition = load_task_file(path, validate=strict)
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
        target.validate()
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
