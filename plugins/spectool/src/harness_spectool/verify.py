"""Run a query's ground-truth trajectories in its environment; check they reach the answer."""

from __future__ import annotations

import json
from typing import Any

import jsonschema

from harness_spectool.tools import ApiError, ToolDef, domain_tools
from harness_spectool.world import norm

OPTIONAL = "optional"


def concrete_args(args: dict[str, Any]) -> dict[str, Any]:
    """The arguments a ground-truth call is executed with: ``"optional"`` ones dropped."""
    return {k: v for k, v in args.items() if v != OPTIONAL}


def leaves(obj: Any) -> list[Any]:
    """Every scalar value inside a JSON value."""
    if isinstance(obj, dict):
        return [x for v in obj.values() for x in leaves(v)]
    if isinstance(obj, list):
        return [x for v in obj for x in leaves(v)]
    return [obj]


def same_value(a: Any, b: Any) -> bool:
    """Equality with numbers compared as numbers and strings case/space-insensitively."""
    if isinstance(a, bool) or isinstance(b, bool):
        return norm(a) == norm(b)
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(float(a) - float(b)) < 1e-6
    return norm(a) == norm(b)


def answer_facts(answer: Any) -> list[Any]:
    return list(answer) if isinstance(answer, list) else [answer]


_VALIDATORS: dict[str, Any] = {}


def _validator(schema: dict[str, Any]) -> Any:
    """A validator per distinct schema, its schema checked once (``jsonschema.validate`` checks
    the schema against the metaschema on every call, most of a build's time)."""
    key = json.dumps(schema, sort_keys=True)
    if key not in _VALIDATORS:
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        _VALIDATORS[key] = cls(schema)
    return _VALIDATORS[key]


def execute(tool: ToolDef, world: dict[str, Any], args: dict[str, Any]) -> Any:
    error = jsonschema.exceptions.best_match(_validator(tool.parameters).iter_errors(args))
    if error is not None:
        raise error  # as jsonschema.validate would
    return tool.handler(world, args)


def verify_query(q: dict[str, Any], world: dict[str, Any]) -> list[str]:
    """Problems of a query: unknown tools, bad or failing ground-truth calls, answer not reached."""
    env = q["additional_info"]["tool"]
    tools = {t.name: t for t in domain_tools(world).get(env, [])}
    if not tools:
        return [f"unknown environment '{env}'"]
    problems = []
    for k, traj in enumerate(q["ground_truth"]):
        seen: list[Any] = []
        for j, c in enumerate(traj):
            tool = tools.get(c["name"])
            if tool is None:
                problems.append(f"trajectory {k} call {j}: no tool '{c['name']}' in {env}")
                continue
            required = tool.parameters.get("required", [])
            for name, value in c["arguments"].items():
                if value == OPTIONAL and name in required:
                    problems.append(f"trajectory {k} call {j}: required '{name}' is 'optional'")
            try:
                out = execute(tool, world, concrete_args(c["arguments"]))
            except ApiError as exc:
                problems.append(f"trajectory {k} call {j} ({c['name']}): API error {exc.body}")
                continue
            except jsonschema.ValidationError as exc:
                problems.append(f"trajectory {k} call {j} ({c['name']}): {exc.message}")
                continue
            seen.extend(leaves(out))
        for fact in answer_facts(q["additional_info"]["answer"]):
            if not any(same_value(fact, v) for v in seen):
                problems.append(f"trajectory {k} does not reach the answer {fact!r}")
    return problems
