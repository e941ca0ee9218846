"""Against our fault-injecting server: retries, adaptive concurrency, malformed tool calls, and
proof that no sample is lost or answered twice."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any, TypeVar

import pytest

from harness.callpath.hedge import Hedge
from harness.callpath.ratelimit import AdaptiveConcurrency
from harness.callpath.retry import Retry
from harness.run.roles import build_wrappers
from harness.run.runner import Runner
from harness.schemas import GenerateConfig, RunConfig

pytestmark = pytest.mark.slow
W = TypeVar("W")


def _records(run_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in (run_dir / "samples.jsonl").read_text().splitlines()]


def _config(base_url: str, n: int, **kw: Any) -> RunConfig:
    args = {
        "base_url": base_url,
        "retry_base": "0.02",
        "max_retries": "12",
        **kw.pop("model_args", {}),
    }
    return RunConfig(
        task="sanity",
        task_params={"n": n},
        model="openai-compatible/fault",
        model_args=args,
        max_concurrency=kw.pop("max_concurrency", 16),
        generate=GenerateConfig(timeout=0.5),
        **kw,
    )


def _wrapper(wrappers: list[Any], kind: type[W]) -> W:
    return next(w for w in wrappers if isinstance(w, kind))


def _assert_exactly_once(server: Any, recs: list[dict[str, Any]], n_samples: int) -> None:
    stats = server.get("/stats")
    seeds = {str(r["seed"]) for r in recs}
    assert len(recs) == n_samples and len({(r["sample_id"], r["epoch"]) for r in recs}) == n_samples
    assert {r["status"] for r in recs} == {"ok"}
    assert len(seeds) == n_samples
    assert set(stats["ok"]) == seeds and set(stats["ok"].values()) == {1}  # one answer each
    for r in recs:  # the answer recorded is the one the server gave that very sample
        assert r["output"]["completion"] == f"reply seed={r['seed']} n=1"


def test_faults_are_retried_and_no_sample_is_lost_or_duplicated(
    fault_server: Any, tmp_path: Path
) -> None:
    server = fault_server.start(
        latency=0.01, fail_rate=0.3, faults="429,500,timeout", retry_after=0.05, hang=3
    )
    # hedging off: with it a slow answer may be requested twice, and this test counts requests
    cfg = _config(server.base_url, 60, max_concurrency=24, model_args={"hedge": "off"})
    wrappers = build_wrappers(cfg, None)
    run_dir, result = Runner(cfg, tmp_path, wrappers=wrappers).run()
    recs = _records(run_dir)
    _assert_exactly_once(server, recs, 120)
    stats = server.get("/stats")
    assert set(stats["injected"]) == {"429", "500", "timeout"}
    assert stats["total_requests"] == 120 + sum(stats["injected"].values())
    assert _wrapper(wrappers, Retry).retries["openai-compatible/fault"] == sum(
        stats["injected"].values()
    )
    assert stats["max_in_flight"] <= 24
    assert result.usage.input_tokens > 0


def test_hung_requests_are_hedged_and_still_answered_once(
    fault_server: Any, tmp_path: Path
) -> None:
    """A request the server hangs (2 s, then a 503) is sent again after 0.2 s; the sample is
    answered by the second request, long before the first one would have failed, and recorded
    once with an answer the server really gave it."""
    server = fault_server.start(latency=0.01, fail_rate=0.3, faults="timeout", hang=2)
    cfg = _config(
        server.base_url, 40, model_args={"hedge": "on", "hedge_after": "0.2", "hedge_budget": "1"}
    )
    cfg = cfg.model_copy(update={"generate": GenerateConfig(timeout=10)})
    wrappers = build_wrappers(cfg, None)
    run_dir, _ = Runner(cfg, tmp_path, wrappers=wrappers).run()
    recs = _records(run_dir)
    stats = server.get("/stats")
    assert len(recs) == 80 and len({(r["sample_id"], r["epoch"]) for r in recs}) == 80
    assert {r["status"] for r in recs} == {"ok"}
    for r in recs:  # an answer the server gave this very sample (a hedge pair may get two)
        prefix = f"reply seed={r['seed']} n="
        text = r["output"]["completion"]
        assert (
            text.startswith(prefix) and 1 <= int(text[len(prefix) :]) <= stats["ok"][str(r["seed"])]
        )
    hedge = _wrapper(wrappers, Hedge)
    assert hedge.hedge_wins["openai-compatible/fault"] >= 1
    assert hedge.hedges["openai-compatible/fault"] >= hedge.hedge_wins["openai-compatible/fault"]
    # a sample whose first request hung and whose hedge was answered: done well before the 2 s
    # the hung request took to fail (without hedging it would take over 2 s)
    rescued = [
        r
        for r in recs
        if stats["requests"][str(r["seed"])] == 2 and stats["ok"][str(r["seed"])] == 1
    ]
    assert rescued
    assert all(r["timing"]["total"] < 1.5 for r in rescued), [
        (r["seed"], r["timing"]) for r in rescued if r["timing"]["total"] >= 1.5
    ]


def test_429s_make_concurrency_back_off_and_climb_back(fault_server: Any, tmp_path: Path) -> None:
    server = fault_server.start(latency=0.02, fail_rate=0.25, faults="429", retry_after=0.05)
    cfg = _config(server.base_url, 150, max_concurrency=32)
    wrappers = build_wrappers(cfg, None)
    run_dir, _ = Runner(cfg, tmp_path, wrappers=wrappers).run()
    _assert_exactly_once(server, _records(run_dir), 300)
    lim = _wrapper(wrappers, AdaptiveConcurrency).limiters["openai-compatible/fault"]
    values = [v for _, v in lim.curve]
    assert lim.cuts >= 1 and min(values) < 32
    # climbed back: after the first cut the limit rises again at least once (the lowest point
    # itself may fall at the very end of a run on a loaded machine, so it is not the anchor)
    first_cut = next(i for i in range(1, len(values)) if values[i] < values[i - 1])
    after = values[first_cut:]
    assert any(b > a for a, b in itertools.pairwise(after)), values


def test_persistent_failure_is_an_error_record_and_resume_finishes(
    fault_server: Any, tmp_path: Path
) -> None:
    server = fault_server.start(latency=0.0, fail_rate=1.0, faults="500")
    cfg = _config(server.base_url, 3, model_args={"max_retries": "1"})
    run_dir, result = Runner(cfg, tmp_path).run()
    recs = _records(run_dir)
    assert result.errors == 6 and all(r["status"] == "error" for r in recs)
    msg = recs[0]["error"]["message"]
    assert "openai-compatible/fault: gave up after 2 attempts" in msg and "HTTP 500" in msg
    server.post("/reset", {"fail_rate": 0.0})
    _, again = Runner(cfg, tmp_path).resume(run_dir)
    assert again.errors == 0 and again.records == 6
    assert len(_records(run_dir)) == 6  # compacted on finish: the old error lines are gone


def test_malformed_tool_call_is_kept_in_the_record(fault_server: Any, tmp_path: Path) -> None:
    server = fault_server.start(latency=0.0, tool_args='{"a": 3, "b":')
    cfg = RunConfig(
        task="sanity-tools",
        task_params={"n": 1, "subset": "arithmetic"},
        model="openai-compatible/fault",
        model_args={"base_url": server.base_url},
    )
    run_dir, _result = Runner(cfg, tmp_path).run()
    rec = _records(run_dir)[0]
    assert rec["status"] == "ok"
    calls = [c for m in rec["output"]["messages"] for c in m.get("tool_calls", [])]
    assert len(calls) == 1
    assert (
        calls[0]["raw_arguments"] == '{"a": 3, "b":' and "not valid JSON" in calls[0]["parse_error"]
    )
    tool_msgs = [m for m in rec["output"]["messages"] if m["role"] == "tool"]
    assert tool_msgs and "Error" in tool_msgs[0]["content"]
