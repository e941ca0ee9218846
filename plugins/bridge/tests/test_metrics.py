"""The boxed-answer reward and format-failure counting, on hand-made replies and through a run
of the ``bridge`` task with scripted models whose errors are known."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness_bridge.metrics import BoxedAnswer, FormatFailure, first_boxed

from harness.schemas import Sample, SolveOutput


@pytest.mark.parametrize(
    ("reply", "value", "failure"),
    [
        ("<think>x</think><answer>\\boxed{14}</answer>", 1.0, False),
        ("\\boxed{14.0}", 1.0, False),
        ("\\boxed{ 14 }", 1.0, False),
        ("\\boxed{13} then \\boxed{14}", 0.0, False),  # the first box counts
        ("the answer is 14", 0.0, True),
        ("\\boxed{14", 0.0, True),  # unclosed
        ("", 0.0, True),
        ("\\boxed{}", 0.0, False),  # a box, empty: wrong, not a format failure
    ],
)
def test_boxed_reward(reply: str, value: float, failure: bool) -> None:
    sample = Sample(id="s", input="q", target="14")
    score = BoxedAnswer().score(sample, SolveOutput(completion=reply))
    assert score.value == value
    assert score.metadata["format_failure"] is failure
    assert FormatFailure().score(sample, SolveOutput(completion=reply)).value == float(failure)


def test_first_boxed_nested() -> None:
    assert first_boxed("\\boxed{\\frac{1}{2}} x") == "\\frac{1}{2}"


def test_registrations(harness_conformance) -> None:  # type: ignore[no-untyped-def]
    reg = harness_conformance.check_plugin("bridge")
    assert set(reg["metrics"]) == {"bridge_boxed_answer", "bridge_format_failure"}


def test_smoke(harness_conformance, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    harness_conformance.smoke_run("bridge", tmp_path, task_params={"n": 1})


def test_run_counts_format_failures(tmp_path: Path) -> None:
    """An oracle that boxes the right answer on half the problems, a wrong number on a quarter
    and no box on the rest: accuracy 1/2, format failures 1/4, per split."""
    from harness_bridge.task import BridgeTask

    from harness.cli import main

    task = BridgeTask(BridgeTask.Options(n=4))
    samples = list(task.samples())
    assert [s.metadata["split"] for s in samples] == ["id"] * 4 + ["ood"] * 4
    answers = {}
    for i, s in enumerate(samples):
        user = s.input[-1].content  # type: ignore[index]
        right, wrong = f"\\boxed{{{s.target}}}", f"\\boxed{{{int(s.target) + 1}}}"
        reply = [right, right, wrong, "I think it is 3."][i % 4]
        answers[user] = reply
    code = main(
        ["run", "bridge", "-T", "n=4", "--model", "scripted/oracle", "-M",
         "answers=" + json.dumps(answers), "--out", str(tmp_path)]
    )  # fmt: skip
    assert code in (0, None)
    run = next(tmp_path.iterdir())
    results = json.loads((run / "results.json").read_text())
    text = json.dumps(results)
    assert "bridge_format_failure" in text
    means = {m["name"]: m["mean"] for m in results["metrics"]}
    assert means["bridge_boxed_answer"] == pytest.approx(0.5)
    assert means["bridge_format_failure"] == pytest.approx(0.25)
