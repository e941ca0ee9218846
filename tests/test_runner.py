"""The runner with the scripted model: journal, concurrency, errors, epochs, resume, seeds."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from harness.errors import UserError
from harness.model import Model
from harness.plugins.manager import get_manager
from harness.run.runner import Runner, derive_seed
from harness.schemas import GenerateConfig, Message, ModelResponse, RunConfig, ToolSpec

from .conftest import records


def _config(**kw: Any) -> RunConfig:
    base: dict[str, Any] = {"task": "sanity", "model": "scripted/echo", "limit": 6}
    return RunConfig(**{**base, **kw})


def test_run_writes_run_json_journal_and_results(tmp_path: Path) -> None:
    run_dir, result = Runner(_config(), tmp_path).run()
    run = json.loads((run_dir / "run.json").read_text())
    assert run["kind"] == "run" and run["format_version"] == 1 and run["n_samples"] == 6
    assert run["config"]["task_params"] == {
        "subset": "all",
        "n": 20,
        "data_seed": 1234,
        "max_tokens": 32,
    }
    assert "agentharness-sanity" in run["plugins"]
    recs = records(run_dir)
    assert len(recs) == 6 and {r["status"] for r in recs} == {"ok"}
    saved = json.loads((run_dir / "results.json").read_text())
    assert saved["records"] == 6 and saved["metrics"][0]["name"] == "exact_match"
    # echo repeats the question, which is never the answer
    assert result.metrics[0].mean == 0.0


def test_scores_follow_the_model(tmp_path: Path) -> None:
    from harness_sanity.questions import questions

    qs = questions("all", 20, 1234)[:4]
    answers = {q.input: q.target for q in qs[:3]}  # 3 of 4 right
    cfg = _config(model="scripted/oracle", model_args={"answers": answers}, limit=4)
    _, result = Runner(cfg, tmp_path).run()
    assert result.metrics[0].mean == 0.75 and result.metrics[0].n == 4


class Flaky(Model):
    provider = "flaky"

    def __init__(self) -> None:
        super().__init__("x")
        self.calls: list[str] = []
        self.fail: set[str] = set()

    async def generate(
        self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
    ) -> ModelResponse:
        q = messages[-1].content
        self.calls.append(q)
        await asyncio.sleep(0.001)
        if q in self.fail:
            raise RuntimeError(f"backend down for {q}")
        return ModelResponse(text="x")


def test_a_failing_sample_is_an_error_record_and_resume_retries_only_it(tmp_path: Path) -> None:
    from harness_sanity.questions import questions

    model = Flaky()
    bad = questions("all", 20, 1234)[2].input
    model.fail = {bad}
    cfg = _config(model="flaky/x")
    runner = Runner(cfg, tmp_path, model_overrides={"flaky/x": model})
    run_dir, result = runner.run()
    assert result.errors == 1
    err = next(r for r in records(run_dir) if r["status"] == "error")
    assert "backend down" in err["error"]["message"] and err["error"]["type"] == "RuntimeError"
    model.fail = set()
    model.calls.clear()
    runner = Runner(cfg, tmp_path, model_overrides={"flaky/x": model})
    _, result = runner.resume(run_dir)
    assert model.calls == [bad]  # finished samples were not called again
    assert result.errors == 0 and result.records == 6


def test_concurrency_is_bounded(tmp_path: Path) -> None:
    in_flight = 0
    peak = 0

    class Slow(Model):
        provider = "slow"

        async def generate(
            self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
        ) -> ModelResponse:
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0.01)
            in_flight -= 1
            return ModelResponse(text="0")

    cfg = _config(model="slow/x", limit=20, max_concurrency=3)
    Runner(cfg, tmp_path, model_overrides={"slow/x": Slow("x")}).run()
    assert peak == 3


def test_sample_timeout_is_recorded(tmp_path: Path) -> None:
    class Hang(Model):
        provider = "hang"

        async def generate(
            self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
        ) -> ModelResponse:
            await asyncio.sleep(30)
            return ModelResponse(text="")

    cfg = _config(model="hang/x", limit=2, sample_timeout=0.05)
    run_dir, result = Runner(cfg, tmp_path, model_overrides={"hang/x": Hang("x")}).run()
    assert result.errors == 2
    assert {r["error"]["type"] for r in records(run_dir)} == {"timeout"}


def test_the_seed_reaches_the_model_and_is_order_free(tmp_path: Path) -> None:
    seen: dict[str, int | None] = {}

    class Seedy(Model):
        provider = "seedy"

        async def generate(
            self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
        ) -> ModelResponse:
            seen[messages[-1].content] = config.seed
            return ModelResponse(text="")

    cfg = _config(model="seedy/x", limit=3, seed=7, epochs=2)
    run_dir, _ = Runner(cfg, tmp_path, model_overrides={"seedy/x": Seedy("x")}).run()
    recs = records(run_dir)
    assert len(recs) == 6
    for r in recs:
        assert r["seed"] == derive_seed(7, r["sample_id"], r["epoch"])
    assert set(seen.values()) <= {r["seed"] for r in recs}


def test_epochs_give_pass_k(tmp_path: Path) -> None:
    from harness_sanity.questions import questions

    q = questions("all", 20, 1234)[0]
    cfg = _config(
        model="scripted/a", model_args={"answers": {q.input: q.target}}, limit=2, epochs=3
    )
    _, result = Runner(cfg, tmp_path).run()
    m = result.metrics[0]
    assert m.pass_at == {"1": 0.5, "2": 0.5, "3": 0.5}


def test_sample_ids_and_limit_select(tmp_path: Path) -> None:
    cfg = _config(sample_ids=["str-003", "arith-001"], limit=None)
    run_dir, _ = Runner(cfg, tmp_path).run()
    assert sorted(r["sample_id"] for r in records(run_dir)) == ["arith-001", "str-003"]
    with pytest.raises(UserError, match=r"Did you mean: .*str-003"):
        Runner(_config(sample_ids=["str-03"]), tmp_path).run()


def test_lifecycle_hooks_fire(tmp_path: Path) -> None:
    from harness.hookspecs import hookimpl

    events: list[str] = []

    class Logger:
        @hookimpl
        def on_run_start(self, run: Any) -> None:
            events.append("start")

        @hookimpl
        def on_sample_end(self, run: Any, record: Any) -> None:
            events.append(record.sample_id)

        @hookimpl
        def on_run_end(self, run: Any, result: Any) -> None:
            events.append(f"end:{result.records}")

    manager = get_manager()
    manager.register_plugin(Logger(), "logger")
    Runner(_config(limit=2), tmp_path, manager).run()
    assert events[0] == "start" and events[-1] == "end:2" and len(events) == 4


def test_scripted_tool_calls_drive_the_agent_loop(tmp_path: Path) -> None:
    responses = [{"tool_calls": [{"name": "add", "arguments": {"a": 1, "b": 2}}]}, "3"]
    cfg = _config(
        task="sanity-tools", model="scripted/t", model_args={"responses": responses}, limit=1
    )
    run_dir, _ = Runner(cfg, tmp_path).run()
    [rec] = records(run_dir)
    msgs = rec["output"]["messages"]
    assert [m["role"] for m in msgs] == ["user", "assistant", "tool", "assistant"]
    assert msgs[2]["content"] == "3" and rec["output"]["metadata"]["calls"][0]["name"] == "add"
    assert rec["model_calls"] == 2
    meta = rec["output"]["metadata"]  # the loop's record: why it stopped, turns, budget profile
    assert (meta["stop_reason"], meta["turns"], meta["budget"]) == ("answer", 2, "full")


def test_roles_default_to_the_model_and_can_be_set_apart(tmp_path: Path) -> None:
    from harness.hookspecs import hookimpl
    from harness.schemas import Sample, SolveOutput
    from harness.task import Task

    class TwoRoles(Task):
        name = "two-roles"

        def samples(self) -> list[Sample]:
            return [Sample(id="s1", input="hello")]

        async def solve(self, sample: Sample, ctx: Any) -> SolveOutput:
            a = await ctx.model.generate([Message(role="user", content="agent")])
            j = await ctx.role("judge").generate([Message(role="user", content="judge")])
            return SolveOutput(completion=f"{a.model}|{j.model}|{a.text}|{j.text}")

    class Plugin:
        @hookimpl
        def register_tasks(self, register: Any) -> None:
            register("two-roles", TwoRoles, description="test")

    manager = get_manager()
    manager.register_plugin(Plugin(), "two-roles-plugin")
    manager.collect()
    cfg = RunConfig(task="two-roles", model="scripted/a")
    run_dir, _ = Runner(cfg, tmp_path, manager).run()
    assert records(run_dir)[0]["output"]["completion"] == "scripted/a|scripted/a||"
    cfg = RunConfig(task="two-roles", model="scripted/a", model_roles={"judge": "scripted/b"})
    run_dir, _ = Runner(cfg, tmp_path, manager).run()
    assert records(run_dir)[0]["output"]["completion"] == "scripted/a|scripted/b||"
    # -M key=value is the default model's; -M judge.key=value the judge's own
    cfg = RunConfig(
        task="two-roles",
        model="scripted/a",
        model_args={"responses": ["A"]},
        model_roles={"judge": "scripted/a"},
        model_role_args={"judge": {"responses": ["J"]}},
    )
    run_dir, _ = Runner(cfg, tmp_path, manager).run()
    assert records(run_dir)[0]["output"]["completion"] == "scripted/a|scripted/a|A|J"
    bad = cfg.model_copy(update={"model_roles": {}})
    with pytest.raises(UserError, match="no --model-role judge"):
        Runner(bad, tmp_path, manager).run()


def test_a_sample_waiting_out_a_retry_backoff_gives_its_slot_to_others(tmp_path: Path) -> None:
    from harness.errors import ModelError

    failed_once: set[str] = set()

    class RateLimitedOnce(Model):
        provider = "rl"

        async def generate(
            self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
        ) -> ModelResponse:
            q = messages[-1].content
            if q == "What is 00 + 1?" and q not in failed_once:
                failed_once.add(q)
                raise ModelError("429", retryable=True, retry_after=0.4)
            await asyncio.sleep(0.01)
            return ModelResponse(text="x")

    from harness.hookspecs import hookimpl
    from harness.schemas import Sample, SolveOutput
    from harness.task import Task

    class Sums(Task):
        name = "sums"

        def samples(self) -> list[Sample]:
            return [Sample(id=f"s{i}", input=f"What is {i}0 + 1?") for i in range(6)]

        async def solve(self, sample: Sample, ctx: Any) -> SolveOutput:
            r = await ctx.model.generate([Message(role="user", content=str(sample.input))])
            return SolveOutput(completion=r.text)

    class Plugin:
        @hookimpl
        def register_tasks(self, register: Any) -> None:
            register("sums", Sums, description="test")

    manager = get_manager()
    manager.register_plugin(Plugin(), "sums-plugin")
    manager.collect()
    cfg = RunConfig(task="sums", model="rl/x", max_concurrency=1)
    run_dir, result = Runner(
        cfg, tmp_path, manager, model_overrides={"rl/x": RateLimitedOnce("x")}
    ).run()
    order = [r["sample_id"] for r in records(run_dir)]
    assert result.errors == 0 and len(order) == 6
    # with one slot, s0 sleeping out its 0.4 s backoff did not block the others
    assert order[-1] == "s0", order


class FreezeProbe(Model):
    """Notes the collector's frozen count at each call."""

    provider = "probe"

    def __init__(self) -> None:
        super().__init__("x")
        self.frozen: list[int] = []

    async def generate(
        self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
    ) -> ModelResponse:
        import gc

        self.frozen.append(gc.get_freeze_count())
        return ModelResponse(text="x")


def test_runs_and_resumes_keep_the_collector_off_the_heap_they_start_with(tmp_path: Path) -> None:
    import gc

    model = FreezeProbe()
    cfg = _config(model="probe/x", limit=2)
    runner = Runner(cfg, tmp_path, model_overrides={"probe/x": model})
    run_dir, _ = runner.run()
    runner = Runner(cfg, tmp_path, model_overrides={"probe/x": model})
    (run_dir / "samples.jsonl").write_text("")  # nothing done: resume runs both again
    runner.resume(run_dir)
    assert len(model.frozen) == 4 and min(model.frozen) > 1000
    assert gc.get_freeze_count() == 0  # thawed after each


def test_resuming_a_finished_run_reads_no_samples_and_loads_no_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 100k-sample resume goal: a finished run answers from its index and results.json."""
    import harness.run.runner as runner_mod

    run_dir, straight = Runner(_config(), tmp_path).run()
    seen: list[str] = []

    def no_selection(*a: Any, **kw: Any) -> Any:
        seen.append("selection")
        raise AssertionError("a finished run streamed the task's samples")

    def no_models(self: Runner, run_dir: Path) -> Any:
        raise AssertionError("a finished run loaded a model")

    with monkeypatch.context() as m:
        m.setattr(runner_mod, "Selection", no_selection)
        m.setattr(Runner, "_models", no_models)
        _, again = Runner(_config(), tmp_path).resume(run_dir)
    assert again == straight and not seen
    # without results.json the run is aggregated again through the full path
    (run_dir / "results.json").unlink()
    _, rebuilt = Runner(_config(), tmp_path).resume(run_dir)
    assert rebuilt.metrics == straight.metrics and rebuilt.records == 6
    assert (run_dir / "results.json").is_file()
