"""The episode budgets: auto picks small for in-process models, options override, compact tools
keep names and argument types, and in-process episodes run one at a time."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from harness_apigen_mt.budget import FULL, SMALL, resolve
from harness_apigen_mt.environment import RetailEnvironment
from harness_apigen_mt.episode import compact_tools, run_episode
from harness_apigen_mt.users import LLMUser

from harness.backends.scripted.model import ScriptedModel
from harness.model import ModelHandle, ModelWrapper, WrappedModel
from harness.schemas import GenerateConfig


def test_auto_budget_follows_the_models() -> None:
    from harness.backends.llamacpp.model import LlamaCppModel

    def handle(model: Any) -> ModelHandle:
        return ModelHandle(WrappedModel(model), GenerateConfig(), "agent")

    embedded, scripted = handle(LlamaCppModel("smollm2")), handle(ScriptedModel.create("x", {}))
    assert embedded.serial and not scripted.serial  # llamacpp runs one call at a time
    assert resolve("auto", any(h.serial for h in (embedded, embedded))) is SMALL
    assert resolve("auto", any(h.serial for h in (scripted, embedded))) is SMALL
    assert resolve("auto", any(h.serial for h in (scripted, scripted))) is FULL
    assert resolve("full", True) is FULL
    assert resolve("small", False) is SMALL
    assert FULL.max_steps == 30  # tau-bench's max_num_steps


def test_compact_tools_drop_only_parameter_descriptions() -> None:
    tools = RetailEnvironment().tools()
    small = compact_tools(tools)
    assert [t.name for t in small] == [t.name for t in tools]
    assert [t.description for t in small] == [t.description for t in tools]
    for full, c in zip(tools, small, strict=True):
        assert c.parameters.get("required") == full.parameters.get("required")
        assert c.parameters["properties"].keys() == full.parameters["properties"].keys()
        assert '"description"' not in json.dumps(c.parameters)
    assert len(json.dumps([t.parameters for t in small])) < 0.6 * len(
        json.dumps([t.parameters for t in tools])
    )


class Recorder(ModelWrapper):
    """Notes the max_tokens of every call that passes through the core's wrapper chain."""

    def __init__(self) -> None:
        self.max_tokens: list[int | None] = []

    async def __call__(self, model, messages, tools, config, call_next):  # type: ignore[no-untyped-def]
        self.max_tokens.append(config.max_tokens)
        return await call_next(messages, tools, config)


def _handle(responses: list, role: str, wrapper: ModelWrapper) -> ModelHandle:
    model = ScriptedModel.create("t", {"responses": responses})
    return ModelHandle(WrappedModel(model, [wrapper]), GenerateConfig(), role)


def test_episode_respects_step_and_token_limits() -> None:
    call = {"tool_calls": [{"name": "get_order_details", "arguments": {"order_id": "#W2378156"}}]}
    a, u = Recorder(), Recorder()
    agent = _handle([call] * 10, "agent", a)
    user = LLMUser(_handle(["Check order #W2378156."] * 5, "user", u), "check", max_tokens=5)
    ep = asyncio.run(run_episode(agent, RetailEnvironment(), user, 3, 2, agent_max_tokens=7))
    assert ep.stop_reason == "max_steps" and ep.steps == 3 and len(ep.calls) == 3
    assert a.max_tokens == [7, 7, 7] and u.max_tokens == [5]
    # no cap: the run's own setting (GenerateConfig default) reaches the model
    a2 = Recorder()
    agent = _handle([call] * 10, "agent", a2)
    user = LLMUser(_handle(["hi"] * 5, "user", Recorder()), "check")
    asyncio.run(run_episode(agent, RetailEnvironment(), user, 2, 2))
    assert a2.max_tokens == [GenerateConfig().max_tokens] * 2
