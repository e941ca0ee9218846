"""Records pinned before the port to the core agent loop: the same scripted agent and users must
give the same records (transcript, episode state, stop reason, scores) after it. The port may add
only the keys in ``ADDED`` (the turn count every agent task records). Rewrite the fixtures with
``HARNESS_UPDATE_PINNED=1`` only for a change meant to alter records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.backends.scripted.model import ScriptedModel
from harness.errors import ContextOverflowError
from harness.model import Model
from harness.schemas import Message, ModelResponse
from harness.testing.pinned import assert_pinned, run_records

DATA = Path(__file__).parent / "data"
ADDED = ("turns", "user_simulator", "rules", "data")
SAMPLES = ["travel22-0000", "travel233-0000"]
#: a scripted agent is not a serial engine, so user=auto would pick the model user: these
#: records were pinned with the rule user (and the synthetic set), so they name both
RULE_USER = {"user": "rule", "data": "synthetic"}


def tool(choice: str, content: str, thought: str | None = "t") -> dict[str, Any]:
    args = {"choice": choice, "content": content}
    if thought is not None:
        args["thought"] = thought
    return {"tool_calls": [{"name": "interact_with_env", "arguments": args}]}


SCRIPT: list[Any] = [
    tool("search", "flight from Boston"),
    tool("action", "Do you prefer a nonstop flight?"),
    "plain text, no tool call",
    {
        "tool_calls": [
            tool("search", "hotel downtown")["tool_calls"][0],
            tool("answer", "F1")["tool_calls"][0],
        ]
    },
    tool("answer", "H1", thought=None),
    tool("action", "Anything else you care about?"),
    tool("answer", "F2, F3"),
    tool("answer", "H2"),
]


class OverflowAfter(ScriptedModel):
    """Plays the script, then overflows its context on the third agent turn."""

    def reply(self, messages: list[Message]) -> ModelResponse:
        if sum(m.role == "assistant" for m in messages) >= 2:
            raise ContextOverflowError("prompt longer than the context window")
        return super().reply(messages)


def _agent(script: list[Any], cls: type[ScriptedModel] = ScriptedModel) -> dict[str, Model]:
    return {"scripted/agent": cls.create("agent", {"responses": script})}


def test_rule_user_records_are_pinned(tmp_path: Path) -> None:
    records = run_records(
        "userbench", tmp_path, _agent(SCRIPT), sample_ids=SAMPLES, task_params=RULE_USER
    )
    assert_pinned(DATA / "pinned_rule_user.json", records, ADDED)


def test_step_limit_and_small_budget_records_are_pinned(tmp_path: Path) -> None:
    records = run_records(
        "userbench",
        tmp_path,
        _agent(SCRIPT),
        sample_ids=SAMPLES,
        task_params={"max_steps": 4, "budget": "small", **RULE_USER},
    )
    assert_pinned(DATA / "pinned_step_limit.json", records, ADDED)


def test_model_user_records_are_pinned(tmp_path: Path) -> None:
    models = _agent(SCRIPT)
    user_says = [
        '{"type": 2, "preference_id": "flight-1"}',
        "I really like nonstop flights.",
        "nonsense",
    ]
    models["scripted/user"] = ScriptedModel.create("user", {"responses": user_says})
    records = run_records(
        "userbench",
        tmp_path,
        models,
        roles={"user": "scripted/user"},
        sample_ids=SAMPLES,
        task_params={"max_steps": 6, "data": "synthetic"},
    )
    assert_pinned(DATA / "pinned_model_user.json", records, ADDED)


def test_context_overflow_records_are_pinned(tmp_path: Path) -> None:
    records = run_records(
        "userbench",
        tmp_path,
        _agent(SCRIPT, OverflowAfter),
        sample_ids=SAMPLES,
        task_params=RULE_USER,
    )
    assert_pinned(DATA / "pinned_overflow.json", records, ADDED)
