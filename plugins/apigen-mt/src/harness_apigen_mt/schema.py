"""Records this plugin reads and writes, as pydantic models (their JSON Schemas are published by
``python -m harness_apigen_mt.schema`` and under ``schemas/``).

* :class:`TauTask`: a tau2-bench task (the fields this plugin uses; others are kept).
* :class:`Blueprint`: an APIGen-MT task blueprint ``{intent, actions, outputs}``, which is also
  tau-bench's ``Task(user_id, instruction, actions, outputs)``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.errors import UserError


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Instructions(_Open):
    domain: str | None = None
    reason_for_call: str | None = None
    known_info: str | None = None
    unknown_info: str | None = None
    task_instructions: str | None = None


class UserScenario(_Open):
    persona: str | None = None
    instructions: Instructions | str


class Action(_Open):
    action_id: str | None = None
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    requestor: str | None = None


class EvaluationCriteria(_Open):
    actions: list[Action] | None = None
    communicate_info: list[str] | None = None
    nl_assertions: list[str] | None = None


class TauTask(_Open):
    id: str
    user_scenario: UserScenario
    initial_state: Any = None
    evaluation_criteria: EvaluationCriteria | None = None

    def actions(self) -> list[Action]:
        return list((self.evaluation_criteria and self.evaluation_criteria.actions) or [])

    def outputs(self) -> list[str]:
        return list((self.evaluation_criteria and self.evaluation_criteria.communicate_info) or [])

    def instruction_text(self) -> str:
        ins = self.user_scenario.instructions
        if isinstance(ins, str):
            return ins
        parts = [
            ("Reason for calling", ins.reason_for_call),
            ("Known info", ins.known_info),
            ("Unknown info", ins.unknown_info),
            ("Instructions", ins.task_instructions),
        ]
        return "\n".join(f"{k}: {v}" for k, v in parts if v)


def load_tasks(path: Path) -> list[TauTask]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise UserError(f"{path}: not JSON ({exc})") from None
    if not isinstance(raw, list):
        raise UserError(f"{path}: expected a JSON list of tau2 tasks")
    tasks = []
    for i, item in enumerate(raw):
        try:
            task = TauTask.model_validate(item)
        except ValidationError as exc:
            err = exc.errors()[0]
            rid = item.get("id", f"#{i}") if isinstance(item, dict) else f"#{i}"
            loc = ".".join(str(x) for x in err["loc"])
            raise UserError(f"{path}: task {rid}: field {loc}: {err['msg']}") from None
        if task.initial_state:
            raise UserError(f"{path}: task {task.id}: field initial_state: not supported here")
        tasks.append(task)
    return tasks


class BlueprintAction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(description="Tool name.")
    arguments: dict[str, Any] = Field(default_factory=dict, description="Tool arguments.")


class Blueprint(BaseModel):
    """A task blueprint: what the user wants, the ground-truth actions and outputs."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(description="Blueprint id.")
    domain: str = Field(description="retail or airline.")
    intent: str = Field(description="The user's goal, in the user's words (q).")
    actions: list[BlueprintAction] = Field(description="Ground-truth tool calls (a_gt).")
    outputs: list[str] = Field(default_factory=list, description="Facts the agent must say (o_gt).")
    user_id: str | None = Field(default=None, description="The user the task is about.")
    persona: str | None = Field(default=None, description="Persona the simulated human plays.")
    origin: str = Field(
        default="generated", description="'generated', 'recombined' or 'tau2-tasks' (ground truth)."
    )
    parents: list[str] = Field(default_factory=list, description="Recombined from these ids.")


def _bounded(schema: Any, max_len: int = 80) -> Any:
    """``schema`` with a maxLength on every string without one (ids, names, reasons)."""
    if isinstance(schema, list):
        return [_bounded(v, max_len) for v in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _bounded(v, max_len) for k, v in schema.items()}
    if out.get("type") == "string" and "enum" not in out:
        out.setdefault("maxLength", max_len)
    return out


def blueprint_reply_schema(tools: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """The JSON Schema the generator's reply is decoded under, from the domain's ``(name,
    parameters)`` pairs: each action is one of the tools with that tool's argument schema, and
    lengths (argument strings included) are bounded so that a reply fits the token budget and
    closes its JSON. A backend with constrained decoding then returns well-formed calls; whether
    the ids exist, the calls succeed and the policy holds is still up to stages 1 and 2 (and a
    generator without constrained decoding is checked against the tool schemas at format)."""
    return {
        "type": "object",
        "properties": {
            "intent": {"type": "string", "maxLength": 300},
            "actions": {
                "type": "array",
                "minItems": 1,
                "maxItems": 6,
                "items": {
                    "anyOf": [
                        {
                            "type": "object",
                            "properties": {"name": {"const": name}, "arguments": _bounded(params)},
                            "required": ["name", "arguments"],
                        }
                        for name, params in tools
                    ]
                },
            },
            "outputs": {
                "type": "array",
                "maxItems": 5,
                "items": {"type": "string", "maxLength": 100},
            },
        },
        "required": ["intent", "actions", "outputs"],
    }


if __name__ == "__main__":
    print(
        json.dumps(
            {"blueprint": Blueprint.model_json_schema(), "tau2-task": TauTask.model_json_schema()},
            indent=2,
        )
    )
