"""The episode budgets: auto picks small when a role in play runs on a serial engine (the real
decision path, on real contexts), options override, compact tools keep names and argument types,
and in-process episodes run one at a time."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from harness_apigen_mt.budget import BUDGETS, FULL, SMALL
from harness_apigen_mt.environment import RetailEnvironment
from harness_apigen_mt.episode import compact_tools, play_episode
from harness_apigen_mt.users import LLMUser

from harness.backends.scripted.model import ScriptedModel
from harness.context import Roles, SolveContext
from harness.jobs import JobContext
from harness.model import Model, ModelHandle, ModelWrapper, WrappedModel
from harness.schemas import GenerateConfig, Sample
from harness.testing.pinned import run_records


class SerialScripted(ScriptedModel):
    """A scripted model that says it is a serial in-process engine (as llamacpp/ does)."""

    serial = True


def _solve_ctx(agent: Model, user: Model | None = None) -> SolveContext:
    roles = Roles(WrappedModel(agent), {"user": WrappedModel(user)} if user else {})
    return SolveContext(Sample(id="s", input="x"), roles, GenerateConfig(), seed=0, epoch=0)


def test_auto_budget_follows_the_models(tmp_path: Path) -> None:
    from harness.backends.llamacpp.model import LlamaCppModel

    embedded, scripted = LlamaCppModel("smollm2"), ScriptedModel.create("x", {})
    # the solve path: the agent, or the user the episode talks to, on a serial engine
    assert BUDGETS.choose("auto", _solve_ctx(embedded), "user") is SMALL
    assert BUDGETS.choose("auto", _solve_ctx(scripted, embedded), "user") is SMALL
    assert BUDGETS.choose("auto", _solve_ctx(scripted, scripted), "user") is FULL
    assert BUDGETS.choose("auto", _solve_ctx(scripted, embedded)) is FULL  # user not in play
    assert BUDGETS.choose("full", _solve_ctx(embedded), "user") is FULL
    assert BUDGETS.choose("small", _solve_ctx(scripted), "user") is SMALL
    # the generator path: every role that plays counts, and only those
    roles = Roles(WrappedModel(scripted), {"reviewer": WrappedModel(embedded)})
    job = JobContext(tmp_path, 0, roles, manager=None)  # type: ignore[arg-type]
    try:
        assert BUDGETS.choose("auto", job, "generator", "reviewer") is SMALL
        assert BUDGETS.choose("auto", job, "generator", "user") is FULL
    finally:
        job.close()
    assert FULL.max_steps == 30  # tau-bench's max_num_steps


def test_the_task_records_the_budget_it_chose(tmp_path: Path) -> None:
    def budget(agent: Model, user: Model) -> list[str]:
        models = {"scripted/agent": agent, "scripted/user": user}
        records = run_records(
            "tau-retail", tmp_path, models, roles={"user": "scripted/user"}, sample_ids=["0"]
        )
        return [r["output"]["metadata"]["budget"] for r in records]

    def model(cls: type[ScriptedModel], name: str) -> Model:
        return cls.create(name, {"responses": ["###STOP###"]})

    assert budget(model(SerialScripted, "agent"), model(ScriptedModel, "user")) == ["small"]
    assert budget(model(ScriptedModel, "agent"), model(SerialScripted, "user")) == ["small"]
    assert budget(model(ScriptedModel, "agent"), model(ScriptedModel, "user")) == ["full"]


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
    ep = asyncio.run(play_episode(agent, RetailEnvironment(), user, 3, 2, agent_max_tokens=7))
    assert ep.stop_reason == "max_steps" and ep.steps == 3 and len(ep.calls) == 3
    assert a.max_tokens == [7, 7, 7] and u.max_tokens == [5]
    # no cap: the run's own setting (GenerateConfig default) reaches the model
    a2 = Recorder()
    agent = _handle([call] * 10, "agent", a2)
    user = LLMUser(_handle(["hi"] * 5, "user", Recorder()), "check")
    asyncio.run(play_episode(agent, RetailEnvironment(), user, 2, 2))
    assert a2.max_tokens == [GenerateConfig().max_tokens] * 2
