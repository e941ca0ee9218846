"""Records this plugin writes, as pydantic models (``python -m harness_bridge.schemas`` prints
their JSON Schemas). SFT data is the core :class:`harness.schemas.Trajectory`."""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class ChatTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["system", "user"] = Field(description="Who speaks.")
    content: str = Field(min_length=1, description="The text.")


class PromptRecord(BaseModel):
    """One problem for GRPO (``harness train grpo --data``) or evaluation (``-T data=``)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Unique id: bridge-<split>-<index>.")
    prompt: list[ChatTurn] = Field(min_length=2, description="System rules, then the problem.")
    target: str = Field(pattern=r"^-?\d+$", description="The gold answer, an integer.")
    split: Literal["sft", "rl", "id", "ood"] = Field(description="Which set it was drawn for.")
    ops: int = Field(ge=1, description="Operations the answer needs.")
    modulus: int | None = Field(description="Arithmetic modulus (None: plain integers).")


class GenerateSummary(BaseModel):
    """``harness generate bridge``'s summary (in run.json and summary.json)."""

    model_config = ConfigDict(extra="forbid")

    preset: str = Field(description="cpu or paper.")
    files: dict[str, int] = Field(description="File name -> records written.")
    not_unique_rejected: dict[str, int] = Field(
        description="Per split: drawn problems rejected because a quantity was defined twice "
        "or circularly (each was replaced by a new draw)."
    )
    ops: dict[str, list[int]] = Field(description="Per split: the operation-count range.")
    knobs: dict[str, float | int | bool] = Field(description="BRIDGE's knobs used.")


if __name__ == "__main__":
    from harness.schemas import Trajectory

    print(
        json.dumps(
            {
                "prompt_record": PromptRecord.model_json_schema(),
                "trajectory": Trajectory.model_json_schema(),
                "summary": GenerateSummary.model_json_schema(),
            },
            indent=2,
        )
    )
