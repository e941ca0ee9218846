"""The plugin manager and what it fills: entry-point loading, the six registries, task files,
the plugin catalogue, and the core's own built-in plugin.

Layer: imports the plugin-facing API, the call path and the backends' names (never a plugin).
"""

from __future__ import annotations

from harness.plugins.manager import (
    PluginInfo,
    PluginManager,
    get_manager,
    reset_manager,
    set_manager,
)

__all__ = ["PluginInfo", "PluginManager", "get_manager", "reset_manager", "set_manager"]
