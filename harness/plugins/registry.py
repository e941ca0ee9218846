"""One typed registry for all six kinds, with lazy entries and "did you mean" on unknown names."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from harness.errors import UserError, unknown

T = TypeVar("T")

KINDS = ("models", "tasks", "environments", "metrics", "generators", "trainers")
SINGULAR = {
    "models": "model provider",
    "tasks": "task",
    "environments": "environment",
    "metrics": "metric",
    "generators": "generator",
    "trainers": "trainer",
}


class DuplicateNameError(UserError):
    pass


class WrongKindError(UserError):
    """A plugin registered something that is not of the kind's base class."""


def kind_problem(kind: str, target: Any) -> str | None:
    """Why ``target`` cannot be registered as a ``kind``, or None when it can.

    The base classes are imported here, not at module level: a plugin that registers objects
    has imported them already, and lazy string targets are checked when first loaded."""
    from harness.environment import Environment
    from harness.jobs import Generator, Trainer
    from harness.metric import Metric
    from harness.model import Model
    from harness.plugins.taskfiles import TaskDefinition
    from harness.task import Task

    def subclass(base: type) -> bool:
        return isinstance(target, type) and issubclass(target, base)

    if kind == "models":
        ok = subclass(Model) or (callable(target) and not isinstance(target, type))
        want = "a harness.model.Model subclass or a factory function"
    elif kind == "tasks":
        ok = subclass(Task) or isinstance(target, TaskDefinition)
        want = "a harness.task.Task subclass"
    elif kind == "environments":
        ok, want = subclass(Environment), "a harness.environment.Environment subclass"
    elif kind == "metrics":
        ok = subclass(Metric) or isinstance(target, Metric)
        want = "a harness.metric.Metric subclass or instance"
    elif kind == "generators":
        ok, want = subclass(Generator), "a harness.jobs.Generator subclass"
    elif kind == "trainers":
        ok, want = subclass(Trainer), "a harness.jobs.Trainer subclass"
    else:
        return f"'{kind}' is not a kind of plugin registration"
    if ok:
        return None
    got = target.__name__ if isinstance(target, type) else type(target).__name__
    return f"is {got}, not {want}"


@dataclass
class Entry(Generic[T]):
    """A registered name. ``target`` is the object or a lazy ``"module:attribute"`` string."""

    name: str
    target: Any
    description: str
    plugin: str
    extra: dict[str, Any] = field(default_factory=dict)
    _loaded: Any = None

    def load(self) -> T:
        if self._loaded is None:
            target = self.target
            if isinstance(target, str):
                module, _, attr = target.partition(":")
                try:
                    obj: Any = importlib.import_module(module)
                    for part in attr.split(".") if attr else []:
                        obj = getattr(obj, part)
                except Exception as exc:  # a broken plugin must not take the core down
                    raise UserError(
                        f"{SINGULAR.get(self.extra.get('kind', ''), 'entry')} '{self.name}' from "
                        f"plugin '{self.plugin}' failed to load ({target}): "
                        f"{type(exc).__name__}: {exc}"
                    ) from exc
                target = obj
                problem = kind_problem(self.extra.get("kind", ""), target)
                if problem:
                    raise WrongKindError(
                        f"{SINGULAR.get(self.extra.get('kind', ''), 'entry')} '{self.name}' from "
                        f"plugin '{self.plugin}' ({self.target}) {problem}"
                    )
            self._loaded = target
        return self._loaded  # type: ignore[no-any-return]


class Registry(Generic[T]):
    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, Entry[T]] = {}

    def add(self, entry: Entry[T]) -> None:
        """Add ``entry``; an object target (not a lazy string) must be of this kind."""
        if not isinstance(entry.target, str):
            problem = kind_problem(self.kind, entry.target)
            if problem:
                raise WrongKindError(
                    f"{SINGULAR[self.kind]} '{entry.name}' from plugin '{entry.plugin}' {problem}"
                )
        old = self._entries.get(entry.name)
        old_path, new_path = (e.extra.get("path") if e else None for e in (old, entry))
        if old_path and new_path and old_path != new_path:
            raise DuplicateNameError(
                f"two task files are named '{entry.name}': {old_path} and {new_path}. "
                "Rename one (the 'name' field)."
            )
        if old is not None and old.plugin != entry.plugin:
            raise DuplicateNameError(
                f"{SINGULAR[self.kind]} '{entry.name}' is registered by two plugins: "
                f"'{old.plugin}' and '{entry.plugin}'. Uninstall one, or disable it with "
                f"HARNESS_DISABLE_PLUGINS={entry.plugin}."
            )
        entry.extra.setdefault("kind", self.kind)
        self._entries[entry.name] = entry

    def entry(self, name: str) -> Entry[T]:
        try:
            return self._entries[name]
        except KeyError:
            raise unknown(SINGULAR[self.kind], name, self._entries) from None

    def get(self, name: str) -> T:
        return self.entry(name).load()

    def remove(self, name: str) -> Entry[T]:
        return self._entries.pop(name)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def names(self) -> list[str]:
        return sorted(self._entries)

    def entries(self) -> list[Entry[T]]:
        return [self._entries[n] for n in self.names()]
