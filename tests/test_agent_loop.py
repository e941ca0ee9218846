"""The core agent loop's rules, each on a scripted model: the user opening and its turn limit,
tools that change mid-episode, sessions, environment feedback on text turns, one call a turn,
retry limits on malformed turns, token budgets, per-turn settings, schema checks, and the
budget-profile rule on real contexts."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from harness.agent import (
    AgentLoop,
    Budgets,
    JsonActionProtocol,
    Profile,
    Rules,
    ToolSchemaError,
    check_tools,
)
from harness.backends.llamacpp.model import LlamaCppModel
from harness.backends.scripted.model import ScriptedModel
from harness.context import Roles, SolveContext
from harness.environment import Environment, SimulatedUser, StepResult, UserTurn
from harness.jobs import JobContext
from harness.model import Model, ModelHandle, ModelWrapper, WrappedModel
from harness.schemas import GenerateConfig, Message, ModelResponse, Sample, ToolCall, ToolSpec

OBJ: dict[str, Any] = {"type": "object", "properties": {}}


class Library(Environment):
    """A retrieval meta-tool (``find``) adds the tool it finds; text turns get feedback."""

    name = "library"

    def reset(self, sample: Sample | None = None, seed: int | None = None) -> str:
        self.found: list[str] = []
        self.done = False
        return ""

    def tools(self) -> list[ToolSpec]:
        return [ToolSpec(name="find", parameters=OBJ)] + [
            ToolSpec(name=n, parameters=OBJ) for n in self.found
        ]

    async def step(self, call: ToolCall) -> StepResult:
        if call.name == "find":
            self.found.append(str(call.arguments.get("what", "tool")))
            return StepResult(content="found")
        if call.name in self.found:
            return StepResult(content=f"ran {call.name}", reward=1.0)
        return StepResult(content=f"no tool {call.name}", is_error=True)

    async def text_turn(self, text: str) -> StepResult:
        self.done = "bye" in text
        return StepResult(content=f"heard: {text}", done=self.done)


class Customer(SimulatedUser):
    def __init__(self, stop_after: int = 99) -> None:
        self.left = stop_after

    async def start(self) -> str:
        return "hello"

    async def respond(self, messages: list[Message]) -> UserTurn:
        self.left -= 1
        return UserTurn(content=f"user {self.left}", done=self.left <= 0)


class Seen(ModelWrapper):
    """Notes the tools and settings of every call."""

    def __init__(self) -> None:
        self.tools: list[list[str]] = []
        self.max_tokens: list[int | None] = []

    async def __call__(self, model, messages, tools, config, call_next):  # type: ignore[no-untyped-def]
        self.tools.append([t.name for t in tools or []])
        self.max_tokens.append(config.max_tokens)
        return await call_next(messages, tools, config)


def handle(responses: list[Any], wrapper: ModelWrapper | None = None) -> ModelHandle:
    model = ScriptedModel.create("s", {"responses": responses})
    return ModelHandle(WrappedModel(model, [wrapper] if wrapper else []), GenerateConfig(), "agent")


def call(name: str, **args: Any) -> dict[str, Any]:
    return {"tool_calls": [{"name": name, "arguments": args}]}


def play(loop: AgentLoop, opening: str | None = "go") -> Any:
    msgs = [Message(role="user", content=opening)] if opening else []
    return asyncio.run(loop.run(msgs))


def test_tools_added_mid_episode_reach_the_model_and_are_checked() -> None:
    seen, env = Seen(), Library()
    env.reset()
    model = handle([call("find", what="weather"), call("weather"), "done"], seen)
    result = play(AgentLoop(model, env))
    assert seen.tools == [["find"], ["find", "weather"], ["find", "weather"]]
    assert result.stop_reason == "answer" and result.rewards == [0.0, 1.0]
    assert result.record("small") == {"stop_reason": "answer", "turns": 3, "budget": "small"}


def test_user_opens_and_the_turn_limit_stops_the_episode() -> None:
    env = Library()
    env.reset()
    loop = AgentLoop(
        handle(["hi", "more?"]),
        env,
        rules=Rules(user_opens=True, max_user_turns=2, text_turn="user"),
        user=Customer(),
    )
    result = play(loop, opening=None)
    roles = [m.role for m in result.messages]
    assert roles == ["user", "assistant", "user", "assistant"]
    assert result.messages[0].content == "hello"  # start(): nothing said yet
    assert result.stop_reason == "max_user_turns" and result.user_turns == 2
    assert result.record()["simulated_user"] == [0, 2]  # what harness view marks


def test_the_user_may_stop() -> None:
    env = Library()
    env.reset()
    loop = AgentLoop(handle(["hi"]), env, user=Customer(stop_after=1), system="be brief")
    result = play(loop)
    assert result.stop_reason == "user_stop"
    # system, the task's opening (not the simulated user's), the reply, the user's answer
    assert [m.role for m in result.messages] == ["system", "user", "assistant", "user"]
    assert result.record()["simulated_user"] == [3]


def test_text_turns_go_to_the_environment_without_execution() -> None:
    env = Library()
    env.reset()
    rules = Rules(text_turn="environment")
    result = play(AgentLoop(handle(["hello", "bye"]), env, rules=rules))
    assert [m.content for m in result.messages if m.role == "user"][1:] == [
        "heard: hello",
        "heard: bye",
    ]
    assert result.stop_reason == "env_done" and result.turns[0].feedback is not None
    # go, hello, heard: hello, bye, heard: bye: the environment's answers are marked
    assert result.record()["environment_turns"] == [2, 4]
    assert "simulated_user" not in result.record()


def test_one_call_a_turn_answers_the_rest_with_a_note() -> None:
    env = Library()
    env.reset()
    two = {"tool_calls": [{"name": "find", "arguments": {}}, {"name": "find", "arguments": {}}]}
    rules = Rules(calls_per_turn="first", ignored_call_note="one at a time", max_steps=1)
    result = play(AgentLoop(handle([two]), env, rules=rules))
    assert env.found == ["tool"]
    assert [m.content for m in result.messages if m.role == "tool"] == ["found", "one at a time"]
    assert [o.kind for o in result.turns[0].outcomes] == ["call", "ignored"]
    assert result.stop_reason == "max_steps"


def test_malformed_turns_are_retried_up_to_the_limit() -> None:
    env = Library()
    env.reset()
    rules = Rules(max_format_errors=2, max_steps=10)
    bad = '{"tool": "find", "arguments": [1]}'
    result = play(AgentLoop(handle([bad]), env, JsonActionProtocol(), rules))
    assert result.stop_reason == "format_errors" and result.steps == 3
    assert all(t.kind == "format_error" for t in result.turns)


class Garbled(Model):
    """A backend reply that is neither text nor a valid call: ``garbled/args`` sends a call with
    unparsed arguments, ``garbled/none`` a reply whose text is not a string at all."""

    provider = "garbled"

    async def generate(self, messages: Any, tools: Any, config: Any) -> ModelResponse:
        if self.name == "args":
            bad = ToolCall(id="c", name="find", raw_arguments="{", parse_error="not JSON")
            return ModelResponse(tool_calls=[bad])
        return ModelResponse.model_construct(text=None, tool_calls=[])


def garbled(name: str) -> ModelHandle:
    return ModelHandle(WrappedModel(Garbled(name)), GenerateConfig(), "agent")


def test_a_reply_that_is_neither_text_nor_a_call_is_a_format_error_turn() -> None:
    env = Library()
    env.reset()
    result = play(AgentLoop(garbled("none"), env, JsonActionProtocol(), Rules(max_steps=2)))
    assert [t.kind for t in result.turns] == ["format_error", "format_error"]
    assert "unreadable reply" in (result.turns[-1].parsed.error or "")
    assert result.stop_reason == "max_steps"
    native = play(AgentLoop(garbled("args"), env, rules=Rules(max_steps=1)))
    assert native.turns[0].outcomes[0].kind == "format_error" and not env.found
    assert native.messages[-1].role == "tool" and "not JSON" in native.messages[-1].content


def test_per_turn_settings_and_the_token_budget() -> None:
    seen, env = Seen(), Library()
    env.reset()
    rules = Rules(generate=lambda step: {"max_tokens": 10 * step}, max_agent_tokens=3)
    result = play(AgentLoop(handle([call("find")], seen), env, rules=rules))
    assert seen.max_tokens[:2] == [10, 20]
    assert result.stop_reason == "budget"


def test_sessions_carry_the_conversation_and_the_state() -> None:
    env = Library()
    env.reset()
    loop = AgentLoop(handle([call("find", what="a"), "first done", call("a"), "second done"]), env)
    first = play(loop, "session one")
    second = play(loop, "session two")
    assert first.stop_reason == second.stop_reason == "answer"
    assert second.sessions == ["answer", "answer"] and second.steps == 4
    assert second.rewards == [0.0, 1.0]  # the tool found in session one still works
    assert [m.content for m in second.messages if m.role == "user"] == [
        "session one",
        "session two",
    ]
    third = asyncio.run(loop.run([Message(role="user", content="three")], carry=lambda m: m[-1:]))
    assert [m.content for m in third.messages][:2] == ["second done", "three"]


def test_an_invalid_tool_schema_is_one_error_naming_the_task_and_tool() -> None:
    bad = ToolSpec(name="lookup", parameters={"type": "object", "properties": {"q": {"type": 3}}})
    with pytest.raises(ToolSchemaError, match="task demo: tool 'lookup'"):
        check_tools([bad], "task demo")

    class Broken(Library):
        def tools(self) -> list[ToolSpec]:
            return [bad]

    env = Broken()
    env.reset()
    model = handle(["never called"])
    with pytest.raises(ToolSchemaError, match="tool 'lookup'"):
        play(AgentLoop(model, env, rules=Rules(where="task demo")))
    assert model.calls == 0  # checked at start, before any model call


class Sizes(Profile):
    pass


BUDGETS = Budgets(full=Sizes("full"), small=Sizes("small"))


def _solve_ctx(agent: Model, user: Model | None = None) -> SolveContext:
    roles = Roles(WrappedModel(agent), {"user": WrappedModel(user)} if user else {})
    return SolveContext(Sample(id="s", input="x"), roles, GenerateConfig(), seed=0, epoch=0)


def test_the_auto_profile_follows_serial_engines_on_real_contexts(tmp_path: Path) -> None:
    embedded, api = LlamaCppModel("smollm2"), ScriptedModel.create("x", {})
    assert embedded.serial and not api.serial
    assert BUDGETS.choose("auto", _solve_ctx(embedded)).name == "small"
    assert BUDGETS.choose("auto", _solve_ctx(api, embedded), "user").name == "small"
    assert BUDGETS.choose("auto", _solve_ctx(api, embedded)).name == "full"
    assert BUDGETS.choose("auto", _solve_ctx(api)).name == "full"
    assert BUDGETS.choose("small", _solve_ctx(api)).name == "small"
    assert BUDGETS.choose("full", _solve_ctx(embedded)).name == "full"
    job = JobContext(tmp_path, 0, Roles(WrappedModel(api), {"judge": WrappedModel(embedded)}), None)  # type: ignore[arg-type]
    try:
        assert BUDGETS.choose("auto", job, "judge").name == "small"
        assert BUDGETS.choose("auto", job, "agent").name == "full"
    finally:
        job.close()


def test_text_turns_to_an_environment_that_cannot_judge_them_fail_before_any_call() -> None:
    import asyncio

    import pytest

    from harness.agent import AgentLoop, Rules
    from harness.backends.scripted.model import ScriptedModel
    from harness.environment import Environment, StepResult
    from harness.errors import UserError
    from harness.model import ModelHandle, WrappedModel
    from harness.schemas import GenerateConfig, Message

    class NoJudge(Environment):
        name = "no-judge"

        def reset(self, sample=None, seed=None):  # type: ignore[no-untyped-def]
            return ""

        def tools(self) -> list[ToolSpec]:
            return []

        async def step(self, call: ToolCall) -> StepResult:
            return StepResult(content="")

    model = ScriptedModel.create("x", {"responses": ["hi"]})
    handle = ModelHandle(WrappedModel(model), GenerateConfig(), "agent")
    loop = AgentLoop(handle, NoJudge(), rules=Rules(text_turn="environment", where="task t"))
    with pytest.raises(UserError, match="task t: text turns go to the environment"):
        asyncio.run(loop.run([Message(role="user", content="go")]))
    assert handle.calls == 0
