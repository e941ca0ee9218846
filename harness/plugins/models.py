"""Building a model from its ``PROVIDER/NAME`` through the provider a plugin registered."""

from __future__ import annotations

from typing import Any

from harness.callpath.args import split_call_args
from harness.errors import UserError
from harness.model import Model, split_spec
from harness.plugins.manager import PluginManager, get_manager


def load_model(spec: str, args: dict[str, Any], manager: PluginManager | None = None) -> Model:
    """Build the model named ``PROVIDER/NAME`` through the provider its plugin registered.

    The call path's own arguments (``max_retries``, ``rpm``, ``tpm``, ... see
    :class:`harness.callpath.args.CallArgs`) are taken out first and kept on ``model.call_args``;
    the backend gets the rest."""
    manager = manager or get_manager()
    provider, name = split_spec(spec)
    cls = manager.registry("models").get(provider)
    call_args, args = split_call_args(args, spec)
    if isinstance(cls, type) and issubclass(cls, Model):
        model = cls.create(name, args)
    else:  # a plain factory function
        model = cls(name, **args)
    if not isinstance(model, Model):
        raise UserError(f"model provider '{provider}' did not return a harness Model")
    model.call_args = call_args
    return model
