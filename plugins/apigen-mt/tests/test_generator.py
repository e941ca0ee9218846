"""The generator end to end with scripted models (per role), and the conformance fixtures."""

from __future__ import annotations

import asyncio
import json

from harness_apigen_mt.generator import ApigenMT, ApigenOptions

from harness.schemas import Trajectory

GOOD = json.dumps(
    {
        "intent": "You are Yusuf Rossi, zip 19122. Exchange the keyboard of order #W2378156.",
        "actions": [
            {
                "name": "find_user_id_by_name_zip",
                "arguments": {"first_name": "Yusuf", "last_name": "Rossi", "zip": "19122"},
            },
            {"name": "get_order_details", "arguments": {"order_id": "#W2378156"}},
            {
                "name": "exchange_delivered_order_items",
                "arguments": {
                    "order_id": "#W2378156",
                    "item_ids": ["4983901480"],
                    "new_item_ids": ["7747408585"],
                    "payment_method_id": "credit_card_9513926",
                },
            },
        ],
        "outputs": [],
    }
)
BAD = json.dumps(
    {"intent": "x", "actions": [{"name": "refund_all", "arguments": {}}], "outputs": []}
)
YES = json.dumps(
    {
        "reflection": "ok",
        "correctness": True,
        "completeness": True,
        "satisfaction": True,
        "creativity": True,
        "score": 5,
        "reason": "good",
    }
)


def _run(jobs, opts, default, **roles):
    ctx = jobs.ctx(default, **roles)
    summary = asyncio.run(ApigenMT(ApigenOptions(**opts)).generate(ctx))
    return ctx.out_dir, summary


def test_feedback_loop_recovers_and_stages_are_reported(jobs, jsonl) -> None:
    out, s = _run(
        jobs,
        {"n": 1, "committee_size": 2, "phase2": False, "recombine": 0},
        ["unused"],
        generator=[BAD, GOOD],
        reviewer=[YES],
    )
    assert s["phase1"]["accepted_blueprints"] == 1
    assert s["feedback"]["accepted_after_feedback"] == 1 and s["feedback"]["gain"] == 1.0
    rej = jsonl(out / "rejections.jsonl")
    assert rej[0]["stage"] == "format" and "unknown tool 'refund_all'" in rej[0]["reasons"][0]
    assert s["phase1"]["stages"]["committee"] == {"entered": 1, "passed": 1, "rate": 1.0}


def test_abstaining_committee_rejects_and_is_logged(jobs, jsonl) -> None:
    out, s = _run(
        jobs,
        {"n": 1, "committee_size": 3, "max_rounds": 1, "phase2": False},
        ["unused"],
        generator=[GOOD],
        reviewer=["no idea"],
    )
    assert s["phase1"]["accepted_blueprints"] == 0
    assert s["phase1"]["rejections_by_stage"] == {"committee": 2}
    assert s["phase1"]["committee"]["votes"]["abstain"] == 6
    assert any(e["event"] == "reviewer_abstained" for e in jsonl(out / "log.jsonl"))
    assert "every reviewer abstained" in jsonl(out / "rejections.jsonl")[0]["reasons"]


def test_tau2_source_phase2_writes_valid_trajectories(jobs, jsonl) -> None:
    # The scripted user ends every conversation at once; read-only tasks without expected
    # outputs are then solved (nothing may change), write tasks are rejected in phase 2.
    out, s = _run(jobs, {"n": 4, "source": "tau2-tasks", "phase2_attempts": 1}, ["###STOP###"])
    trajs = [Trajectory.model_validate(t) for t in jsonl(out / "trajectories.jsonl")]
    assert trajs and all(t.source == "apigen-mt/tau2-tasks" for t in trajs)
    assert all(t.metadata["blueprint_origin"] == "tau2-tasks" and t.reward == 1.0 for t in trajs)
    assert s["phase2"]["trajectories"] == len(trajs)
    assert trajs[0].messages[0].role == "assistant" and trajs[0].tools
    rej = jsonl(out / "rejections.jsonl")
    assert all(r["stage"].startswith("phase2-") for r in rej)
    assert s["phase2"]["blueprints"] == 4 and len(rej) == 4 - len(trajs)


def test_oracle_agent_performs_the_ground_truth_and_every_episode_is_checked(jobs, jsonl) -> None:
    # a user who keeps asking; the oracle performs each blueprint's actions, then states outputs
    out, s = _run(
        jobs,
        {"n": 8, "source": "tau2-tasks", "phase2_attempts": 1, "agent": "oracle",
         "committee_size": 0},
        ["Please go ahead with my request."],
    )  # fmt: skip
    trajs = [Trajectory.model_validate(t) for t in jsonl(out / "trajectories.jsonl")]
    assert len(trajs) >= 3 and all(t.metadata["agent"] == "oracle" for t in trajs)
    for t in trajs:
        calls = [c for m in t.messages if m.role == "assistant" for c in m.tool_calls]
        gold = t.metadata["gold_actions"]
        assert [(c.name, c.arguments) for c in calls] == [(a["name"], a["arguments"]) for a in gold]
        ids = [c.id for c in calls]
        assert len(set(ids)) == len(ids)  # unique across turns, results point at them
        results = [m.tool_call_id for m in t.messages if m.role == "tool"]
        assert results == ids
        assert all(o in t.messages[-1].content for o in t.metadata["outputs"])
    rej = jsonl(out / "rejections.jsonl")
    # a task without ground-truth actions has nothing to perform: refused, not a trivial "Done"
    assert any(r["stage"] == "phase2-oracle" for r in rej)
    assert s["phase2"]["trajectories"] == len(trajs)


def test_conformance(harness_conformance, tmp_path) -> None:
    reg = harness_conformance.check_plugin("apigen-mt")
    assert set(reg["tasks"]) == {"tau-retail", "tau-airline"}
    r = harness_conformance.smoke_run("tau-retail", tmp_path, responses=["###STOP###"])
    assert {m.name for m in r.result.metrics} == {"reward", "db_match"}
