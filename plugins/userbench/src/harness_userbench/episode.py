"""One TravelGym episode: the state machine behind the environment and the gym wrapper.

Actions are strings ``[search] q``, ``[action] utterance``, ``[answer] ID`` or ``[finish]``, as in
the released environment; rewards and the order of the checks follow its ``evaluate_action``.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from harness_userbench.aspects import ASPECT_OF_PREFIX, ID_PATTERN, OPTION_SCHEMAS
from harness_userbench.scenario import Preference, Scenario
from harness_userbench.users import NO_SUCH_PREFERENCE, TOO_VAGUE, UserSimError, UserSimulator

BACKEND_ERROR = "The search backend is having trouble right now. Please try again later."
SEARCH_FALSE = (
    "Something is wrong with this search request, or its arguments are not "
    "accurate. Refine it: match what the user needs, make one request at a time, "
    "and give exactly the right arguments."
)
SEARCH_NA = (
    "This search request is not related to any part of the trip. Refine it: match "
    "what the user needs, make one request at a time, and give exactly the right "
    "arguments."
)
SEARCH_REPEAT = (
    "The arguments are right, but you already have the results for <{a}> from an "
    "earlier search. Please use those."
)
FORMAT_ERROR = "Your response format is wrong and cannot be parsed properly."
USER_FALLBACK = "Sorry, I'm not sure how to answer that right now. Could you try again?"
MULTI_ANSWER = "You chose several options. Please recommend one option at a time."
BAD_ID = "'{i}' is not a valid option id. Ids look like H1, F12 or C4."
ONE_CHOICE_REFUSAL = (
    "You already recommended an option for '{a}' ({p}...). Only one option per "
    "travel aspect is allowed; work on the other aspects now."
)


RuleSet = Literal["default", "released-eval", "released-env"]
RULE_SETS: tuple[str, ...] = ("default", "released-eval", "released-env")


@dataclass
class Rules:
    """The episode's rules. ``preset`` names the rule set; the fields after ``noise_options`` are
    where the three sets differ (see :func:`rules_for` and the README's table)."""

    max_steps: int = 20
    one_choice: bool = True
    search_failure_interval: int = 5
    elicitation_interval: int = 3
    search_reward: float = 0.2
    preference_reward: float = 0.2
    best_reward: float = 1.0
    correct_reward: float = 0.8
    wrong_penalty: float = 0.0
    wrong_options: int = 10
    noise_options: int = 5
    preset: str = "default"
    #: idle (non-preference) turns before the user volunteers on the next one; None means
    #: ``elicitation_interval - 1`` (the synchronous env); the eval path waits ``interval``
    passive_after: int | None = None
    #: False: the volunteered preference is counted but the reply is the fallback apology and the
    #: preference stays unrevealed (the asynchronous path's reply is never assigned)
    passive_reveals: bool = True
    #: "refuse": several ids in one answer are refused; "each": graded one by one and summed
    multi_answer: Literal["refuse", "each"] = "refuse"
    #: an answer's reward is floored at 0 and capped here (None: no cap)
    answer_cap: float | None = 1.0
    #: one-choice ending: every own aspect answered, as many initials as aspects, or never
    one_choice_end: Literal["own_aspects", "count", "never"] = "own_aspects"
    #: count an active elicitation even when the user's reply then fails (the released code)
    count_failed_reveal: bool = False
    #: show at most wrong_options / noise_options options (the released loader shows all)
    limit_options: bool = True
    #: a turn without a well-formed tool call ends the episode (the released eval's assert)
    abort_without_call: bool = False


def rules_for(preset: str, **options: Any) -> Rules:
    """The named rule set with the task's options (steps, intervals, option counts)."""
    if preset == "default":
        return Rules(preset=preset, **options)
    if preset not in RULE_SETS:
        raise ValueError(f"unknown rule set {preset!r}; one of {', '.join(RULE_SETS)}")
    released = {"count_failed_reveal": True, "limit_options": False}
    if preset == "released-env":
        return Rules(preset=preset, one_choice_end="count", **released, **options)
    return Rules(
        preset=preset,
        passive_after=options.get("elicitation_interval", 3),
        passive_reveals=False,
        multi_answer="each",
        answer_cap=None,
        one_choice_end="never",
        abort_without_call=True,
        **released,
        **options,
    )


@dataclass
class Outcome:
    feedback: str
    reward: float = 0.0
    terminated: bool = False
    truncated: bool = False
    kind: str = ""  # search|action|answer|finish|format
    info: dict[str, Any] = field(default_factory=dict)


class Episode:
    def __init__(
        self, scenario: Scenario, user: UserSimulator, rules: Rules | None = None, seed: int = 0
    ) -> None:
        self.sc = scenario
        self.user = user
        self.rules = rules or Rules()
        self.rng = random.Random(seed)
        self.steps = 0
        self.done = False
        self.terminated = self.truncated = False
        self.rewards: list[float] = []
        self.history: list[dict[str, str]] = []
        self.available: list[tuple[str, Preference]] = [
            (a, p) for a in scenario.dimensions for p in scenario.aspects[a].preferences
        ]  # type: ignore[index]
        self.total_preferences = len(self.available)
        self.active: list[str] = []
        self.passive: list[str] = []
        self.dropped: list[str] = []
        self.searches = {"attempts": 0, "valid": 0, "simulated_errors": 0, "found": []}
        self.unsearched = list(scenario.dimensions)
        self.remaining_best = [scenario.aspects[a].best_id for a in scenario.dimensions]  # type: ignore[index]
        self.remaining_correct = [
            i for a in scenario.dimensions for i in scenario.aspects[a].correct_ids
        ]  # type: ignore[index]
        self.answered: list[str] = []  # option-id initials, in order
        self.answers: list[dict[str, Any]] = []
        self.refused: list[str] = []
        self.nonpreference = 0
        self.active_count = 0  # counters as the released env reports them (its observation)
        self.passive_count = 0
        self.aborted: str | None = None
        self.user_failures: list[dict[str, Any]] = []
        self.agent_format_errors = 0
        self.shown = {a: self._visible_options(a) for a in scenario.dimensions}

    # ------------------------------------------------------------------ helpers

    def _visible_options(self, aspect: str) -> list[dict[str, Any]]:
        spec = self.sc.aspects[aspect]  # type: ignore[index]
        rng = random.Random(f"{self.sc.id}:{aspect}")  # same order in every episode
        by_kind: dict[str, list[Any]] = {"correct": [], "wrong": [], "noise": []}
        for o in spec.options:
            by_kind[o.kind].append(o)
        for group in by_kind.values():
            rng.shuffle(group)
        limit = self.rules.limit_options
        chosen = (
            by_kind["correct"]
            + by_kind["wrong"][: self.rules.wrong_options if limit else None]
            + by_kind["noise"][: self.rules.noise_options if limit else None]
        )
        rng.shuffle(chosen)
        return [{"id": o.id, **o.attributes} for o in chosen]

    def _fail(self, err: UserSimError) -> None:
        self.user_failures.append(
            {"step": self.steps, "role": err.role, "reason": err.reason, "raw": err.raw[:300]}
        )

    def _talk(self, agent: str, reply: str, who: str = "user") -> None:
        self.history.append({"role": "agent", "content": agent})
        self.history.append({"role": who, "content": reply})

    # ------------------------------------------------------------------ the step

    async def step(self, action: str) -> Outcome:
        if self.done:
            return Outcome(
                "The episode is over; no more actions are accepted.",
                terminated=self.terminated,
                truncated=self.truncated,
                kind="closed",
            )
        self.steps += 1
        text = str(action).strip()
        if text.lower().startswith("[finish]"):
            out = Outcome(
                f"Session ended. Preferences uncovered: "
                f"{len(self.active) + len(self.passive)}/{self.total_preferences}.",
                terminated=True,
                kind="finish",
            )
        elif text.startswith("[search]"):
            out = await self._search(text[len("[search]") :].strip())
        elif text.startswith("[action]"):
            out = await self._action(text[len("[action]") :].strip())
        elif text.startswith("[answer]"):
            out = self._answer(text[len("[answer]") :].strip())
        else:
            self.agent_format_errors += 1
            out = Outcome(FORMAT_ERROR, kind="format")
        if self.rules.answer_cap is not None:
            out.reward = max(0.0, min(self.rules.answer_cap, out.reward))
        self.rewards.append(out.reward)
        if not self.remaining_best:
            out.terminated = True
        if self.rules.one_choice and self._one_choice_done():
            out.terminated = True
        if self.steps >= self.rules.max_steps and not out.terminated:
            out.truncated = True
        self.terminated, self.truncated = out.terminated, out.truncated
        self.done = out.terminated or out.truncated
        return out

    def _one_choice_done(self) -> bool:
        end = self.rules.one_choice_end
        if end == "own_aspects":
            return all(self._prefix(a) in self.answered for a in self.sc.dimensions)
        if end == "count":  # the released step(): any answered initial counts
            return len(self.answered) == len(self.sc.dimensions)
        return False  # the released step_async() has no such check

    def abort(self, reason: str) -> Outcome:
        """End the episode without a step (the released eval stops a rollout whose reply has no
        well-formed tool call: its rewards so far stand)."""
        self.aborted = reason
        self.done = True
        return Outcome(f"The episode ends here: {reason}.", kind="aborted")

    @staticmethod
    def _prefix(aspect: str) -> str:
        from harness_userbench.aspects import PREFIX

        return PREFIX[aspect]

    async def _search(self, query: str) -> Outcome:
        self.searches["attempts"] += 1
        if self.searches["attempts"] % self.rules.search_failure_interval == 0:
            self.searches["simulated_errors"] += 1
            self._talk(query, BACKEND_ERROR, "database")
            return Outcome(BACKEND_ERROR, kind="search", info={"search": "simulated_error"})
        try:
            verdict, aspect = await self.user.judge_search(query, self.sc, self.history)
        except UserSimError as err:
            self._fail(err)
            self._talk(query, BACKEND_ERROR, "database")
            return Outcome(BACKEND_ERROR, kind="search", info={"search": "judge_failed"})
        if verdict == "True":
            if aspect not in self.sc.dimensions:
                self._fail(
                    UserSimError("judge_search", f"verdict True for unknown aspect {aspect!r}")
                )
                self._talk(query, BACKEND_ERROR, "database")
                return Outcome(BACKEND_ERROR, kind="search", info={"search": "judge_failed"})
            self.searches["valid"] += 1
            if aspect in self.unsearched:
                self.unsearched.remove(aspect)
                self.searches["found"].append(aspect)
                lines = [
                    f"Your search arguments are right. {OPTION_SCHEMAS[aspect]}",
                    f"All options for <{aspect}>:",
                ]
                lines += [json.dumps(o) for o in self.shown[aspect]]
                self._talk(query, lines[0] + " (results omitted here)", "database")
                return Outcome(
                    "\n".join(lines),
                    self.rules.search_reward,
                    kind="search",
                    info={"search": "valid", "aspect": aspect},
                )
            msg = SEARCH_REPEAT.format(a=aspect)
            self._talk(query, msg, "database")
            return Outcome(msg, kind="search", info={"search": "repeat", "aspect": aspect})
        msg = SEARCH_FALSE if verdict == "False" else SEARCH_NA
        self._talk(query, msg, "database")
        return Outcome(msg, kind="search", info={"search": verdict})

    async def _action(self, utterance: str) -> Outcome:
        try:
            kind, pid = await self.user.classify(utterance, self.sc, self.history, self.available)
        except UserSimError as err:
            self._fail(err)
            kind, pid = 1, None
        match = next(((a, p) for a, p in self.available if p.id == pid), None)
        if kind == 2 and match is None:
            self._fail(UserSimError("classify", f"type 2 with unavailable preference {pid!r}"))
            kind = 1
        info: dict[str, Any] = {"utterance_type": kind}
        try:
            if kind == 2 and match is not None:
                self.nonpreference = 0
                if self.rules.count_failed_reveal:
                    self.active_count += 1  # before the reply, as the released code counts
                reply = await self.user.reveal(match[0], match[1], self.history, utterance)
                if not self.rules.count_failed_reveal:
                    self.active_count += 1
                self._elicit(match, self.active)
                info["elicited"] = {"id": match[1].id, "how": "active"}
                self._talk(utterance, reply)
                return Outcome(reply, self.rules.preference_reward, kind="action", info=info)
            after = self.rules.passive_after
            if after is None:
                after = self.rules.elicitation_interval - 1
            if self.nonpreference >= after and self.available:
                self.nonpreference = 0
                pick = self.rng.choice(self.available)
                if not self.rules.passive_reveals:
                    # the released asynchronous path counts the volunteer, then fails to use the
                    # reply: the user apologises and the preference stays unrevealed
                    self.passive_count += 1
                    info["elicited"] = {"id": pick[1].id, "how": "passive", "revealed": False}
                    self._talk(utterance, USER_FALLBACK)
                    return Outcome(USER_FALLBACK, 0.0, kind="action", info=info)
                reply = await self.user.volunteer(pick[0], pick[1], self.history, utterance)
                self.passive_count += 1
                self._elicit(pick, self.passive)
                info["elicited"] = {"id": pick[1].id, "how": "passive"}
                self._talk(utterance, reply)
                return Outcome(reply, 0.0, kind="action", info=info)  # passive pays nothing
            self.nonpreference += 1
            if kind == 3:
                reply = NO_SUCH_PREFERENCE
            elif kind == 4:
                reply = TOO_VAGUE
            else:
                reply = await self.user.chat(self.history, utterance)
        except UserSimError as err:
            self._fail(err)
            reply = USER_FALLBACK
            info["user_failed"] = err.role
        self._talk(utterance, reply)
        return Outcome(reply, 0.0, kind="action", info=info)

    def _elicit(self, item: tuple[str, Preference], bucket: list[str]) -> None:
        self.available = [x for x in self.available if x[1].id != item[1].id]
        bucket.append(item[1].id)

    def _answer(self, content: str) -> Outcome:
        ids = [i.strip() for i in content.split(",")]
        if len(ids) > 1 and self.rules.multi_answer == "refuse":
            return Outcome(MULTI_ANSWER, kind="answer", info={"answer": "multiple"})
        reward, grades = 0.0, []
        for oid in ids:  # one id, or (multi_answer "each") several, graded in order
            if not re.match(ID_PATTERN, oid):  # earlier ids of the answer stay recorded
                return Outcome(BAD_ID.format(i=oid), kind="answer", info={"answer": "bad_id"})
            initial = oid[0]
            aspect = ASPECT_OF_PREFIX[initial]
            if self.rules.one_choice and initial in self.answered:
                self.refused.append(oid)
                return Outcome(
                    ONE_CHOICE_REFUSAL.format(a=aspect, p=initial),
                    kind="answer",
                    info={"answer": "refused"},
                )
            if oid in self.remaining_best:
                grade, value = "best", self.rules.best_reward
                self.remaining_best.remove(oid)
                self.remaining_correct.remove(oid)
            elif oid in self.remaining_correct:
                grade, value = "correct", self.rules.correct_reward
                self.remaining_correct.remove(oid)
            else:
                grade, value = "wrong", -self.rules.wrong_penalty
            reward += value
            grades.append(grade)
            if initial not in self.answered:
                self.answered.append(initial)
            if self.rules.one_choice:  # that aspect's unrevealed preferences are dropped
                gone = [p.id for a, p in self.available if a == aspect]
                self.dropped += gone
                self.available = [x for x in self.available if x[0] != aspect]
            self.answers.append({"id": oid, "aspect": aspect, "grade": grade, "step": self.steps})
        reward = max(reward, 0.0)
        if self.rules.answer_cap is not None:
            reward = min(reward, self.rules.answer_cap)
        tail = (
            " Your choice is recorded; do not choose another option for this aspect. Carry "
            "on with the other aspects."
            if self.rules.one_choice
            else " Your choice is recorded; do not choose it again. Carry on."
        )
        if len(ids) == 1:
            msg = {
                "best": "Your choice is the best option!",
                "correct": "Your choice fits the user's needs, but it is not the best option.",
                "wrong": "Your choice is neither the best nor a correct option.",
            }[grades[0]]
            info = {"answer": grades[0], "id": ids[0]}
        else:
            msg = (
                "Your options: "
                + ", ".join(f"{i} {g}" for i, g in zip(ids, grades, strict=True))
                + "."
            )
            info = {"answer": "several", "ids": ids, "grades": grades}
        return Outcome(msg + tail, reward, kind="answer", info=info)

    # ------------------------------------------------------------------ reporting

    def state(self) -> dict[str, Any]:
        return {
            "scenario_id": self.sc.id,
            "config": self.sc.config,
            "dimensions": list(self.sc.dimensions),
            "steps": self.steps,
            "terminated": self.terminated,
            "truncated": self.truncated,
            "rewards": list(self.rewards),
            "total_reward": round(sum(self.rewards), 6),
            "answers": list(self.answers),
            "refused_answers": list(self.refused),
            "searches": {**self.searches, "found": list(self.searches["found"])},
            "preferences": {
                "total": self.total_preferences,
                "active": list(self.active),
                "passive": list(self.passive),
                "dropped": list(self.dropped),
                "active_count": self.active_count,
                "passive_count": self.passive_count,
            },
            "rules": self.rules.preset,
            "aborted": self.aborted,
            "agent_format_errors": self.agent_format_errors,
            "user": self.user.kind,
            "user_failures": list(self.user_failures),
        }
