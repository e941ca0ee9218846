"""Discovers plugins through the ``harness`` entry-point group and fills the registries.

Environment variables:
  HARNESS_PLUGINS          comma-separated entry-point names: load only these (``core`` is always
                           loaded unless listed in HARNESS_DISABLE_PLUGINS).
  HARNESS_DISABLE_PLUGINS  comma-separated entry-point names to skip.

A plugin that raises while importing or registering is recorded with its error and skipped; the
others load. Two plugins registering one name is a :class:`DuplicateNameError` naming both.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pluggy

from harness import hookspecs
from harness.errors import UserError
from harness.hookspecs import Register
from harness.plugins.registry import KINDS, DuplicateNameError, Entry, Registry, WrongKindError

GROUP = "harness"


@dataclass
class PluginInfo:
    name: str
    distribution: str | None
    version: str | None
    module: str
    hooks: list[str] = field(default_factory=list)
    registered: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None
    skipped: list[str] = field(default_factory=list)


class PluginManager:
    """Holds the pluggy manager, the six registries and what each plugin contributed."""

    def __init__(self, extra_task_paths: Iterable[str | Path] = ()) -> None:
        self.pm = pluggy.PluginManager(GROUP)
        self.pm.add_hookspecs(hookspecs)
        self.registries: dict[str, Registry[Any]] = {k: Registry(k) for k in KINDS}
        self.plugins: dict[str, PluginInfo] = {}
        self.dropped_suites: dict[str, str] = {}  # suite name -> why it is not available
        self._extra_task_paths = [Path(p) for p in extra_task_paths]

    # ------------------------------------------------------------------ loading

    def load_entry_points(self) -> None:
        only = _env_list("HARNESS_PLUGINS")
        skip = _env_list("HARNESS_DISABLE_PLUGINS")
        from harness.plugins.entrypoints import entry_points as find_entry_points

        entry_points = find_entry_points(GROUP)
        _check_plugin_names(only | skip, {ep.name for ep in entry_points})
        seen: set[str] = set()
        for ep in entry_points:
            if ep.name in seen or ep.name in skip:
                continue
            if only and ep.name not in only and ep.name != "core":
                continue
            seen.add(ep.name)
            info = PluginInfo(
                name=ep.name, distribution=ep.distribution, version=ep.version, module=ep.value
            )
            self.plugins[ep.name] = info
            try:
                module = ep.load()
            except Exception as exc:
                info.error = f"import failed: {type(exc).__name__}: {exc}"
                continue
            self.register_plugin(module, ep.name, info)

    def register_plugin(self, module: Any, name: str, info: PluginInfo | None = None) -> None:
        """Register a plugin object (module or instance with hookimpls) under ``name``."""
        if info is None:
            info = PluginInfo(name=name, distribution=None, version=None, module=repr(module))
            self.plugins[name] = info
        try:
            self.pm.register(module, name=name)
        except Exception as exc:
            info.error = f"registration failed: {type(exc).__name__}: {exc}"
            return
        info.hooks = sorted(
            {
                impl.function.__name__
                for caller in self._callers()
                for impl in caller.get_hookimpls()
                if impl.plugin_name == name
            }
        )

    def _callers(self) -> list[Any]:
        return [getattr(self.pm.hook, n) for n in dir(self.pm.hook) if not n.startswith("_")]

    def collect(self) -> None:
        """Call every plugin's registration hooks, one plugin at a time, to know who registered
        what."""
        for kind in KINDS:
            caller = getattr(self.pm.hook, f"register_{kind}")
            for impl in reversed(caller.get_hookimpls()):
                info = self.plugins[impl.plugin_name]
                if info.error:
                    continue
                try:
                    impl.function(register=self._register_callback(kind, info))
                except DuplicateNameError:
                    raise
                except WrongKindError as exc:
                    self._skip(info, str(exc))
                except Exception as exc:
                    self._skip(
                        info,
                        f"register_{kind} failed: {type(exc).__name__}: {exc}\n"
                        + traceback.format_exc(limit=3),
                    )
        from harness.plugins.taskfiles import drop_incomplete_suites, register_task_file

        for path in self._extra_task_paths:
            files = sorted(path.glob("*.y*ml")) if path.is_dir() else [path]
            if not path.exists():
                raise UserError(f"--tasks-path {path}: no such file or directory")
            info = self.plugins.setdefault(
                "user-tasks", PluginInfo("user-tasks", None, None, str(path))
            )
            for f in files:
                register_task_file(self._register_callback("tasks", info), f, strict=True)
        drop_incomplete_suites(self)

    def _skip(self, info: PluginInfo, error: str) -> None:
        """A plugin whose registration failed is skipped whole, as if it had failed to import:
        what it registered so far is removed and its lifecycle hooks are not called."""
        info.error = error
        for kind, names in info.registered.items():
            for name in names:
                registry = self.registries[kind]
                if name in registry and registry.entry(name).plugin == info.name:
                    registry.remove(name)
        info.registered = {}
        if self.pm.get_plugin(info.name) is not None:
            self.pm.unregister(name=info.name)

    def _register_callback(self, kind: str, info: PluginInfo) -> Register:
        registry = self.registries[kind]

        def register(
            name: str | None = None,
            target: object = None,
            description: str = "",
            task_file: str | Path | None = None,
            **extra: Any,
        ) -> None:
            if task_file is not None:
                from harness.plugins.taskfiles import register_task_file

                register_task_file(register, Path(task_file), strict=False)
                return
            if not name or target is None:
                raise ValueError(f"register() for {kind} needs a name and a target")
            if not description:
                description = _describe(target)
            registry.add(
                Entry(
                    name,
                    target,
                    description.strip().splitlines()[0] if description else "",
                    info.name,
                    dict(extra),
                )
            )
            info.registered.setdefault(kind, []).append(name)

        return register

    # ------------------------------------------------------------------ lookups

    def registry(self, kind: str) -> Registry[Any]:
        return self.registries[kind]

    def versions(self) -> dict[str, str]:
        return {
            p.distribution: p.version or "?"
            for p in self.plugins.values()
            if p.distribution and not p.error
        }


def _describe(target: Any) -> str:
    if isinstance(target, str):
        return ""
    doc = getattr(target, "description", None) or getattr(target, "__doc__", None) or ""
    return str(doc).strip()


def _check_plugin_names(named: set[str], installed: set[str]) -> None:
    """HARNESS_PLUGINS / HARNESS_DISABLE_PLUGINS naming no installed plugin is a typo: say so,
    rather than load (or skip) other plugins than the user meant."""
    from harness.errors import did_you_mean

    for name in sorted(named - installed):
        only = name in _env_list("HARNESS_PLUGINS")
        var = "HARNESS_PLUGINS" if only else "HARNESS_DISABLE_PLUGINS"
        raise UserError(
            f"{var} names '{name}', which is no installed plugin.{did_you_mean(name, installed)} "
            f"Installed: {', '.join(sorted(installed))} (see `harness plugins`)"
        )


def _env_list(var: str) -> set[str]:
    return {x.strip() for x in os.environ.get(var, "").split(",") if x.strip()}


_MANAGER: PluginManager | None = None


def get_manager(extra_task_paths: Iterable[str | Path] = ()) -> PluginManager:
    """The process-wide manager, loaded on first use."""
    global _MANAGER
    extra = list(extra_task_paths)
    if _MANAGER is None or extra:
        manager = PluginManager(extra)
        manager.load_entry_points()
        manager.collect()
        _MANAGER = manager
    return _MANAGER


def set_manager(manager: PluginManager) -> None:
    """Make ``manager`` the process-wide one (tests that register extra plugins in-process)."""
    global _MANAGER
    _MANAGER = manager


def reset_manager() -> None:
    global _MANAGER
    _MANAGER = None
