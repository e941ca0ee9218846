"""Records pinned before the port to the core agent loop: the same scripted agent and user must
give the same tau-bench records (transcript, calls, final hash, stop reason, steps, user turns,
scores) after it. The port may add only the keys in ``ADDED`` (the turn count every agent task
records). Rewrite the fixtures with ``HARNESS_UPDATE_PINNED=1`` only for a change meant to alter
records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.backends.scripted.model import ScriptedModel
from harness.errors import ContextOverflowError
from harness.model import Model
from harness.schemas import Message, ModelResponse
from harness.testing.pinned import assert_pinned, run_records

DATA = Path(__file__).parent / "data"
ADDED = ("turns",)
SAMPLES = ["0", "1"]


def _call(*calls: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return {"text": "", "tool_calls": [{"name": n, "arguments": a} for n, a in calls]}


AGENT: list[Any] = [
    _call(("find_user_id_by_email", {"email": "nobody@example.com"})),
    "Could you give me your name and zip code?",
    _call(
        ("find_user_id_by_name_zip", {"first_name": "Yusuf", "last_name": "Rossi", "zip": "19122"}),
        ("no_such_tool", {}),
    ),
    "I found your account. What would you like to change?",
    _call(("get_order_details", {"order_id": "#W2378156"})),
    "Done. Anything else?",
    _call(("transfer_to_human_agents", {"summary": "needs a human"})),
]
USER = [
    "Hi, I need help with an order.",
    "Yusuf Rossi, 19122.",
    "Exchange my keyboard.",
    "###STOP###",
]


class OverflowAfter(ScriptedModel):
    """Plays the script, then overflows its context on the fourth agent turn."""

    def reply(self, messages: list[Message]) -> ModelResponse:
        if sum(m.role == "assistant" for m in messages) >= 4:
            raise ContextOverflowError("prompt longer than the context window")
        return super().reply(messages)


def _models(
    agent_cls: type[ScriptedModel] = ScriptedModel, user: list[str] = USER
) -> dict[str, Model]:
    return {
        "scripted/agent": agent_cls.create("agent", {"responses": AGENT}),
        "scripted/user": ScriptedModel.create("user", {"responses": user}),
    }


def _run(tmp_path: Path, models: dict[str, Model], **params: Any) -> list[dict[str, Any]]:
    return run_records(
        "tau-retail",
        tmp_path,
        models,
        roles={"user": "scripted/user"},
        sample_ids=SAMPLES,
        task_params=params,
    )


def test_user_stop_records_are_pinned(tmp_path: Path) -> None:
    assert_pinned(DATA / "pinned_user_stop.json", _run(tmp_path, _models()), ADDED)


def test_transfer_records_are_pinned(tmp_path: Path) -> None:
    models = _models(user=["Hi, I need help.", "Yusuf Rossi, 19122.", "Go on.", "Go on."])
    assert_pinned(DATA / "pinned_transfer.json", _run(tmp_path, models), ADDED)


def test_step_and_turn_limits_records_are_pinned(tmp_path: Path) -> None:
    models = _models(user=["Hi.", "Go on."])
    records = _run(tmp_path, models, max_steps=3) + _run(
        tmp_path / "b", _models(user=["Hi.", "Go on."]), max_user_turns=2
    )
    assert_pinned(DATA / "pinned_limits.json", records, ADDED)


def test_small_budget_and_overflow_records_are_pinned(tmp_path: Path) -> None:
    records = _run(tmp_path, _models(), budget="small") + _run(
        tmp_path / "b", _models(OverflowAfter, ["Hi.", "Go on."])
    )
    assert_pinned(DATA / "pinned_small_overflow.json", records, ADDED)
