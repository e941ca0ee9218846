"""--sample-timeout measures a sample's own time: waits for a shared resource do not count."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from harness.deadline import SampleDeadline, deadline_paused
from harness.hookspecs import hookimpl
from harness.model import Model
from harness.plugins.manager import get_manager
from harness.run.runner import Runner
from harness.schemas import GenerateConfig, Message, ModelResponse, RunConfig, Sample, ToolSpec
from harness.task import Task


def test_own_time_past_the_deadline_times_out() -> None:
    async def main() -> None:
        async with SampleDeadline(0.1):
            await asyncio.sleep(0.3)

    with pytest.raises(TimeoutError):
        asyncio.run(main())


def test_a_paused_wait_does_not_count_but_the_time_left_is_kept() -> None:
    async def main(own_after: float) -> None:
        async with SampleDeadline(0.2):
            await asyncio.sleep(0.1)  # own time: 0.1 of 0.2 s
            async with deadline_paused():
                await asyncio.sleep(0.3)  # queueing: not counted
            await asyncio.sleep(own_after)

    asyncio.run(main(0.05))  # 0.15 s own time in all: fine
    with pytest.raises(TimeoutError):
        asyncio.run(main(0.2))  # 0.3 s own time: over


def test_nested_pauses_and_pauses_outside_a_sample_are_harmless() -> None:
    async def main() -> None:
        async with deadline_paused():  # no deadline at all
            await asyncio.sleep(0)
        async with SampleDeadline(0.1), deadline_paused():
            async with deadline_paused():
                await asyncio.sleep(0.2)
            await asyncio.sleep(0.05)  # still paused by the outer block

    asyncio.run(main())


def test_a_task_that_outlives_its_sample_may_still_pause() -> None:
    async def main() -> None:
        gate = asyncio.Event()

        async def straggler() -> None:
            await gate.wait()
            async with deadline_paused():  # the sample's deadline has been left by now
                await asyncio.sleep(0)

        async with SampleDeadline(1.0):
            task = asyncio.ensure_future(straggler())  # inherits the sample's context
        gate.set()
        await task

    asyncio.run(main())


class SlowSerial(Model):
    """An in-process engine that runs one call at a time, 0.1 s each."""

    provider = "slowserial"
    serial = True

    async def generate(
        self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
    ) -> ModelResponse:
        await asyncio.sleep(0.1)
        return ModelResponse(text="ok")


class Episodes(Task):
    name = "test-episodes"
    description = "Four episodes of three calls each, taking turns on a serial engine."

    def samples(self) -> list[Sample]:
        return [Sample(id=f"e{i}", input="x", target="ok") for i in range(4)]

    async def solve(self, sample: Sample, ctx: Any) -> Any:
        from harness.schemas import SolveOutput

        async with ctx.one_episode_at_a_time():
            for _ in range(3):
                reply = await ctx.model.generate([Message(role="user", content="hi")])
        return SolveOutput(completion=reply.text)

    def metrics(self) -> list[Any]:
        from harness.metric import ExactMatch

        return [ExactMatch()]


class EpisodesPlugin:
    @hookimpl
    def register_tasks(self, register: Any) -> None:
        register("test-episodes", Episodes, description=Episodes.description)


def test_episodes_queueing_for_their_turn_do_not_time_out(tmp_path: Path) -> None:
    manager = get_manager()
    if "test-episodes" not in manager.registry("tasks").names():
        manager.register_plugin(EpisodesPlugin(), "test-episodes")
        manager.collect()
    model = SlowSerial("m")
    # each episode works 0.3 s; the last waits 0.9 s for its turn, more than the timeout
    cfg = RunConfig(
        task="test-episodes", model="slowserial/m", max_concurrency=4, sample_timeout=0.6
    )
    runner = Runner(cfg, tmp_path, manager=manager, model_overrides={"slowserial/m": model})
    run_dir, result = runner.run()
    recs = [json.loads(x) for x in (run_dir / "samples.jsonl").read_text().splitlines()]
    assert [r["status"] for r in recs] == ["ok"] * 4 and result.errors == 0
    # and a sample whose own time is over still times out
    cfg = cfg.model_copy(update={"sample_timeout": 0.2})
    runner = Runner(cfg, tmp_path, manager=manager, model_overrides={"slowserial/m": model})
    _, result = runner.run()
    assert result.errors == 4


class RaisesTimeout(SlowSerial):
    provider = "raisestimeout"

    async def generate(
        self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
    ) -> ModelResponse:
        raise TimeoutError("the upstream tool took too long")


@pytest.mark.parametrize("sample_timeout", [None, 30.0])
def test_a_timeout_raised_by_the_task_is_not_taken_for_the_sample_timeout(
    tmp_path: Path, sample_timeout: float | None
) -> None:
    manager = get_manager()
    if "test-episodes" not in manager.registry("tasks").names():
        manager.register_plugin(EpisodesPlugin(), "test-episodes")
        manager.collect()
    cfg = RunConfig(task="test-episodes", model="raisestimeout/m", sample_timeout=sample_timeout)
    runner = Runner(
        cfg,
        tmp_path,
        manager=manager,
        model_overrides={"raisestimeout/m": RaisesTimeout("m")},
    )
    run_dir, _ = runner.run()
    recs = [json.loads(x) for x in (run_dir / "samples.jsonl").read_text().splitlines()]
    assert {r["error"]["type"] for r in recs} == {"TimeoutError"}
    assert {r["error"]["message"] for r in recs} == {"the upstream tool took too long"}
