"""The run's models: the default model and each role's, built once and sharing one wrapper
chain."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.callpath.chain import default_wrappers
from harness.context import Roles
from harness.errors import UserError
from harness.model import ModelWrapper, WrappedModel
from harness.plugins.manager import PluginManager
from harness.plugins.models import load_model
from harness.schemas import RunConfig


def build_roles(
    config: RunConfig,
    wrappers: Sequence[ModelWrapper],
    manager: PluginManager,
    overrides: dict[str, Any] | None = None,
) -> tuple[Roles, list[Any]]:
    """The default model and each role's, checked and prepared, sharing one wrapper chain.

    ``-M key=value`` goes to the default model (``--model``); ``-M ROLE.key=value`` to that
    role's. A role with no arguments of its own and the default's PROVIDER/NAME shares the
    default model's instance."""
    overrides = overrides or {}
    built: dict[tuple[str, str], WrappedModel] = {}

    def get(spec: str, args: dict[str, Any]) -> WrappedModel:
        key = (spec, json.dumps(args, sort_keys=True, default=str))
        if key not in built:
            model = overrides.get(spec) or load_model(spec, args, manager)
            model.check()
            model.prepare(config.max_concurrency)
            built[key] = WrappedModel(model, wrappers)
        return built[key]

    unknown_roles = set(config.model_role_args) - set(config.model_roles)
    if unknown_roles:
        role = sorted(unknown_roles)[0]
        raise UserError(
            f"-M {role}.KEY=VALUE sets an argument of role '{role}', but no --model-role "
            f"{role}=PROVIDER/NAME is given"
        )
    default = get(config.model, config.model_args)
    roles = {}
    for role, spec in config.model_roles.items():
        own = config.model_role_args.get(role)
        if own is None and spec == config.model:
            roles[role] = default
        else:
            roles[role] = get(spec, own or {})
    return Roles(default, roles), [w.model for w in built.values()]


def build_wrappers(config: RunConfig, run_dir: Path | None) -> list[ModelWrapper]:
    """The wrapper chain around every model call (cache, retries, rate limits)."""
    return default_wrappers(config, run_dir)
