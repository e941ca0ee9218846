"""The rewards on their reference fixtures (tests/fixtures/rewards.json: hand-computed values,
one group per reward), the registrations, and the dispatching reward on a mixed set."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from harness_modomodo.metrics import (
    Accuracy,
    BoxIoU,
    ChoiceAccuracy,
    FormatFailure,
    NumberAccuracy,
    Reward,
    ThinkAnswerFormat,
    parse_box,
)

from harness.metric import Metric
from harness.schemas import Sample, SolveOutput

FIXTURES = json.loads((Path(__file__).parent / "fixtures" / "rewards.json").read_text())
METRIC: dict[str, Metric] = {
    "box": BoxIoU(),
    "choice": ChoiceAccuracy(),
    "choice_index": ChoiceAccuracy(),
    "number": NumberAccuracy(),
    "number_units": NumberAccuracy(),
    "number_third": NumberAccuracy(),
    "number_root": NumberAccuracy(),
    "format": ThinkAnswerFormat(),
}
CASES = [
    pytest.param(group, case, id=f"{group}-{i}")
    for group, spec in FIXTURES.items()
    for i, case in enumerate(spec["cases"])
]


def _sample(group: str) -> Sample:
    spec = FIXTURES[group]["sample"]
    return Sample(id=group, input="q", target=spec["target"], metadata=spec["metadata"])


@pytest.mark.parametrize(("group", "case"), CASES)
def test_reward_fixture(group: str, case: dict[str, Any]) -> None:
    sample = _sample(group)
    score = METRIC[group].score(sample, SolveOutput(completion=case["reply"]))
    assert score.value == pytest.approx(case["value"], abs=1e-9), case
    failure = case.get("format_failure", False)
    if group != "format":
        assert score.metadata["format_failure"] is failure, case
        if "answer_type" in sample.metadata:
            flag = FormatFailure().score(sample, SolveOutput(completion=case["reply"]))
            assert flag.value == float(failure)
            assert Reward().score(sample, SolveOutput(completion=case["reply"])).value == (
                pytest.approx(case["value"])
            )
    if "format" in case:
        assert score.metadata["box_format"] == case["format"]


def test_every_fixture_group_has_a_metric() -> None:
    assert set(FIXTURES) == set(METRIC)
    assert sum(len(s["cases"]) for s in FIXTURES.values()) >= 50


def test_accuracy_thresholds_iou_at_half() -> None:
    sample = _sample("box")
    half = SolveOutput(completion="(10,20) to (30,60)")  # IoU exactly 0.5
    less = SolveOutput(completion="(10,20) to (29,60)")
    assert Accuracy().score(sample, half).value == 1.0
    assert Accuracy().score(sample, less).value == 0.0


def test_reward_refuses_an_unknown_answer_type() -> None:
    with pytest.raises(ValueError, match="answer_type"):
        Reward().score(Sample(id="x", input="q", target=1), SolveOutput(completion="1"))


def test_box_without_image_size_is_taken_as_written() -> None:
    sample = Sample(id="b", input="q", target=[0.1, 0.1, 0.5, 0.5], metadata={})
    assert BoxIoU().score(sample, SolveOutput(completion="[0.1,0.1,0.5,0.5]")).value == 1.0
    assert parse_box("no box here") is None


def test_registrations(harness_conformance) -> None:  # type: ignore[no-untyped-def]
    harness_conformance.check_plugin("modomodo")
