"""Metrics on hand-computed episode states."""

from __future__ import annotations

from typing import Any

import pytest
from harness_userbench.metrics import all_metrics

from harness.schemas import Sample, SolveOutput


def scores(scenario: dict[str, Any], state: dict[str, Any]) -> dict[str, float | None]:
    sample = Sample(id="hand-1", input="x", target=scenario)
    out = SolveOutput(metadata={"state": state})
    return {m.name: m.score(sample, out).value for m in all_metrics()}


def state(
    answers: list[str],
    attempts: int = 0,
    valid: int = 0,
    active: int = 0,
    passive: int = 0,
    total: int = 3,
) -> dict[str, Any]:
    return {
        "answers": [{"id": a} for a in answers],
        "searches": {"attempts": attempts, "valid": valid},
        "preferences": {
            "total": total,
            "active": [f"a{i}" for i in range(active)],
            "passive": [f"p{i}" for i in range(passive)],
        },
    }


def test_best_and_correct(scenario_dict: dict[str, Any]) -> None:
    # flight: F1 best (1.0); hotel: H1 correct but not best (0.8)
    s = scores(scenario_dict, state(["F1", "H1"], attempts=4, valid=3, active=1, passive=1))
    assert s["userbench_score"] == pytest.approx(0.9)
    assert s["userbench_best_exist_rate"] == 0.5
    assert s["userbench_correct_exist_rate"] == 1.0
    assert s["userbench_valid_search_rate"] == 0.75
    assert s["userbench_active_elicitation"] == pytest.approx(1 / 3)
    assert s["userbench_passive_elicitation"] == pytest.approx(1 / 3)
    assert s["userbench_all_best"] == 0.0


def test_wrong_unknown_and_missing_answers(scenario_dict: dict[str, Any]) -> None:
    s = scores(scenario_dict, state(["F3", "R9"]))  # wrong flight, off-scenario id, no hotel
    assert s["userbench_score"] == 0.0
    assert s["userbench_best_exist_rate"] == 0.0 and s["userbench_correct_exist_rate"] == 0.0
    assert s["userbench_valid_search_rate"] is None  # no search attempted


def test_several_answers_per_aspect_take_the_best(scenario_dict: dict[str, Any]) -> None:
    s = scores(scenario_dict, state(["F3", "F2", "F1", "H2"]))
    assert s["userbench_score"] == 1.0 and s["userbench_all_best"] == 1.0


def test_the_released_eval_aggregates(scenario_dict: dict[str, Any]) -> None:
    st = state(["F1", "H1"])
    st["rewards"] = [0.2, 0.0, 1.0, 0.8, 0.0]
    s = scores(scenario_dict, st)
    assert s["userbench_micro_avg"] == pytest.approx(2.0 / 5)
    assert s["userbench_micro_max"] == 1.0
    assert s["userbench_steps_reward_1"] == 1.0 and s["userbench_steps_reward_08"] == 1.0
    st["rewards"] = [2.0]  # released-eval: two best ids in one answer; neither count sees it
    s = scores(scenario_dict, st)
    assert s["userbench_micro_max"] == 2.0 and s["userbench_steps_reward_1"] == 0.0
    st["rewards"] = []  # an episode ended before any step
    assert scores(scenario_dict, st)["userbench_micro_avg"] == 0.0


def test_elicitation_rates_use_the_episode_counters(scenario_dict: dict[str, Any]) -> None:
    st = state([], active=0, passive=0)
    st["preferences"].update(active_count=1, passive_count=2)  # released-eval: lost volunteers
    s = scores(scenario_dict, st)
    assert s["userbench_active_elicitation"] == pytest.approx(1 / 3)
    assert s["userbench_passive_elicitation"] == pytest.approx(2 / 3)
