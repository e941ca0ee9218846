"""The community generator: templates by default, model rewrites kept only with their facts."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

import pytest
from harness_personabench.build import Session
from harness_personabench.data import load_community
from harness_personabench.generator import CommunityGenerator, _one_rewrite, parse_noise

from harness.errors import UserError
from harness.jobs import JobContext
from harness.schemas import Message


def test_generates_loadable_communities(tmp_path: Path) -> None:
    gen = CommunityGenerator(
        CommunityGenerator.Options(communities=2, noise="0.0,0.5", verbalise="templates")
    )
    ctx = JobContext(tmp_path, 0, None, None)  # type: ignore[arg-type]
    try:
        summary = asyncio.run(gen.generate(ctx))
    finally:
        ctx.close()
    assert len(summary["communities"]) == 2
    a = load_community(tmp_path / "community_0", 0.5)
    b = load_community(tmp_path / "community_1", 0.5)
    assert a.items[0].question.question != b.items[0].question.question  # seeds differ
    outdated = [i for i in a.items if i.question.outdated_value]
    assert outdated and all(i.question.answer not in i.question.outdated_value for i in outdated)


def test_noise_levels_are_checked() -> None:
    assert parse_noise("0.0, 0.7") == (0.0, 0.7)
    with pytest.raises(UserError):
        parse_noise("1.5")


class Handle:
    def __init__(self, text: str) -> None:
        self.text = text

    async def generate(self, messages: list[Message], **kw: object) -> SimpleNamespace:
        assert "Lisbon" in messages[0].content
        return SimpleNamespace(text=self.text)


def test_a_rewrite_must_keep_the_planted_fact() -> None:
    s = Session("conversation_data", 0, "abcd1234", facts=["Lisbon"])
    line = "Yes, back to Lisbon. I was born there."
    kept = asyncio.run(_one_rewrite(Handle("I was born in Lisbon, so yes."), Message, s, line))
    assert kept == "I was born in Lisbon, so yes."
    assert asyncio.run(_one_rewrite(Handle("I was born up north."), Message, s, line)) is None
