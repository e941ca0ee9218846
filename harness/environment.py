"""Environments: a stateful world an agent acts in through tools, maybe with a simulated user."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from pydantic import BaseModel, Field

from harness.options import NoOptions
from harness.schemas import Message, Sample, ToolCall, ToolSpec


class StepResult(BaseModel):
    """What one tool call did."""

    content: str = Field(description="The observation shown to the agent.")
    is_error: bool = Field(default=False, description="The call failed (bad name, bad args, ...).")
    reward: float = Field(default=0.0, description="Reward earned by this step.")
    done: bool = Field(default=False, description="The episode ended with this step.")
    info: dict[str, Any] = Field(default_factory=dict, description="Details for scoring.")


class UserTurn(BaseModel):
    content: str = Field(description="What the user says.")
    done: bool = Field(default=False, description="The user ends the conversation.")
    info: dict[str, Any] = Field(
        default_factory=dict, description="Details (preference revealed...)."
    )


class SimulatedUser(ABC):
    """A user an environment can hold: it opens the conversation and answers the agent."""

    @abstractmethod
    async def start(self) -> str:
        """The user's first message."""

    @abstractmethod
    async def respond(self, messages: list[Message]) -> UserTurn:
        """Answer the agent; ``messages`` is the conversation so far, the agent's
        last turn at the end."""


class Environment(ABC):
    """Subclass, set ``name``; implement reset, tools and step.

    ``user`` may hold a SimulatedUser."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    Options: ClassVar[type[BaseModel]] = NoOptions

    def __init__(self, options: BaseModel | None = None) -> None:
        self.options: Any = options if options is not None else self.Options()
        self.user: SimulatedUser | None = None
        self.done = False

    @abstractmethod
    def reset(self, sample: Sample | None = None, seed: int | None = None) -> str:
        """Start an episode; returns the initial observation (may be empty)."""

    @abstractmethod
    def tools(self) -> list[ToolSpec]:
        """The tools the agent may call now."""

    @abstractmethod
    async def step(self, call: ToolCall) -> StepResult:
        """Execute one tool call."""

    async def text_turn(self, text: str) -> StepResult:
        """Judge a plain-text agent turn without executing a tool (environment feedback), for
        tasks whose rules send text turns to the environment (``Rules.text_turn``)."""
        raise NotImplementedError(f"environment {self.name!r} does not judge plain-text turns")

    def state(self) -> dict[str, Any]:
        """A JSON-serialisable summary of the episode for scoring (rewards, final state...)."""
        return {}
