"""UserBench metrics, computed from the sample's scenario and the episode state in the output.

Per sample (the core averages over samples, bootstraps CIs and computes pass^k for 0/1 scores):

* ``userbench_score``: mean over the scenario's aspects of the best grade the agent's answers
  earned for it (1.0 best option, 0.8 a correct one, 0 otherwise);
* ``userbench_best_exist_rate`` / ``userbench_correct_exist_rate``: share of aspects whose best /
  some correct (best included) option is among the agent's answers;
* ``userbench_valid_search_rate``: valid searches / search attempts (None without searches);
* ``userbench_active_elicitation`` / ``userbench_passive_elicitation``: preferences the user
  revealed because asked / volunteered, over all preferences of the scenario;
* ``userbench_all_best``: 1 if the best option of every aspect was found (0/1, so pass^k).

The released ``eval.py`` (``post_process_results``) reports four other aggregates, from each
episode's list of per-step rewards; the core's mean over samples gives the same figures:

* ``userbench_micro_avg``: mean per-step reward (0 for an episode without steps);
* ``userbench_micro_max``: largest per-step reward (the eval's printed "pass reward");
* ``userbench_steps_reward_1``: steps whose reward is exactly 1.0 (best picks; its
  ``avg_number_of_1``);
* ``userbench_steps_reward_08``: steps whose reward is exactly 0.8 (correct picks;
  ``avg_number_of_08``). Under ``released-eval`` an answer with several ids pays their sum, which
  neither count sees, as in the eval.

The active / passive rates count what the episode counted (``active_count`` / ``passive_count``,
the counters the released environment reports), which under the released rules can include
reveals whose reply failed and, on the eval path, volunteers whose reply was lost.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

from harness.metric import Metric
from harness.schemas import Sample, Score, SolveOutput

GRADE_VALUE = {"best": 1.0, "correct": 0.8, "wrong": 0.0}


def grade(scenario: dict[str, Any], option_id: str) -> tuple[str | None, str]:
    """(aspect, 'best' | 'correct' | 'wrong') of an answer, from the scenario alone."""
    for aspect in scenario["dimensions"]:
        spec = scenario["aspects"][aspect]
        if option_id == spec["best_id"]:
            return aspect, "best"
        if option_id in spec["correct_ids"]:
            return aspect, "correct"
    return None, "wrong"


def per_aspect(scenario: dict[str, Any], state: dict[str, Any]) -> dict[str, float]:
    """Aspect -> best grade value reached by the recorded answers."""
    out = {a: 0.0 for a in scenario["dimensions"]}
    for ans in state.get("answers", []):
        aspect, g = grade(scenario, ans["id"])
        if aspect is not None:
            out[aspect] = max(out[aspect], GRADE_VALUE[g])
    return out


def _state(output: SolveOutput) -> dict[str, Any]:
    state = output.metadata.get("state")
    if not isinstance(state, dict):
        raise ValueError("output.metadata has no episode 'state' (not a userbench transcript?)")
    return state


class _UB(Metric):
    def score(self, sample: Sample, output: SolveOutput) -> Score:
        scenario = sample.target
        state = _state(output)
        value, expl, meta = self.compute(scenario, state)
        return Score(value=value, explanation=expl, metadata=meta)

    @abstractmethod
    def compute(
        self, scenario: dict[str, Any], state: dict[str, Any]
    ) -> tuple[float | None, str, dict[str, Any]]:
        """(value, explanation, details) for one episode."""


class UserBenchScore(_UB):
    name = "userbench_score"
    description = "Mean over aspects of the answer grade (best 1.0, correct 0.8, else 0)."

    def compute(
        self, scenario: dict[str, Any], state: dict[str, Any]
    ) -> tuple[float | None, str, dict[str, Any]]:
        grades = per_aspect(scenario, state)
        return sum(grades.values()) / len(grades), f"per aspect: {grades}", {"aspects": grades}


class BestExistRate(_UB):
    name = "userbench_best_exist_rate"
    description = "Share of aspects whose best option is among the answers."

    def compute(
        self, scenario: dict[str, Any], state: dict[str, Any]
    ) -> tuple[float | None, str, dict[str, Any]]:
        g = per_aspect(scenario, state)
        hit = sum(v == 1.0 for v in g.values())
        return hit / len(g), f"{hit}/{len(g)} aspects with the best option", {}


class CorrectExistRate(_UB):
    name = "userbench_correct_exist_rate"
    description = "Share of aspects with a correct (or the best) option among the answers."

    def compute(
        self, scenario: dict[str, Any], state: dict[str, Any]
    ) -> tuple[float | None, str, dict[str, Any]]:
        g = per_aspect(scenario, state)
        hit = sum(v >= 0.8 for v in g.values())
        return hit / len(g), f"{hit}/{len(g)} aspects with a correct option", {}


class ValidSearchRate(_UB):
    name = "userbench_valid_search_rate"
    description = "Valid search attempts / all search attempts (None without searches)."

    def compute(
        self, scenario: dict[str, Any], state: dict[str, Any]
    ) -> tuple[float | None, str, dict[str, Any]]:
        s = state.get("searches", {})
        n, ok = int(s.get("attempts", 0)), int(s.get("valid", 0))
        return (ok / n if n else None), f"{ok}/{n} searches valid", {}


class ActiveElicitation(_UB):
    name = "userbench_active_elicitation"
    description = "Preferences revealed because the agent asked, over all preferences."

    def compute(
        self, scenario: dict[str, Any], state: dict[str, Any]
    ) -> tuple[float | None, str, dict[str, Any]]:
        p = state.get("preferences", {})
        total, k = int(p.get("total", 0)), int(p.get("active_count", len(p.get("active", []))))
        return (k / total if total else None), f"{k}/{total} elicited actively", {}


class PassiveElicitation(_UB):
    name = "userbench_passive_elicitation"
    description = "Preferences the user volunteered unasked, over all preferences."

    def compute(
        self, scenario: dict[str, Any], state: dict[str, Any]
    ) -> tuple[float | None, str, dict[str, Any]]:
        p = state.get("preferences", {})
        total, k = int(p.get("total", 0)), int(p.get("passive_count", len(p.get("passive", []))))
        return (k / total if total else None), f"{k}/{total} volunteered", {}


class AllBest(_UB):
    name = "userbench_all_best"
    description = "1 if the best option of every aspect was found (0/1; pass^k over epochs)."

    def compute(
        self, scenario: dict[str, Any], state: dict[str, Any]
    ) -> tuple[float | None, str, dict[str, Any]]:
        g = per_aspect(scenario, state)
        ok = all(v == 1.0 for v in g.values())
        return (1.0 if ok else 0.0), "every best option found" if ok else "not all best", {}


def _rewards(state: dict[str, Any]) -> list[float]:
    return [float(r) for r in state.get("rewards", [])]


class MicroAvg(_UB):
    name = "userbench_micro_avg"
    description = "Mean per-step reward (the released eval's micro_avg)."

    def compute(
        self, scenario: dict[str, Any], state: dict[str, Any]
    ) -> tuple[float | None, str, dict[str, Any]]:
        r = _rewards(state)
        return (sum(r) / len(r) if r else 0.0), f"mean of {len(r)} step rewards", {}


class MicroMax(_UB):
    name = "userbench_micro_max"
    description = "Largest per-step reward (the released eval's micro_max)."

    def compute(
        self, scenario: dict[str, Any], state: dict[str, Any]
    ) -> tuple[float | None, str, dict[str, Any]]:
        r = _rewards(state)
        return (max(r) if r else 0.0), f"max of {len(r)} step rewards", {}


class StepsReward1(_UB):
    name = "userbench_steps_reward_1"
    description = "Steps paying exactly 1.0, best picks (the released eval's avg_number_of_1)."

    def compute(
        self, scenario: dict[str, Any], state: dict[str, Any]
    ) -> tuple[float | None, str, dict[str, Any]]:
        n = _rewards(state).count(1.0)
        return float(n), f"{n} steps paid 1.0", {}


class StepsReward08(_UB):
    name = "userbench_steps_reward_08"
    description = "Steps paying exactly 0.8, correct picks (the released eval's avg_number_of_08)."

    def compute(
        self, scenario: dict[str, Any], state: dict[str, Any]
    ) -> tuple[float | None, str, dict[str, Any]]:
        n = _rewards(state).count(0.8)
        return float(n), f"{n} steps paid 0.8", {}


def all_metrics() -> list[Metric]:
    return [
        UserBenchScore(),
        BestExistRate(),
        CorrectExistRate(),
        ValidSearchRate(),
        ActiveElicitation(),
        PassiveElicitation(),
        AllBest(),
        MicroAvg(),
        MicroMax(),
        StepsReward1(),
        StepsReward08(),
    ]
