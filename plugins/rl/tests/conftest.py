"""Fixtures: a plugin manager with two extra test metrics, arithmetic prompts, a tiny model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harness_rl.arith import write_prompts

from harness.hookspecs import hookimpl
from harness.metric import Metric
from harness.plugins.manager import PluginManager, get_manager, set_manager
from harness.schemas import Sample, Score, SolveOutput


class OddLength(Metric):
    """1 when the reply has an odd number of characters: random rollouts of a tiny random model
    get mixed rewards, so GRPO has something to learn from."""

    name = "odd_length"

    def score(self, sample: Sample, output: SolveOutput) -> Score:
        return Score(value=float(len(output.completion) % 2))


class Wordy(Metric):
    """Returns a word, not a number: no reward."""

    name = "wordy"

    def score(self, sample: Sample, output: SolveOutput) -> Any:
        return "good"


class _TestMetrics:
    @hookimpl
    def register_metrics(self, register: Any) -> None:
        register("odd_length", OddLength())
        register("wordy", Wordy())


@pytest.fixture(scope="module")
def manager() -> Iterator[PluginManager]:
    """The installed plugins plus the test metrics, made the process-wide manager for one test
    module (the previous one is put back after it)."""
    m = PluginManager()
    m.load_entry_points()
    m.register_plugin(_TestMetrics(), "rl-tests")
    m.collect()
    previous = get_manager()
    set_manager(m)
    yield m
    set_manager(previous)


@pytest.fixture(scope="session")
def one_torch_thread() -> None:
    import torch

    torch.set_num_threads(1)


@pytest.fixture
def prompts(tmp_path: Path) -> Path:
    return write_prompts(tmp_path / "arith.jsonl", 6, seed=1)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory, one_torch_thread: None) -> Path:
    from harness.backends.hf.tiny import build_tiny_checkpoint

    return build_tiny_checkpoint(tmp_path_factory.mktemp("tiny") / "m", seed=0, hidden=32)
