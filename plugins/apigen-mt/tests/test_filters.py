"""Phase-2 filters (unparsable, schema-invalid and policy-breaking calls are rejected, counted by
stage), best-of-N users under the full budget, and a committee of distinct reviewer models."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from harness_apigen_mt.budget import FULL
from harness_apigen_mt.domain import load_domain
from harness_apigen_mt.generator import ApigenMT, ApigenOptions
from harness_apigen_mt.report import Report
from harness_apigen_mt.schema import Blueprint
from harness_apigen_mt.toolkit import check_arguments

from harness.backends.scripted.model import ScriptedModel
from harness.context import Roles
from harness.jobs import JobContext
from harness.model import WrappedModel
from harness.schemas import GenerateConfig, Message, ModelResponse, ToolCall, Trajectory, Usage

INTENT = "You want to know your user id. Your email is noah.brown7922@example.com."


class Queue(ScriptedModel):
    """Answers with the next entry of its list whatever the conversation (a dict with "calls"
    is a tool-call turn; a call whose "raw" is set did not parse)."""

    def reply(self, messages: list[Message]) -> ModelResponse:
        entries: list[Any] = self.args.responses
        n = getattr(self, "_n", 0)
        self._n = n + 1
        entry = entries[min(n, len(entries) - 1)]
        if isinstance(entry, str):
            return ModelResponse(text=entry, model=self.spec, usage=Usage(), finish_reason="stop")
        calls = [
            ToolCall(
                id=f"c{n}",
                name=c["name"],
                arguments={} if "raw" in c else c["arguments"],
                raw_arguments=c.get("raw", json.dumps(c.get("arguments"))),
                parse_error="Expecting value: line 1 column 11 (char 10)" if "raw" in c else None,
            )
            for c in entry["calls"]
        ]
        return ModelResponse(
            text="", tool_calls=calls, model=self.spec, usage=Usage(), finish_reason="tool_calls"
        )


def _model(entries: list[Any]) -> WrappedModel:
    return WrappedModel(Queue.create("q", {"responses": entries}))


def _call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"calls": [{"name": name, "arguments": arguments}]}


EMAIL = "noah.brown7922@example.com"
AGENT = [
    # attempt 1: the arguments do not parse (tau2 would answer; the trajectory is still bad data)
    {"calls": [{"name": "find_user_id_by_email", "raw": '{"email": '}]},
    "Sorry, could you repeat?",
    # attempt 2: wrong type (the environment answers as tau2 does, the agent carries on)
    _call("find_user_id_by_email", email=5),
    "Let me check.",
    # attempt 3: an order looked up before the user is authenticated, with an id never given
    _call("get_order_details", order_id="#W2378156"),
    "Here is your order.",
    # attempt 4: clean
    _call("find_user_id_by_email", email=EMAIL),
    "Your user id is noah_brown_6181.",
]
USER = [f"Hi, my email is {EMAIL}. What is my user id?", "###STOP###"] * 4


def _ctx(tmp_path: Any, jobs: Any, **roles: WrappedModel) -> JobContext:
    out = tmp_path / f"job{len(list(tmp_path.iterdir()))}"
    out.mkdir()
    return JobContext(out, 0, Roles(_model(["unused"]), roles), jobs.manager, GenerateConfig())


def test_phase2_keeps_only_trajectories_whose_calls_parse_validate_and_follow_policy(
    tmp_path: Any, jobs: Any, jsonl: Any
) -> None:
    ctx = _ctx(tmp_path, jobs, agent=_model(AGENT), user=_model(USER))
    gen = ApigenMT(ApigenOptions(phase2_attempts=4, user_best_of=1))
    gen.budget = FULL
    gen._files(ctx.out_dir)
    rep = Report("retail", "llm", 1, 0, "majority", 3, "x")
    bp = Blueprint(id="bp", domain="retail", intent=INTENT, actions=[], outputs=["noah_brown_6181"])
    asyncio.run(gen._phase2(ctx, load_domain("retail"), bp, rep))
    s = rep.finish()
    assert s["phase2"]["rejections_by_stage"] == {"parse": 1, "schema": 1, "policy": 1}
    assert s["phase2"]["trajectories"] == 1 and s["phase2"]["episodes"] == 4
    rej = jsonl(ctx.out_dir / "rejections.jsonl")
    assert [r["stage"] for r in rej] == ["phase2-parse", "phase2-schema", "phase2-policy"]
    assert "5 is not of type 'string'" in rej[1]["reasons"][0]
    assert any("authenticated" in r for r in rej[2]["reasons"])
    # every accepted trajectory's calls parse and validate against the tools' schemas
    domain = load_domain("retail")
    trajs = [Trajectory.model_validate(t) for t in jsonl(ctx.out_dir / "trajectories.jsonl")]
    assert len(trajs) == 1 and trajs[0].metadata["attempt"] == 3
    calls = [c for t in trajs for m in t.messages for c in m.tool_calls or []]
    assert calls
    for c in calls:
        assert c.parse_error is None and json.loads(c.raw_arguments or "") == c.arguments
        assert check_arguments(domain.by_name[c.name], c.arguments) is None


def test_full_budget_samples_best_of_four_user_turns_scored_by_the_critic(
    tmp_path: Any, jobs: Any
) -> None:
    critic = _model(["2", "9", "1", "0"] * 2)
    user = _model([f"my email is {EMAIL}", "I want pizza", "hello", "bye", "###STOP###"])
    agent = _model([_call("find_user_id_by_email", email=EMAIL), "Your id is noah_brown_6181."])
    ctx = _ctx(tmp_path, jobs, agent=agent, user=user, **{"user-critic": critic})
    gen = ApigenMT(ApigenOptions(phase2_attempts=1, budget="full"))
    gen.budget = FULL
    gen._files(ctx.out_dir)
    rep = Report("retail", "llm", 1, 0, "majority", 3, "x")
    bp = Blueprint(id="bp", domain="retail", intent=INTENT, actions=[], outputs=[])
    asyncio.run(gen._phase2(ctx, load_domain("retail"), bp, rep))
    assert critic.model._n == 8  # type: ignore[attr-defined]  # 4 candidates x 2 user turns
    traj = Trajectory.model_validate_json(
        (ctx.out_dir / "trajectories.jsonl").read_text().splitlines()[0]
    )
    first_user = next(m for m in traj.messages if m.role == "user")
    assert first_user.content == "I want pizza"  # the critic's 9 among 2, 9, 1, 0


YES = {"reflection": "ok", "correctness": True, "completeness": True, "satisfaction": True}
NO = {**YES, "correctness": False}


def _review(vote: dict[str, Any]) -> str:
    return json.dumps({**vote, "creativity": True, "score": 4, "reason": "r"})


def test_committee_of_distinct_reviewer_models_reports_agreement(tmp_path: Any, jobs: Any) -> None:
    gen_reply = json.dumps(
        {
            "intent": f"You are Noah, email {EMAIL}. Ask for your user id.",
            "actions": [{"name": "find_user_id_by_email", "arguments": {"email": EMAIL}}],
            "outputs": ["noah_brown_6181"],
        }
    )
    reviewers = {
        "reviewer": _model([_review(YES)] * 4),
        "reviewer#2": _model([_review(YES), _review(NO)] * 2),
        "reviewer#3": _model([_review(NO)] * 4),
    }
    ctx = _ctx(tmp_path, jobs, generator=_model([gen_reply] * 4), **reviewers)
    opts = ApigenOptions(n=2, max_rounds=0, phase2=False, recombine=0, committee_size=5)
    summary = asyncio.run(ApigenMT(opts).generate(ctx))
    c = summary["phase1"]["committee"]
    assert c["size"] == 3 and c["models"] == ["reviewer", "reviewer#2", "reviewer#3"]
    assert c["votes"] == {"yes": 3, "no": 3, "abstain": 0}  # one review per model, not five
    a = c["agreement"]
    assert a["blueprints"] == 2 and a["unanimous"] == 0.0
    assert a["pairwise"]["reviewer / reviewer#2"] == {"blueprints": 2, "agree": 0.5}
    assert a["pairwise"]["reviewer / reviewer#3"] == {"blueprints": 2, "agree": 0.0}
    assert a["per_model"]["reviewer#2"]["yes_rate"] == 0.5
    # majority: yes, yes, no -> accepted; then yes, no, no -> rejected
    assert summary["phase1"]["accepted_blueprints"] == 1
