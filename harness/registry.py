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
            self._loaded = target
        return self._loaded  # type: ignore[no-any-return]


class Registry(Generic[T]):
    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, Entry[T]] = {}

    def add(self, entry: Entry[T]) -> None:
        old = self._entries.get(entry.name)
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
