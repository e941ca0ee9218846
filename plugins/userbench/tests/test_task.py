"""The task end to end: conformance, scripted agents, user selection, a real embedded-model run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from harness_userbench.scenario import load_scenarios

from harness.backends.scripted.model import ScriptedModel
from harness.run.runner import Runner
from harness.schemas import RunConfig, SampleRecord


def tool(choice: str, content: str) -> dict[str, Any]:
    return {
        "tool_calls": [
            {
                "name": "interact_with_env",
                "arguments": {"thought": "t", "choice": choice, "content": content},
            }
        ]
    }


def test_registrations(harness_conformance: Any) -> None:
    reg = harness_conformance.check_plugin("userbench")
    assert reg["tasks"] == ["userbench"] and reg["generators"] == ["userbench-scenarios"]


def test_smoke(harness_conformance: Any, tmp_path: Path) -> None:
    script = [tool("action", "Do you prefer a nonstop flight?"), "plain text, no tool call"]
    smoke = harness_conformance.smoke_run(
        "userbench", tmp_path, responses=script, task_params={"max_steps": 3}
    )
    for r in smoke.records:
        state = r.output.metadata["state"]
        assert state["steps"] == 3 and state["truncated"]
        assert state["agent_format_errors"] == 2  # the text replies
        assert set(r.scores) >= {"userbench_score", "userbench_active_elicitation"}
    assert {m.name for m in smoke.result.metrics} >= {"userbench_all_best"}
    assert all(m.groups for m in smoke.result.metrics if m.name == "userbench_score")


def _run(
    tmp_path: Path,
    script: list[Any],
    sample: str,
    roles: dict[str, str] | None = None,
    **params: Any,
) -> SampleRecord:
    models = {"scripted/agent": ScriptedModel.create("agent", {"responses": script})}
    for spec in (roles or {}).values():
        models[spec] = ScriptedModel.create(spec.split("/")[1], {"responses": ["nonsense"]})
    if not roles:
        params.setdefault("user", "rule")  # a scripted agent is not serial: auto means llm
    config = RunConfig(
        task="userbench",
        task_params=params,
        model="scripted/agent",
        model_roles=roles or {},
        sample_ids=[sample],
    )
    run_dir, _ = Runner(config, tmp_path, model_overrides=models).run()
    [line] = (run_dir / "samples.jsonl").read_text().splitlines()
    return SampleRecord.model_validate(json.loads(line))


def test_a_perfect_scripted_agent_scores_one(tmp_path: Path) -> None:
    sc = next(s for s in load_scenarios() if s.id == "travel22-0000")
    city = (
        sc.aspects[sc.dimensions[0]].arguments.get("destination")
        or sc.aspects[sc.dimensions[0]].arguments["city"]
    )
    words = {
        "flight": "flight",
        "hotel": "hotel",
        "apartment": "apartment",
        "rental_car": "rental car",
        "restaurant": "restaurant",
    }
    script = [tool("search", f"{words[a]} in {city}") for a in sc.dimensions]
    script += [tool("answer", sc.aspects[a].best_id) for a in sc.dimensions]
    r = _run(tmp_path, script, sc.id)
    assert r.status == "ok", r.error
    state = r.output.metadata["state"]
    assert state["rewards"] == [0.2, 0.2, 1.0, 1.0] and state["terminated"]
    assert r.scores["userbench_score"].value == 1.0
    assert r.scores["userbench_all_best"].value == 1.0
    assert r.scores["userbench_valid_search_rate"].value == 1.0
    assert r.output.metadata["state"]["user"] == "rule"


def test_user_role_switches_to_the_model_user(tmp_path: Path) -> None:
    script = [tool("action", "Hello!")]
    r = _run(tmp_path, script, "travel22-0000", roles={"user": "scripted/user"}, max_steps=2)
    state = r.output.metadata["state"]
    assert state["user"] == "llm" and state["user_failures"]  # "nonsense" is not JSON
    r = _run(
        tmp_path, script, "travel22-0000", roles={"user": "scripted/user"}, max_steps=2, user="rule"
    )
    assert r.output.metadata["state"]["user"] == "rule"


@pytest.mark.slow
def test_real_run_on_the_embedded_model(tmp_path: Path) -> None:
    config = RunConfig(
        task="userbench", task_params={"max_steps": 1}, model="llamacpp/smollm2", limit=1
    )
    run_dir, result = Runner(config, tmp_path).run()
    [line] = (run_dir / "samples.jsonl").read_text().splitlines()
    r = SampleRecord.model_validate(json.loads(line))
    assert r.status == "ok", r.error
    state = r.output.metadata["state"]
    assert state["steps"] == 1 and r.model_calls == 1
    assert len(result.metrics) == 11


class _Recording(ScriptedModel):
    """A scripted agent that notes each call's max_tokens and the tool's maxLength."""

    seen: list[tuple[int | None, int]] = []

    async def generate(self, messages: Any, tools: Any, config: Any) -> Any:
        props = tools[0].parameters["properties"]
        self.seen.append((config.max_tokens, props["thought"]["maxLength"]))
        return await super().generate(messages, tools, config)


class _SerialRecording(_Recording):
    serial = True  # as llamacpp/: an in-process engine running one call at a time


@pytest.mark.parametrize(
    ("cls", "params", "expected", "name"),
    [
        (_Recording, {}, (384, 400), "full"),  # a remote/batched model: the paper's turn sizes
        (_SerialRecording, {}, (256, 100), "small"),  # in-process: short turns
        (_SerialRecording, {"budget": "full"}, (384, 400), "full"),
        (_SerialRecording, {"agent_max_tokens": 64, "text_max_chars": 50}, (64, 50), "small"),
    ],
)
def test_budget_sets_turn_sizes(
    tmp_path: Path, cls: type[_Recording], params: dict[str, Any], expected: Any, name: str
) -> None:
    cls.seen = []
    agent = cls.create("agent", {"responses": [tool("action", "Hi")]})
    config = RunConfig(
        task="userbench",
        task_params={"max_steps": 2, **params},
        model="scripted/agent",
        sample_ids=["travel22-0000"],
    )
    run_dir, result = Runner(config, tmp_path, model_overrides={"scripted/agent": agent}).run()
    [line] = (run_dir / "samples.jsonl").read_text().splitlines()
    r = SampleRecord.model_validate(json.loads(line))
    assert r.status == "ok", r.error
    assert cls.seen == [expected, expected]
    assert r.output.metadata["budget"] == name and result.extra["budget"] == [name]
