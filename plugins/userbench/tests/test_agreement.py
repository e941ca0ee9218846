"""The two users' verdicts side by side, the model user's strict search judge, and which user
plays under user=auto."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from harness_userbench.agreement import Verdicts, compare, probe_actions
from harness_userbench.scenario import Scenario
from harness_userbench.users import SEARCH_SYSTEM, ModelUser, RuleUser

from harness.backends.scripted.model import ScriptedModel
from harness.model import ModelHandle, WrappedModel
from harness.run.runner import Runner
from harness.schemas import GenerateConfig, Message, RunConfig, SampleRecord


class Recording(ScriptedModel):
    seen: list[list[Message]] = []

    async def generate(self, messages: Any, tools: Any, config: Any) -> Any:
        """Plays its script in call order (each user call is a fresh conversation)."""
        Recording.seen.append(list(messages))
        done = [Message(role="assistant", content="")] * (len(Recording.seen) - 1)
        return await super().generate([*messages, *done], tools, config)


def user_of(*responses: str) -> ModelUser:
    model = Recording.create("user", {"responses": list(responses)})
    return ModelUser(ModelHandle(WrappedModel(model), GenerateConfig(), "user"))


def test_verdicts_are_paired_on_the_same_steps(scenario: Scenario) -> None:
    actions = [
        "[search] flights from Boston to Denver",  # rule: True:flight
        "[action] Do you prefer a nonstop flight with no stops?",  # rule: 2:flight-1
        "[action] Nice weather today.",  # rule: 1
        "[answer] F1",  # not judged
    ]
    Recording.seen = []
    other = user_of(
        '{"verdict": "False", "aspect": ""}',
        '{"type": 2, "preference_id": "flight-1"}',
        "not json",
    )
    v = asyncio.run(compare(scenario, actions, RuleUser(0), other))
    assert v.pairs == [
        ("search", "True:flight", "False"),
        ("classify", "2:flight-1", "2:flight-1"),
        ("classify", "1", "failed"),
    ]
    assert v.agreement() == (1, 3) and v.agreement("search") == (0, 1)
    assert v.confusion("classify")[("1", "failed")] == 1


def test_every_fifth_search_is_not_judged(scenario: Scenario) -> None:
    acts = ["[search] museum tickets"] * 5
    v = asyncio.run(compare(scenario, acts, RuleUser(0), RuleUser(1), Verdicts()))
    assert len(v.pairs) == 4 and v.agreement() == (4, 4)
    assert len(probe_actions(scenario)) == 4 + 2 + 2 + 3 + 1


def test_the_model_users_search_judge_is_strict(scenario: Scenario) -> None:
    Recording.seen = []
    user = user_of('{"verdict": "True", "aspect": "flight"}')
    asyncio.run(user.judge_search("flight to Denver", scenario, []))
    [msgs] = Recording.seen
    assert msgs[0].content == SEARCH_SYSTEM
    assert "every argument" in SEARCH_SYSTEM and "missing" in SEARCH_SYSTEM
    assert "small omissions are fine" not in SEARCH_SYSTEM
    assert all(v in msgs[1].content for v in ("Boston", "Denver", "origin", "city"))


class Serial(ScriptedModel):
    serial = True  # as llamacpp/


STEP = {
    "tool_calls": [
        {
            "name": "interact_with_env",
            "arguments": {"thought": "t", "choice": "action", "content": "Hello"},
        }
    ]
}


def _user_played(tmp_path: Path, cls: type[ScriptedModel], roles: dict[str, str]) -> Any:
    models = {"scripted/agent": cls.create("agent", {"responses": [STEP]})}
    for spec in roles.values():
        models[spec] = ScriptedModel.create(spec.split("/")[1], {"responses": ['{"type": 1}']})
    config = RunConfig(
        task="userbench",
        task_params={"max_steps": 1, "data": "synthetic"},
        model="scripted/agent",
        model_roles=roles,
        sample_ids=["travel22-0000"],
    )
    run_dir, result = Runner(config, tmp_path, model_overrides=models).run()
    [line] = (run_dir / "samples.jsonl").read_text().splitlines()
    md = SampleRecord.model_validate(json.loads(line)).output.metadata
    assert result.extra["user_simulator"] == [md["user_simulator"]]
    return md


def test_auto_user_follows_the_agents_engine_and_the_user_role(tmp_path: Path) -> None:
    assert _user_played(tmp_path / "a", Serial, {})["user_simulator"] == "rule"
    md = _user_played(tmp_path / "b", ScriptedModel, {})
    assert md["user_simulator"] == "llm"  # the agent's own model plays the user too
    md = _user_played(tmp_path / "c", Serial, {"user": "scripted/u"})
    assert md["user_simulator"] == "llm" and md["user_model"] == "scripted/u"
