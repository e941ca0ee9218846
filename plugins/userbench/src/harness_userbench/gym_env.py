"""A gymnasium-style TravelGym: ``reset()`` -> (obs, info), ``step(str)`` -> 5-tuple.

``make_env`` imports gymnasium only when called, and subclasses ``gymnasium.Env`` when it is
installed (it is a dependency of this plugin); the class works without it too. ``step`` is
synchronous; inside a running event loop use ``await env.step_async(action)``.

Importing this module registers ``TravelGym-v0`` with gymnasium (as the released package does
on import), so ``gymnasium.make("harness_userbench.gym_env:TravelGym-v0", rules="released-eval")``
works without a prior import. Keyword arguments are those of :func:`make_env`.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path
from typing import Any

from harness_userbench.episode import Episode, Rules, rules_for
from harness_userbench.scenario import Scenario, load_scenarios
from harness_userbench.users import RuleUser, UserSimulator

GOAL = "Find out what the user wants, search, and recommend one option per travel aspect."


class TravelGymCore:
    """The environment logic shared by the gymnasium and the plain variant."""

    metadata: dict[str, Any] = {"render_modes": []}

    def __init__(
        self,
        scenarios: list[Scenario] | str | Path | None = None,
        user: UserSimulator | None = None,
        rules: Rules | None = None,
        scenario_id: str | None = None,
    ) -> None:
        self.scenarios = scenarios if isinstance(scenarios, list) else load_scenarios(scenarios)
        self.user_factory = (lambda seed: user) if user is not None else RuleUser
        self.rules = rules or Rules()
        self.scenario_id = scenario_id
        self._rng = random.Random(0)
        self.episode: Episode | None = None
        self._last_reward = 0.0

    def _pick(self, options: dict[str, Any] | None) -> Scenario:
        wanted = (options or {}).get("scenario_id") or self.scenario_id
        if wanted:
            for s in self.scenarios:
                if s.id == wanted:
                    return s
            raise KeyError(f"no scenario with id {wanted!r}")
        return self._rng.choice(self.scenarios)

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        if seed is not None:
            self._rng = random.Random(seed)
        sc = self._pick(options)
        s = seed if seed is not None else self._rng.randrange(2**31)
        self.episode = Episode(sc, self.user_factory(s), self.rules, s)
        self._last_reward = 0.0
        return self._obs(sc.initial_description), {"task_id": sc.id}

    def _obs(self, feedback: str) -> dict[str, Any]:
        ep = self.episode
        assert ep is not None
        total = ep.total_preferences
        elicited = len(ep.active) + len(ep.passive)
        return {
            "task_description": ep.sc.scenario,
            "goal": GOAL,
            "feedback": feedback,
            "step_count": ep.steps,
            "episode_complete": ep.done,
            "total_preferences": total,
            "remaining_preferences": len(ep.available),
            "elicitation_ratio": elicited / total if total else 0.0,
            "active_elicited_preferences": ep.active_count,
            "passive_elicited_preferences": ep.passive_count,
            "last_reward": self._last_reward,
        }

    async def step_async(
        self, action: str
    ) -> tuple[dict[str, Any], float, bool, bool, dict[str, Any]]:
        if self.episode is None:
            raise RuntimeError("call reset() before step()")
        if self.episode.done:
            raise RuntimeError("the episode is complete; call reset()")
        out = await self.episode.step(action)
        self._last_reward = out.reward
        info = {"task_id": self.episode.sc.id, **out.info, "state": self.episode.state()}
        return self._obs(out.feedback), out.reward, out.terminated, out.truncated, info

    def step(self, action: str) -> tuple[dict[str, Any], float, bool, bool, dict[str, Any]]:
        return asyncio.run(self.step_async(action))

    def close(self) -> None:
        self.episode = None


def make_env(
    scenarios: list[Scenario] | str | Path | None = None,
    user: UserSimulator | None = None,
    rules: Rules | str | None = None,
    scenario_id: str | None = None,
    **rule_options: Any,
) -> Any:
    """A TravelGym env; a ``gymnasium.Env`` (with Text/Dict spaces) when gymnasium is installed.
    ``rules``: a :class:`Rules`, or a rule-set name (``default``, ``released-eval``,
    ``released-env``) with ``rule_options`` such as ``max_steps=20, one_choice=True``."""
    if isinstance(rules, str) or rule_options:
        if isinstance(rules, Rules):
            raise TypeError("pass either a Rules object or a rule-set name with options")
        rules = rules_for(rules or "default", **rule_options)
    try:
        import gymnasium as gym
        from gymnasium import spaces
    except ImportError:
        return TravelGymCore(scenarios, user, rules, scenario_id)

    class TravelGymEnv(TravelGymCore, gym.Env):  # type: ignore[misc]
        def __init__(self) -> None:
            TravelGymCore.__init__(self, scenarios, user, rules, scenario_id)
            self.action_space = spaces.Text(max_length=4000)
            count = spaces.Box(low=0, high=10_000, shape=(), dtype=int)
            ratio = spaces.Box(low=0.0, high=1.0, shape=(), dtype=float)
            self.observation_space = spaces.Dict(
                {
                    "task_description": spaces.Text(max_length=5000),
                    "goal": spaces.Text(max_length=500),
                    "feedback": spaces.Text(max_length=100_000),
                    "step_count": count,
                    "episode_complete": spaces.Discrete(2),
                    "total_preferences": count,
                    "remaining_preferences": count,
                    "elicitation_ratio": ratio,
                    "active_elicited_preferences": count,
                    "passive_elicited_preferences": count,
                    "last_reward": spaces.Box(low=-10.0, high=10.0, shape=(), dtype=float),
                }
            )

        def reset(
            self, *, seed: int | None = None, options: dict[str, Any] | None = None
        ) -> tuple[dict[str, Any], dict[str, Any]]:
            gym.Env.reset(self, seed=seed)
            return TravelGymCore.reset(self, seed=seed, options=options)

    return TravelGymEnv()


ENV_ID = "TravelGym-v0"


def register() -> bool:
    """Register ``TravelGym-v0`` with gymnasium (False if gymnasium is not installed)."""
    try:
        import gymnasium as gym
    except ImportError:
        return False
    if ENV_ID not in gym.registry:
        # no TimeLimit wrapper: the episode truncates itself at Rules.max_steps (20); the
        # released registration adds one at 25 steps, which its 20-step episodes never reach.
        # The checker is off: observations are free text beyond Text's default charset.
        gym.register(
            id=ENV_ID, entry_point="harness_userbench.gym_env:make_env", disable_env_checker=True
        )
    return True


register()
