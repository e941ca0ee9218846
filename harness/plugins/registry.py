"""One typed registry for all six kinds, with lazy entries and "did you mean" on unknown names."""

from __future__ import annotations

import importlib
import sys
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


#: kind -> (classes a registered class must subclass, classes a registered object may be an
#: instance of, what the error says they should be); each as "module:attribute"
KIND_BASES: dict[str, tuple[tuple[str, ...], tuple[str, ...], str]] = {
    "models": (
        ("harness.model:Model",),
        (),
        "a harness.model.Model subclass or a factory function",
    ),
    "tasks": (
        ("harness.task:Task",),
        ("harness.plugins.taskfiles:TaskDefinition",),
        "a harness.task.Task subclass",
    ),
    "environments": (
        ("harness.environment:Environment",),
        (),
        "a harness.environment.Environment subclass",
    ),
    "metrics": (
        ("harness.metric:Metric",),
        ("harness.metric:Metric",),
        "a harness.metric.Metric subclass or instance",
    ),
    "generators": (("harness.jobs:Generator",), (), "a harness.jobs.Generator subclass"),
    "trainers": (("harness.jobs:Trainer",), (), "a harness.jobs.Trainer subclass"),
}


def _loaded_class(ref: str) -> type | None:
    """The class ``module:attribute`` if its module is imported already, else None: an object
    can only be an instance or subclass of a class whose module is loaded, so the check never
    imports anything (``harness plugins`` stays fast)."""
    module, _, attr = ref.partition(":")
    loaded = sys.modules.get(module)
    cls = getattr(loaded, attr, None) if loaded is not None else None
    return cls if isinstance(cls, type) else None


def kind_problem(kind: str, target: Any) -> str | None:
    """Why ``target`` cannot be registered as a ``kind``, or None when it can."""
    if kind not in KIND_BASES:
        return f"'{kind}' is not a kind of plugin registration"
    class_refs, instance_refs, want = KIND_BASES[kind]
    if isinstance(target, type):
        bases = tuple(c for c in map(_loaded_class, class_refs) if c is not None)
        if bases and issubclass(target, bases):
            return None
        return f"is {target.__name__}, not {want}"
    kinds = tuple(c for c in map(_loaded_class, instance_refs) if c is not None)
    if (kinds and isinstance(target, kinds)) or (kind == "models" and callable(target)):
        return None  # a task file's definition, a metric instance, a model factory function
    return f"is {type(target).__name__}, not {want}"


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
