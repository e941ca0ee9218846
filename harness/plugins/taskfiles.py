"""Declarative tasks: YAML files that bind a registered task to parameters, or combine tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from harness.errors import UserError

if TYPE_CHECKING:
    from harness.hookspecs import Register
    from harness.plugins.manager import PluginManager
    from harness.task import Task

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"


class TaskFile(BaseModel):
    """A task file (YAML): a registered task bound to parameters, or a suite of task names."""

    model_config = ConfigDict(
        extra="forbid",
        title="harness task file",
        json_schema_extra={
            "oneOf": [
                {"required": ["task"], "not": {"required": ["suite"]}},
                {"required": ["suite"], "not": {"required": ["task"]}},
            ]
        },
    )

    format_version: Literal[1] = Field(default=1, description="Schema version of the task file.")
    name: str = Field(pattern=NAME_PATTERN, description="The name `harness run` takes.")
    description: str = Field(default="", description="One line for `harness list tasks`.")
    task: str | None = Field(default=None, description="The registered task this file configures.")
    params: dict[str, Any] = Field(
        default_factory=dict, description="Task options (as -T would give them)."
    )
    suite: list[str] | None = Field(
        default=None,
        min_length=1,
        description="Task names run one after another, each in its own run dir.",
    )

    @model_validator(mode="after")
    def _task_or_suite(self) -> TaskFile:
        if (self.task is None) == (self.suite is None):
            raise ValueError("a task file needs exactly one of 'task' or 'suite'")
        return self


def task_file_schema() -> dict[str, Any]:
    """The JSON Schema of a task file (``harness schema task-file``)."""
    schema = TaskFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


@dataclass
class TaskDefinition:
    """A loaded task file, as registered under its name."""

    name: str
    description: str
    path: Path
    task: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    suite: list[str] = field(default_factory=list)


def load_task_file(path: Path) -> TaskDefinition:
    """Read and validate a task file; every problem is a :class:`UserError` naming the file."""
    import yaml

    try:
        raw = path.read_bytes()
        data = yaml.safe_load(raw.decode("utf-8"))
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
    try:
        parsed = TaskFile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = "/".join(str(p) for p in err["loc"]) or "(top level)"
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = f"unknown field '{err['loc'][-1]}'"
        raise UserError(f"{path}: invalid task file at {where}: {message}") from None
    return TaskDefinition(
        name=parsed.name,
        description=parsed.description,
        path=path,
        task=parsed.task,
        params=parsed.params,
        suite=list(parsed.suite or []),
    )


def register_task_file(register: Register, path: Path) -> None:
    """Register a task file's definition. A bad file raises :class:`UserError`: from a user's
    ``--tasks-path`` it stops the command; from a plugin's ``register(task_file=...)`` it skips
    that plugin with the reason (shown by ``harness plugins``)."""
    definition = load_task_file(path)
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
    return registry.get(name)


def follow_task(name: str, manager: PluginManager) -> tuple[Any, dict[str, Any]]:
    """(the Task class or suite definition ``name`` leads to, the task files' merged params).

    A task file names another task; following the names stops at a Task class or a suite, and a
    name met twice is a cycle: one :class:`UserError` naming it (not an endless loop)."""
    chain = [name]
    merged: dict[str, Any] = {}
    target = _get(name, manager, None)
    while isinstance(target, TaskDefinition) and not target.suite:
        assert target.task is not None
        merged = {**target.params, **merged}
        chain.append(target.task)
        if target.task in chain[:-1]:
            raise _cycle_error(chain, manager)
        target = _get(target.task, manager, target)
    return target, merged


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
