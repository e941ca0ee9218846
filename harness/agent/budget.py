"""Budget profiles: the sizes an agent task runs with, chosen by one rule for every plugin.

A task defines two profiles of its own sizes (steps, turns, tokens per turn, ...): ``full``, the
paper's, and ``small``, for serial in-process engines (:attr:`harness.model.Model.serial`, such
as ``llamacpp/``), which run one call at a time on a few CPU cores, where the paper's sizes can
take an hour a sample. The user picks ``full``, ``small`` or ``auto``; ``auto`` is ``small`` when
the agent or any role that plays in the episode runs on such an engine, and ``full`` otherwise.
A small profile changes what is measured, so every record names the profile it ran with
(:meth:`harness.agent.loop.AgentResult.record`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, Literal, TypeVar

if TYPE_CHECKING:
    from harness.context import SolveContext
    from harness.jobs import JobContext

ProfileName = Literal["auto", "full", "small"]

#: the option's description every task can reuse
BUDGET_HELP = (
    "full: the paper's sizes; small: sizes for serial in-process engines (llamacpp/); "
    "auto: small when the agent or another role of the episode runs on one, else full."
)


@dataclass(frozen=True)
class Profile:
    """Base of a task's sizes; ``name`` is what the record shows."""

    name: str


P = TypeVar("P", bound=Profile)
T = TypeVar("T")


def on_serial_engine(ctx: SolveContext | JobContext, roles: tuple[str, ...]) -> bool:
    """Whether any of ``roles`` runs on a serial in-process engine. A SolveContext always counts
    its agent; a JobContext counts exactly the roles named."""
    from harness.context import SolveContext

    if isinstance(ctx, SolveContext):
        return ctx.on_serial_engine(*roles)
    return any(ctx.role(r).serial for r in roles)


def profile_name(choice: ProfileName, serial: bool) -> Literal["full", "small"]:
    """The auto rule: ``small`` exactly when a role runs on a serial in-process engine."""
    if choice == "auto":
        return "small" if serial else "full"
    return choice


@dataclass(frozen=True)
class Budgets(Generic[P]):
    """A task's two profiles."""

    full: P
    small: P

    def choose(self, choice: ProfileName, ctx: SolveContext | JobContext, *roles: str) -> P:
        """The profile ``choice`` means in this context (``roles``: the episode's roles besides
        the agent, for a SolveContext; every role that plays, for a JobContext)."""
        name = profile_name(choice, choice == "auto" and on_serial_engine(ctx, roles))
        return self.full if name == "full" else self.small


def override(explicit: T | None, default: T) -> T:
    """An explicit option wins over the profile's size."""
    return default if explicit is None else explicit
