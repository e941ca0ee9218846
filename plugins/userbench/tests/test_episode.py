"""Reward and termination rules of TravelGym on scripted episodes with the rule-based user."""

from __future__ import annotations

import asyncio
from typing import Any

from harness_userbench.episode import BACKEND_ERROR, FORMAT_ERROR, Episode, Rules
from harness_userbench.scenario import Scenario
from harness_userbench.users import RuleUser


def play(scenario: Scenario, actions: list[str], **rules: Any) -> tuple[Episode, list[Any]]:
    ep = Episode(scenario, RuleUser(0), Rules(**rules), seed=0)

    async def go() -> list[Any]:
        return [await ep.step(a) for a in actions]

    return ep, asyncio.run(go())


def test_first_valid_search_pays_and_shows_all_options(scenario: Scenario) -> None:
    ep, outs = play(
        scenario, ["[search] flights from Boston to Denver", "[search] flight to Denver please"]
    )
    assert [o.reward for o in outs] == [0.2, 0.0]  # a repeated search pays nothing
    assert all(f'"id": "{i}"' in outs[0].feedback for i in ("F1", "F2", "F3", "F4"))
    assert "stops" in outs[0].feedback and "cost" in outs[0].feedback  # schema line
    assert "already have the results" in outs[1].feedback
    assert ep.searches["valid"] == 2 and ep.searches["attempts"] == 2


def test_invalid_and_unrelated_searches(scenario: Scenario) -> None:
    ep, outs = play(
        scenario,
        [
            "[search] flight to Chicago",
            "[search] restaurants in Denver",
            "[search] flight and hotel in Denver",
        ],
    )
    assert [o.reward for o in outs] == [0.0, 0.0, 0.0]
    assert [o.info["search"] for o in outs] == ["False", "N/A", "False"]
    assert ep.searches["valid"] == 0


def test_every_fifth_search_is_a_backend_error(scenario: Scenario) -> None:
    acts = ["[search] flight to Chicago"] * 4 + ["[search] flight to Denver"] * 2
    ep, outs = play(scenario, acts)
    assert outs[4].feedback == BACKEND_ERROR and outs[4].reward == 0.0
    assert outs[5].reward == 0.2  # the sixth (valid) attempt succeeds
    assert ep.searches["simulated_errors"] == 1


def test_answers_best_correct_wrong(scenario: Scenario) -> None:
    sc = scenario
    _, outs = play(sc, ["[answer] F2", "[answer] H3"], one_choice=True)
    assert [o.reward for o in outs] == [0.8, 0.0]
    assert outs[-1].terminated  # one answer per aspect given
    _ep, outs = play(sc, ["[answer] F1", "[answer] H2"])
    assert [o.reward for o in outs] == [1.0, 1.0] and outs[-1].terminated


def test_all_best_terminates_without_one_choice(scenario: Scenario) -> None:
    _ep, outs = play(
        scenario, ["[answer] F3", "[answer] F1", "[answer] F1", "[answer] H2"], one_choice=False
    )
    assert [o.reward for o in outs] == [0.0, 1.0, 0.0, 1.0]  # a repeated best is not paid
    assert outs[-1].terminated and not outs[2].terminated


def test_one_choice_refuses_second_answer_and_drops_preferences(scenario: Scenario) -> None:
    ep, outs = play(
        scenario, ["[answer] F3", "[answer] F1", "[action] Do you want a nonstop flight?"]
    )
    assert outs[1].reward == 0.0 and outs[1].info["answer"] == "refused"
    assert ep.refused == ["F1"]
    assert sorted(ep.dropped) == ["flight-1", "flight-2"]
    assert outs[2].info["utterance_type"] == 3  # that preference is gone now
    assert not ep.done


def test_active_elicitation_pays_and_passive_after_two_idle_turns(scenario: Scenario) -> None:
    ep, outs = play(
        scenario,
        [
            "[action] Would you like a nonstop flight, without layovers?",
            "[action] Lovely city.",
            "[action] Anything else?",
            "[action] Great.",
        ],
    )
    assert outs[0].reward == 0.2 and outs[0].info["elicited"]["how"] == "active"
    assert outs[0].feedback.endswith("Connections wear me out.")
    assert [o.info["utterance_type"] for o in outs[1:]] == [1, 4, 1]
    assert "elicited" not in outs[1].info and "elicited" not in outs[2].info
    assert outs[3].info["elicited"]["how"] == "passive" and outs[3].reward == 0.0
    assert ep.active == ["flight-1"] and len(ep.passive) == 1


def test_malformed_and_empty_input_counts_a_step(scenario: Scenario) -> None:
    ep, outs = play(
        scenario, ["hello there", "[action]", "[answer] X9", "[answer] F1, H2", "[answer] F77"]
    )
    assert outs[0].feedback == FORMAT_ERROR and ep.agent_format_errors == 1
    assert outs[1].info["utterance_type"] == 4  # an empty utterance is a vague one
    assert "not a valid option id" in outs[2].feedback
    assert "one option at a time" in outs[3].feedback
    assert outs[4].info["answer"] == "wrong"  # a well-formed unknown id is a wrong answer
    assert all(o.reward == 0.0 for o in outs) and ep.steps == 5


def test_truncation_at_max_steps(scenario: Scenario) -> None:
    ep, outs = play(scenario, ["[action] Nice."] * 20)
    assert outs[-1].truncated and not outs[-2].truncated and ep.done
    _ep2, outs2 = play(scenario, ["[action] Nice."] * 3, max_steps=3)
    assert outs2[-1].truncated


def test_finish_ends_the_episode(scenario: Scenario) -> None:
    ep, outs = play(scenario, ["[finish]", "[search] flight to Denver"])
    assert outs[0].terminated and outs[1].kind == "closed" and ep.steps == 1
