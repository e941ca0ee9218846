"""Episode and generation budgets: ``full`` (tau-bench's settings) or ``small`` (a CPU-sized
budget for the embedded model), and ``auto``, the core's rule (:mod:`harness.agent.budget`):
``small`` when a role that plays the conversation runs in-process (``llamacpp/...``), else
``full``.

Why ``small`` exists: with the embedded SmolLM2-135M on two CPU cores, one agent turn under the
full budget is a ~4,000-token prompt plus up to 512 generated tokens (SmolLM2 rarely stops on its
own), about 45-230 s; an episode runs until the context overflows (~7 agent turns), so
``harness run tau-retail --epochs 4 --limit 2`` did not finish a single sample in 16 minutes.
``small`` bounds the episode (4 agent steps, 2 user turns), the tokens per turn, and renders the
tool schemas without parameter descriptions. It changes what is measured (no multi-turn task can be
solved in 2 user turns), so every result records the budget it ran with; pass ``--budget full``
to get tau-bench's settings on any model. Explicit options (``--max-steps`` ...) override both.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.agent import Budgets, Profile, ProfileName

BudgetName = ProfileName


@dataclass(frozen=True)
class Budget(Profile):
    """APIGen-MT's sizes: a core budget profile (:mod:`harness.agent.budget`)."""

    max_steps: int
    max_user_turns: int
    agent_max_tokens: int | None  # None: the run's -G max_tokens
    user_max_tokens: int
    compact_tools: bool
    # generator only
    max_rounds: dict[str, int]
    gen_max_tokens: int
    review_max_tokens: int
    phase2_attempts: int
    user_best_of: int  # best-of-N simulated-user turns (the paper's user sampling)


FULL = Budget(
    name="full",
    max_steps=30,  # tau-bench's max_num_steps
    max_user_turns=15,
    agent_max_tokens=None,
    user_max_tokens=256,
    compact_tools=False,
    max_rounds={"retail": 3, "airline": 5},
    gen_max_tokens=384,
    review_max_tokens=256,
    phase2_attempts=3,
    user_best_of=4,
)

SMALL = Budget(
    name="small",
    max_steps=4,
    max_user_turns=2,
    agent_max_tokens=64,
    user_max_tokens=48,
    compact_tools=True,
    max_rounds={"retail": 1, "airline": 1},
    gen_max_tokens=320,
    review_max_tokens=160,
    phase2_attempts=2,
    user_best_of=1,
)


BUDGETS = Budgets(full=FULL, small=SMALL)
