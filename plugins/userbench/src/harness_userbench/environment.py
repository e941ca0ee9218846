"""TravelGym as a harness Environment: the ``interact_with_env`` tool over an :class:`Episode`."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.environment import Environment, SimulatedUser, StepResult, UserTurn
from harness.schemas import Message, Sample, ToolCall, ToolSpec
from harness_userbench.episode import FORMAT_ERROR, Episode, Outcome, Rules, RuleSet, rules_for
from harness_userbench.scenario import Scenario
from harness_userbench.users import RuleUser, UserSimulator


@lru_cache(maxsize=8)
def interact_tool(max_chars: int) -> ToolSpec:
    """The one TravelGym tool; ``thought`` and ``content`` at most ``max_chars`` characters
    (which keeps grammar-constrained local models from rambling; API models rarely come near).
    Cached: one spec per limit, shared by every step (nobody mutates it)."""
    return ToolSpec(
        name="interact_with_env",
        description=(
            "Act in the travel-planning environment. choice='search' sends one query to the "
            "options database (name one travel aspect and its details); choice='action' says "
            "something to the user (ask one specific question at a time); choice='answer' "
            "recommends exactly one option id from the search results, such as H12."
        ),
        parameters={
            "type": "object",
            "properties": {
                "thought": {
                    "type": "string",
                    "maxLength": max_chars,
                    "description": "Your reasoning for this step (brief).",
                },
                "choice": {
                    "type": "string",
                    "enum": ["search", "action", "answer"],
                    "description": "search, action or answer.",
                },
                "content": {
                    "type": "string",
                    "maxLength": max_chars,
                    "description": "The search query, the words to the user, or one id.",
                },
            },
            "required": ["thought", "choice", "content"],
        },
    )


TOOL = interact_tool(400)
FINISH = ToolSpec(
    name="finish", description="End the session.", parameters={"type": "object", "properties": {}}
)


class TravelGymOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: RuleSet = Field(
        default="default",
        description="default (the synchronous env with fixes), released-eval (the asynchronous "
        "path the released eval.py runs), released-env (the released synchronous step()).",
    )
    one_choice: bool = Field(default=True, description="One answer per aspect (paper setting).")
    max_steps: int = Field(default=20, ge=1, le=200, description="Steps before truncation.")
    search_failure_interval: int = Field(
        default=5, ge=1, description="Every Nth search fails on purpose."
    )
    elicitation_interval: int = Field(
        default=3, ge=1, description="Volunteer a preference on the Nth non-preference turn."
    )
    wrong_options: int = Field(default=10, ge=0, description="Wrong options shown per aspect.")
    noise_options: int = Field(default=5, ge=0, description="Noise options shown per aspect.")
    finish_tool: bool = Field(default=False, description="Also offer a separate finish tool.")
    text_max_chars: int = Field(
        default=400, ge=20, le=10_000, description="Longest thought / content the tool allows."
    )
    user: Literal["rule"] = Field(
        default="rule",
        description=(
            "The user the environment builds itself; a model-backed user is attached by the task "
            "(attach_user)."
        ),
    )


def rules_from(o: Any) -> Rules:
    return rules_for(
        o.rules,
        max_steps=o.max_steps,
        one_choice=o.one_choice,
        search_failure_interval=o.search_failure_interval,
        elicitation_interval=o.elicitation_interval,
        wrong_options=o.wrong_options,
        noise_options=o.noise_options,
    )


def action_string(call: ToolCall) -> str | None:
    """The released eval's mapping of a tool call to an action string; None if malformed."""
    if call.name == "finish":
        return "[finish]"
    if call.name != TOOL.name or call.parse_error:
        return None
    args = call.arguments
    choice, content = args.get("choice"), args.get("content")
    if choice not in ("search", "action", "answer") or not isinstance(content, str):
        return None
    if "thought" not in args:
        return None
    prefix = f"[{choice}]"
    return content if content.startswith(prefix) else f"{prefix} {content}"


def eval_action_string(call: ToolCall) -> str | None:
    """The released eval's own mapping: None (it aborts) unless the arguments hold thought,
    choice and content; a choice other than the three passes the content on unprefixed."""
    if call.name == "finish":
        return "[finish]"
    args = call.arguments if not call.parse_error else {}
    if not all(k in args for k in ("thought", "choice", "content")):
        return None
    choice, content = args["choice"], str(args["content"])
    if choice in ("search", "action", "answer") and not content.startswith(f"[{choice}]"):
        return f"[{choice}] {content}"
    return content


class _UtteranceUser(SimulatedUser):
    """For the core's run_agent: a plain-text turn is an ``[action]`` utterance to the user."""

    def __init__(self, env: TravelGymEnvironment) -> None:
        self.env = env

    async def start(self) -> str:
        return self.env.episode.sc.initial_description

    async def respond(self, messages: list[Message]) -> UserTurn:
        last = next((m.content for m in reversed(messages) if m.role == "assistant"), "")
        out = await self.env.episode.step(f"[action] {last}")
        self.env.done = self.env.episode.done
        return UserTurn(
            content=out.feedback, done=self.env.done, info={"reward": out.reward, **out.info}
        )


class TravelGymEnvironment(Environment):
    """Reset with a sample whose ``target`` is a scenario (the task's samples are)."""

    name = "userbench-travelgym"
    description = "TravelGym: one interact_with_env tool (search/action/answer) and a user."
    Options = TravelGymOptions

    def __init__(self, options: BaseModel | None = None) -> None:
        super().__init__(options)
        self._user: UserSimulator | None = None
        self.episode: Episode
        self.last: Outcome | None = None

    def attach_user(self, user: UserSimulator) -> None:
        """Use this simulated user (e.g. a ModelUser) from the next reset on."""
        self._user = user

    def reset(self, sample: Sample | None = None, seed: int | None = None) -> str:
        if sample is None or not isinstance(sample.target, dict):
            raise ValueError("userbench-travelgym needs a sample whose target is a scenario")
        scenario = Scenario.model_validate(sample.target)
        user = self._user or RuleUser(seed or 0)
        self.episode = Episode(scenario, user, rules_from(self.options), seed or 0)
        self.done = False
        self.user = _UtteranceUser(self)
        return scenario.initial_description

    def tools(self) -> list[ToolSpec]:
        tool = interact_tool(self.options.text_max_chars)
        return [tool, FINISH] if self.options.finish_tool else [tool]

    async def step(self, call: ToolCall) -> StepResult:
        action = action_string(call)
        if self.episode.rules.abort_without_call:
            action = eval_action_string(call)
            if action is None:  # the released eval asserts here and ends the rollout
                return self._result(
                    self.episode.abort("the tool call lacks thought, choice or content"),
                    is_error=True,
                )
        if action is None:
            out = await self.episode.step("")  # counted, zero reward, like the released env
            out.feedback = FORMAT_ERROR
            return self._result(out, is_error=True)
        return self._result(await self.episode.step(action))

    async def text_turn(self, text: str) -> StepResult:
        """A reply without a tool call: read as an action string (usually a format error); the
        core loop sends plain-text turns here (``text_turn``). Under ``released-eval`` it ends
        the episode, as the released eval's rollout stops on a reply without a tool call."""
        if self.episode.rules.abort_without_call:
            return self._result(self.episode.abort("the reply has no tool call"), is_error=True)
        out = await self.episode.step(text)
        return self._result(out, is_error=out.kind == "format")

    def _result(self, out: Outcome, is_error: bool = False) -> StepResult:
        self.last = out
        self.done = self.episode.done
        return StepResult(
            content=out.feedback,
            is_error=is_error,
            reward=out.reward,
            done=self.done,
            info={
                "kind": out.kind,
                "terminated": out.terminated,
                "truncated": out.truncated,
                **out.info,
            },
        )

    def state(self) -> dict[str, Any]:
        return self.episode.state() if hasattr(self, "episode") else {}
