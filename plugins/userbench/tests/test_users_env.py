"""The model-backed user (on the scripted model), the tool-call mapping, and the gym wrapper."""

from __future__ import annotations

import asyncio
from typing import Any

from harness_userbench.environment import TravelGymEnvironment, action_string
from harness_userbench.episode import FORMAT_ERROR, USER_FALLBACK, Episode, Rules
from harness_userbench.gym_env import make_env
from harness_userbench.scenario import Scenario
from harness_userbench.users import ModelUser

from harness.backends.scripted.model import ScriptedModel
from harness.model import ModelHandle, WrappedModel
from harness.schemas import GenerateConfig, Sample, ToolCall


def model_user(*responses: str) -> ModelUser:
    model = ScriptedModel.create("user", {"responses": list(responses)})
    return ModelUser(ModelHandle(WrappedModel(model), GenerateConfig(), "user"))


def run(ep: Episode, *actions: str) -> list[Any]:
    async def go() -> list[Any]:
        return [await ep.step(a) for a in actions]

    return asyncio.run(go())


def test_model_user_judges_and_reveals(scenario: Scenario) -> None:
    ep = Episode(scenario, model_user('{"verdict": "True", "aspect": "flight"}'), Rules())
    [out] = run(ep, "[search] anything")
    assert out.reward == 0.2 and ep.user_failures == []
    reply = '{"type": 2, "preference_id": "hotel-1", "response": "We love a swim."}'
    ep = Episode(scenario, model_user(reply), Rules())
    [out] = run(ep, "[action] pool?")
    assert out.reward == 0.2 and out.feedback == "We love a swim." and ep.active == ["hotel-1"]


def test_user_failures_are_logged_apart_from_the_agent(scenario: Scenario) -> None:
    ep = Episode(scenario, model_user("this is not JSON"), Rules())
    outs = run(ep, "[action] Hi!", "[search] flight to Denver")
    assert outs[0].feedback == USER_FALLBACK and outs[0].reward == 0.0
    assert [f["role"] for f in ep.user_failures] == ["classify", "chat", "judge_search"]
    assert ep.agent_format_errors == 0 and ep.steps == 2
    refusing = '{"type": 1, "preference_id": "", "response": "Sorry, I\'m unable to assist."}'
    ep = Episode(scenario, model_user(refusing), Rules())
    run(ep, "[action] Hi!")
    assert ep.user_failures[0]["reason"] == "refusal"
    unknown = '{"type": 2, "preference_id": "flight-9", "response": "ok"}'
    ep = Episode(scenario, model_user(unknown), Rules())
    [out] = run(ep, "[action] Hi!")
    assert out.reward == 0.0 and ep.user_failures[0]["role"] == "classify"


def call(
    args: dict[str, Any] | None, name: str = "interact_with_env", error: str | None = None
) -> ToolCall:
    return ToolCall(id="c", name=name, arguments=args or {}, parse_error=error)


def test_tool_call_mapping() -> None:
    ok = {"thought": "t", "choice": "search", "content": "hotel in Denver"}
    assert action_string(call(ok)) == "[search] hotel in Denver"
    assert action_string(call({**ok, "content": "[search] x"})) == "[search] x"
    assert action_string(call({}, name="finish")) == "[finish]"
    assert action_string(call({**ok, "choice": "shout"})) is None
    assert action_string(call({"choice": "search", "content": "x"})) is None  # no thought
    assert action_string(call(ok, error="invalid JSON")) is None
    assert action_string(call(ok, name="other")) is None


def test_environment_counts_malformed_calls(scenario_dict: dict[str, Any]) -> None:
    env = TravelGymEnvironment()
    assert env.reset(Sample(id="hand-1", input="x", target=scenario_dict), seed=1)

    async def go() -> list[Any]:
        return [
            await env.step(call({"choice": "answer"})),
            await env.step(call({"thought": "", "choice": "answer", "content": "F1"})),
            await env.text_turn("just chatting"),
        ]

    bad, good, text = asyncio.run(go())
    assert bad.is_error and bad.content == FORMAT_ERROR and bad.reward == 0.0
    assert good.reward == 1.0 and text.content == FORMAT_ERROR
    state = env.state()
    assert state["steps"] == 3 and state["agent_format_errors"] == 2


def test_gym_wrapper(scenario: Scenario) -> None:
    env = make_env([scenario])
    import gymnasium

    assert isinstance(env, gymnasium.Env)
    obs, info = env.reset(seed=3)
    assert info["task_id"] == "hand-1" and obs["total_preferences"] == 3
    obs, reward, terminated, _, info = env.step("[search] flight to Denver")
    assert reward == 0.2 and not terminated and obs["step_count"] == 1
    env.step("[answer] F1")
    obs, reward, terminated, _truncated, info = env.step("[answer] H2")
    assert reward == 1.0 and terminated and obs["episode_complete"]
    assert info["state"]["answers"][-1]["grade"] == "best"


def test_travelgym_v0_is_registered_with_gymnasium(scenario: Scenario) -> None:
    import gymnasium

    env = gymnasium.make(
        "harness_userbench.gym_env:TravelGym-v0",
        scenarios=[scenario],
        rules="released-eval",
        max_steps=3,
    )
    assert env.spec is not None and env.spec.id == "TravelGym-v0"
    obs, info = env.reset(seed=0)
    assert info["task_id"] == "hand-1" and obs["step_count"] == 0
    obs, reward, terminated, truncated, _ = env.step("[answer] F1, H2")
    assert reward == 2.0 and terminated and not truncated  # the eval path's summed answer
    assert env.unwrapped.rules.preset == "released-eval"
