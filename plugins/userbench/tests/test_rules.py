"""The three rule sets on scripted episodes (hand-made scenario, rule user): each rule where the
released asynchronous path (``eval.py`` -> ``step_async``), the released synchronous ``step()``
and our default differ, pinned. Read in SalesforceAIResearch/UserBench at b05d86b."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from harness_userbench.environment import TravelGymEnvironment, TravelGymOptions
from harness_userbench.episode import MULTI_ANSWER, USER_FALLBACK, Episode, Outcome, rules_for
from harness_userbench.scenario import Preference, Scenario
from harness_userbench.users import RuleUser, UserSimError

from harness.schemas import ToolCall

IDLE = "[action] Nice weather today."  # type 1 (small talk) for the rule user


def play(
    scenario: Scenario, preset: str, actions: list[str], user: Any = None, **opts: Any
) -> tuple[Episode, list[Outcome]]:
    ep = Episode(scenario, user or RuleUser(0), rules_for(preset, **opts), seed=0)

    async def go() -> list[Outcome]:
        return [await ep.step(a) for a in actions]

    return ep, asyncio.run(go())


def test_passive_elicitation_timing_and_its_lost_reply(scenario: Scenario) -> None:
    # synchronous env and default: two idle turns, the third volunteers a preference
    for preset in ("default", "released-env"):
        ep, outs = play(scenario, preset, [IDLE] * 3)
        assert [o.info.get("elicited", {}).get("how") for o in outs] == [None, None, "passive"]
        assert len(ep.passive) == 1 and ep.passive_count == 1
        assert outs[2].feedback != USER_FALLBACK and outs[2].reward == 0.0
    # eval path: one idle turn later (nonpreference_times >= interval), and its reply variable is
    # never assigned: the volunteer is counted, the user apologises, nothing is revealed
    ep, outs = play(scenario, "released-eval", [IDLE] * 4)
    assert [o.info.get("elicited", {}).get("how") for o in outs] == [None, None, None, "passive"]
    assert outs[3].feedback == USER_FALLBACK and outs[3].reward == 0.0
    assert ep.passive_count == 1 and ep.passive == []
    assert len(ep.available) == ep.total_preferences  # still unrevealed
    ep, outs = play(scenario, "released-eval", [IDLE] * 8)  # and the counter keeps climbing
    assert ep.passive_count == 2 and ep.state()["preferences"]["passive"] == []


def test_several_ids_in_one_answer(scenario: Scenario) -> None:
    for preset in ("default", "released-env"):
        ep, outs = play(scenario, preset, ["[answer] F1, H2"])
        assert outs[0].feedback == MULTI_ANSWER and outs[0].reward == 0.0 and not ep.answers
    # eval path: graded one by one and summed, no cap at 1
    ep, outs = play(scenario, "released-eval", ["[answer] F1, H2"])
    assert outs[0].reward == 2.0 and outs[0].terminated  # every best option found
    assert [a["grade"] for a in ep.answers] == ["best", "best"]
    _, outs = play(scenario, "released-eval", ["[answer] F2, H3"], one_choice=False)
    assert outs[0].reward == pytest.approx(0.8)


def test_eval_path_multi_answer_quirks(scenario: Scenario) -> None:
    # a repeated initial inside one answer (one-choice): the first id is recorded, then the answer
    # is refused and pays nothing
    ep, outs = play(scenario, "released-eval", ["[answer] F2, F1"])
    assert outs[0].reward == 0.0 and outs[0].info["answer"] == "refused"
    assert [a["id"] for a in ep.answers] == ["F2"] and "F2" not in ep.remaining_correct
    # a malformed id after a good one: the good one stands, the step pays nothing
    ep, outs = play(scenario, "released-eval", ["[answer] F1, XX"])
    assert outs[0].reward == 0.0 and outs[0].info["answer"] == "bad_id"
    assert [a["id"] for a in ep.answers] == ["F1"]


def test_answer_rewards_are_capped_except_on_the_eval_path(scenario: Scenario) -> None:
    for preset, expected in (("default", 1.0), ("released-env", 1.0), ("released-eval", 1.5)):
        _, outs = play(scenario, preset, ["[answer] F1"], best_reward=1.5)
        assert outs[0].reward == expected, preset


def test_one_choice_ending(scenario: Scenario) -> None:
    acts = ["[answer] F3", "[answer] H3", "[answer] H1"]
    for preset in ("default", "released-env"):
        ep, outs = play(scenario, preset, acts[:2])
        assert outs[1].terminated and ep.done
    # eval path (step_async): no one-choice ending; the next answer for the aspect is refused
    ep, outs = play(scenario, "released-eval", acts)
    assert not outs[1].terminated and not ep.done
    assert outs[2].info["answer"] == "refused" and ep.refused == ["H1"]


def test_released_env_counts_any_initial_for_the_ending(scenario: Scenario) -> None:
    # a restaurant answer in a flight+hotel trip: released step() counts two initials = two
    # aspects and ends; our default waits for the trip's own aspects
    acts = ["[answer] R1", "[answer] F3"]
    _, outs = play(scenario, "released-env", acts)
    assert outs[1].terminated
    ep, outs = play(scenario, "default", acts)
    assert not outs[1].terminated and not ep.done


class FailingReveal(RuleUser):
    async def reveal(self, aspect: str, pref: Preference, history: Any, utterance: str) -> str:
        raise UserSimError("reveal", "model call failed")


def test_a_failed_reveal_counts_as_active_in_the_released_code(scenario: Scenario) -> None:
    ask = ["[action] Do you prefer a nonstop flight with no stops?"]
    for preset, counted in (("default", 0), ("released-env", 1), ("released-eval", 1)):
        ep, outs = play(scenario, preset, ask, user=FailingReveal(0))
        assert outs[0].feedback == USER_FALLBACK and outs[0].reward == 0.0
        assert ep.active_count == counted and ep.active == [], preset
        assert len(ep.available) == ep.total_preferences  # not revealed either way


def test_released_loaders_show_every_option(scenario: Scenario) -> None:
    acts = ["[search] flights from Boston to Denver"]
    _, outs = play(scenario, "default", acts, wrong_options=0, noise_options=0)
    assert '"F3"' not in outs[0].feedback and '"F4"' not in outs[0].feedback
    for preset in ("released-env", "released-eval"):  # get_task_by_id ignores the counts
        _, outs = play(scenario, preset, acts, wrong_options=0, noise_options=0)
        assert '"F3"' in outs[0].feedback and '"F4"' in outs[0].feedback


def _env(preset: str, sample: Any) -> TravelGymEnvironment:
    env = TravelGymEnvironment(TravelGymOptions(rules=preset))
    env.reset(sample, 0)
    return env


def test_eval_path_ends_on_a_reply_without_a_well_formed_call(scenario_dict: Any) -> None:
    from harness.schemas import Sample

    sample = Sample(id="hand-1", input="hi", target=scenario_dict)
    no_thought = ToolCall(
        id="1", name="interact_with_env", arguments={"choice": "search", "content": "x"}
    )

    async def go(preset: str, call: ToolCall | None) -> tuple[Any, TravelGymEnvironment]:
        env = _env(preset, sample)
        res = await (env.text_turn("plain text") if call is None else env.step(call))
        return res, env

    for call in (None, no_thought):
        res, env = asyncio.run(go("released-eval", call))
        assert res.done and env.state()["aborted"] and env.state()["steps"] == 0
        res, env = asyncio.run(go("default", call))  # a counted format-error step
        assert not res.done and env.state()["steps"] == 1 and res.is_error
    # an unknown choice: the eval passes the content on unprefixed (a format error, not an end)
    odd = ToolCall(
        id="2",
        name="interact_with_env",
        arguments={"thought": "t", "choice": "ask", "content": "hello"},
    )
    res, env = asyncio.run(go("released-eval", odd))
    assert not res.done and env.state()["agent_format_errors"] == 1
