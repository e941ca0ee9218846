"""SolveContext: episodes on a serial in-process engine take turns; elsewhere they overlap."""

from __future__ import annotations

import asyncio

from harness.context import Roles, SolveContext
from harness.model import Model, WrappedModel
from harness.schemas import GenerateConfig, Message, ModelResponse, Sample, ToolSpec


class Remote(Model):
    provider = "remote"

    async def generate(
        self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
    ) -> ModelResponse:
        return ModelResponse(text="ok")


class Serial(Remote):
    provider = "serial"
    serial = True


def _episodes(agent: Model, user: Model | None = None) -> list[str]:
    order: list[str] = []
    roles = Roles(WrappedModel(agent), {"user": WrappedModel(user)} if user else None)

    async def episode(name: str) -> None:
        ctx = SolveContext(Sample(id=name, input="x"), roles, GenerateConfig(), 0, 0)
        async with ctx.one_episode_at_a_time("user"):
            order.append(f"{name}+")
            await asyncio.sleep(0.01)
            order.append(f"{name}-")

    async def main() -> None:
        await asyncio.gather(episode("a"), episode("b"))

    asyncio.run(main())
    return order


def test_episodes_on_a_serial_engine_take_turns() -> None:
    assert _episodes(Serial("m")) == ["a+", "a-", "b+", "b-"]
    # the user role on a serial engine is enough (the agent may be remote)
    assert _episodes(Remote("m"), Serial("u")) == ["a+", "a-", "b+", "b-"]
    # the same model in a second event loop gets a lock of its own
    model = Serial("m")
    assert _episodes(model) == _episodes(model) == ["a+", "a-", "b+", "b-"]


def test_episodes_on_other_models_overlap() -> None:
    assert _episodes(Remote("m")) == ["a+", "b+", "a-", "b-"]
    assert _episodes(Remote("m"), Remote("u")) == ["a+", "b+", "a-", "b-"]
