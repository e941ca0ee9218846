"""The records the plugin reads and writes, as pydantic models; :func:`json_schemas` publishes them
as JSON Schema (``python -m harness_rl.schemas`` prints them)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ChatTurn(BaseModel):
    role: str = Field(description="system, user or assistant.")
    content: str = Field(description="The turn's text.")


class PromptRecord(BaseModel):
    """One line of a prompt file (with the default field names; ``--prompt-field``,
    ``--target-field`` and ``--id-field`` rename them). Further fields become the sample's
    metadata, which metrics may read."""

    model_config = ConfigDict(extra="allow")

    prompt: str | list[ChatTurn] = Field(description="The prompt, or chat messages.")
    target: Any = Field(default=None, description="The reference answer the metrics compare to.")
    id: str | int | None = Field(default=None, description="Stable id (default: line index).")


class StepRecord(BaseModel):
    """One line of ``steps.jsonl``: one GRPO optimizer step, from TRL's logged metrics."""

    model_config = ConfigDict(extra="forbid")

    step: int = Field(description="Optimizer step (1-based).")
    reward: float = Field(description="Mean weighted reward over the step's rollouts.")
    reward_std: float | None = Field(description="Standard deviation of the reward.")
    kl: float | None = Field(description="Mean KL to the reference model (None when beta = 0).")
    response_length: float | None = Field(description="Mean rollout length, in tokens.")
    mixed_share: float | None = Field(
        description="Share of groups whose rollouts' rewards differ (GRPO learns only from those)."
    )
    clipped_share: float | None = Field(description="Share of rollouts cut at the length limit.")
    loss: float | None = Field(description="Training loss.")
    grad_norm: float | None = Field(
        default=None, description="Gradient norm before clipping (all ranks' gradients reduced)."
    )
    learning_rate: float | None = Field(description="Learning rate at this step.")
    entropy: float | None = Field(description="Mean token entropy of the rollouts.")
    step_seconds: float | None = Field(description="Wall-clock seconds of the step.")
    rewards: dict[str, float | None] = Field(description="Mean of each reward metric, unweighted.")


class RolloutRecord(BaseModel):
    """One line of the diagnostics' ``rollouts.jsonl``."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(description="The sample id the rollout answers.")
    completion: str = Field(description="The rollout's text.")
    reward: float | None = Field(description="Weighted reward (None: no metric applied).")
    correct: bool = Field(description="reward > --threshold.")


class AlphaRecord(BaseModel):
    """One line of the diagnostics' ``alpha.jsonl``."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(description="The sample id.")
    alpha: float = Field(ge=0, le=1, description="Share of its rollouts that are correct.")
    rollouts: int = Field(ge=1, description="How many rollouts it had.")


RECORDS: dict[str, type[BaseModel]] = {
    "prompt": PromptRecord,
    "step": StepRecord,
    "rollout": RolloutRecord,
    "alpha": AlphaRecord,
}


def json_schemas() -> dict[str, dict[str, Any]]:
    return {name: model.model_json_schema() for name, model in RECORDS.items()}


if __name__ == "__main__":
    print(json.dumps(json_schemas(), indent=2))
