"""Plugin-declared typed options: ``-T key=value`` pairs and per-plugin ``--flags``, into
pydantic models."""

from __future__ import annotations

import argparse
import json
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationError

from harness.errors import UserError


class NoOptions(BaseModel):
    """The options model of a plugin that takes none."""

    model_config = ConfigDict(extra="forbid")


def parse_value(text: str) -> Any:
    """'3' -> 3, 'true' -> True, '[1,2]' -> [1, 2], anything else stays a string."""
    lowered = text.strip()
    if lowered in ("true", "True"):
        return True
    if lowered in ("false", "False"):
        return False
    if lowered in ("none", "None", "null"):
        return None
    try:
        return json.loads(lowered)
    except ValueError:
        return text


def parse_pairs(pairs: list[str] | None, flag: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UserError(f"{flag} expects key=value, got '{pair}'")
        out[key.replace("-", "_")] = value
    return out


def _accepts_str(annotation: Any) -> bool:
    if annotation is str:
        return True
    return any(_accepts_str(a) for a in get_args(annotation)) and get_origin(annotation) not in (
        list,
        tuple,
        set,
        dict,
    )


def coerce(model: type[BaseModel], values: dict[str, Any]) -> dict[str, Any]:
    """Turn raw command-line strings into JSON values, except for fields that take strings."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        field = model.model_fields.get(key)
        if isinstance(value, str) and not (field is not None and _accepts_str(field.annotation)):
            value = parse_value(value)
        elif isinstance(value, list):
            element_str = field is not None and any(
                _accepts_str(a) for a in get_args(field.annotation) for a in (a, *get_args(a))
            )
            value = [parse_value(v) if isinstance(v, str) and not element_str else v for v in value]
        out[key] = value
    return out


def validate(model: type[BaseModel], values: dict[str, Any], what: str) -> BaseModel:
    """Build ``model`` from ``values`` or raise one clear :class:`UserError`."""
    try:
        return model(**coerce(model, values))
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(x) for x in err["loc"]) or "(options)"
            if err["type"] == "extra_forbidden":
                known = ", ".join(model.model_fields) or "(none)"
                problems.append(f"unknown option '{loc}' (known: {known})")
            else:
                problems.append(f"{loc}: {err['msg']} (got {err.get('input')!r})")
        raise UserError(f"bad {what}: " + "; ".join(problems)) from None


def _flag_type(annotation: Any) -> tuple[str, Any]:
    """'bool' for booleans, 'list' for lists, else 'value' (pydantic coerces the string)."""
    origin = get_origin(annotation)
    args = [a for a in get_args(annotation) if a is not type(None)]
    if annotation is bool or (origin is not None and args == [bool]):
        return "bool", None
    if origin in (list, tuple, set) or any(get_origin(a) in (list, tuple, set) for a in args):
        return "list", None
    return "value", None


def add_option_flags(parser: argparse.ArgumentParser, model: type[BaseModel], title: str) -> None:
    """Add one ``--field-name`` flag per option field, written into ``args.plugin_options``."""
    if not model.model_fields:
        return
    group = parser.add_argument_group(title)
    for name, field in model.model_fields.items():
        flag = "--" + name.replace("_", "-")
        default = field.default if field.default_factory is None else field.default_factory()  # type: ignore[call-arg]
        # argparse %-formats help strings: a literal % in a description must not crash --help
        said = "required" if field.is_required() else f"default: {default!r}"
        help_text = ((field.description or "") + f" ({said})").replace("%", "%%")
        kind, _ = _flag_type(field.annotation)
        dest = f"opt__{name}"
        if kind == "bool":
            group.add_argument(
                flag,
                dest=dest,
                action=argparse.BooleanOptionalAction,
                default=argparse.SUPPRESS,
                help=help_text,
            )
        elif kind == "list":
            group.add_argument(
                flag,
                dest=dest,
                nargs="+",
                default=argparse.SUPPRESS,
                metavar="VALUE",
                help=help_text,
            )
        else:
            group.add_argument(
                flag, dest=dest, default=argparse.SUPPRESS, metavar="VALUE", help=help_text
            )


def flag_values(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in vars(args).items():
        if key.startswith("opt__"):
            name = key[len("opt__") :]
            out[name] = value
    return out
