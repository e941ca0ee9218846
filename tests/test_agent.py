"""The agent loop: native tools, a text protocol, a simulated user, parse errors, step limits."""

from __future__ import annotations

import asyncio
from typing import Any

from harness.agent import JsonActionProtocol, run_agent
from harness.backends.scripted.model import ScriptedModel
from harness.environment import Environment, SimulatedUser, StepResult, UserTurn
from harness.model import ModelHandle, WrappedModel
from harness.schemas import GenerateConfig, Message, Sample, ToolCall, ToolSpec


class Counter(Environment):
    name = "counter"

    def reset(self, sample: Sample | None = None, seed: int | None = None) -> str:
        self.value = 0
        self.done = False
        return ""

    def tools(self) -> list[ToolSpec]:
        return [
            ToolSpec(
                name="inc",
                parameters={
                    "type": "object",
                    "properties": {"by": {"type": "integer"}},
                    "required": ["by"],
                },
            ),
            ToolSpec(name="stop"),
        ]

    async def step(self, call: ToolCall) -> StepResult:
        if call.name == "stop":
            self.done = True
            return StepResult(content="stopped", done=True, reward=1.0)
        if call.name != "inc":
            return StepResult(content=f"unknown tool {call.name}", is_error=True)
        self.value += int(call.arguments.get("by", 0))
        return StepResult(content=str(self.value), reward=0.1)


class Polite(SimulatedUser):
    def __init__(self, turns: int) -> None:
        self.turns = turns
        self.heard: list[str] = []

    async def start(self) -> str:
        return "please count"

    async def respond(self, messages: list[Message]) -> UserTurn:
        self.heard.append(messages[-1].content)
        self.turns -= 1
        return UserTurn(content="go on", done=self.turns <= 0, info={"left": self.turns})


def handle(responses: list[Any]) -> ModelHandle:
    model = ScriptedModel.create("s", {"responses": responses})
    return ModelHandle(WrappedModel(model), GenerateConfig(), "agent")


def run(model: ModelHandle, env: Environment, **kw: Any) -> Any:
    env.reset()
    return asyncio.run(run_agent(model, env, [Message(role="user", content="count")], **kw))


def test_native_calls_until_the_environment_is_done() -> None:
    model = handle(
        [
            {"tool_calls": [{"name": "inc", "arguments": {"by": 2}}]},
            {"tool_calls": [{"name": "inc", "arguments": {"by": 3}}]},
            {"tool_calls": [{"name": "stop"}]},
            "never reached",
        ]
    )
    env = Counter()
    result = run(model, env)
    assert env.value == 5 and result.stop_reason == "env_done" and result.steps == 3
    assert result.rewards == [0.1, 0.1, 1.0]
    assert [m.role for m in result.messages].count("tool") == 3
    assert model.calls == 3


def test_a_plain_answer_ends_the_loop() -> None:
    result = run(handle(["the answer is 0"]), Counter())
    assert result.stop_reason == "answer" and result.final_text == "the answer is 0"


def test_text_protocol_parses_calls_and_reports_parse_errors() -> None:
    model = handle(
        ['{"tool": "inc", "arguments": {"by": 4}}', '{"tool": "inc", "arguments": 5}', "done: 4"]
    )
    env = Counter()
    result = run(model, env, protocol=JsonActionProtocol(), system="You count.")
    assert env.value == 4
    assert [e["type"] for e in result.events] == ["tool", "parse_error"]
    assert "arguments must be a JSON object" in result.messages[-2].content
    assert result.final_text == "done: 4"
    assert result.messages[1].tool_calls == []  # text protocol: calls live in the text


def test_simulated_user_answers_plain_turns_until_done() -> None:
    env = Counter()
    env.user = Polite(turns=2)
    result = run(handle(["hello", "still here"]), env)
    assert result.stop_reason == "user_stop"
    assert env.user.heard == ["hello", "still here"]
    assert result.messages[-1] == Message(role="user", content="go on")


def test_max_steps_bounds_the_loop() -> None:
    model = handle([{"tool_calls": [{"name": "inc", "arguments": {"by": 1}}]}])
    env = Counter()
    result = run(model, env, max_steps=4)
    assert result.stop_reason == "max_steps" and result.steps == 4 and env.value == 4
