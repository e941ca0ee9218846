"""The ``bridge`` task: iGSM-style problems answered in one reply, scored by the boxed answer.

Splits: ``id`` (the training operation range) and ``ood`` (the out-of-distribution range), or
``all``; the problems are drawn exactly as ``harness generate bridge`` draws its eval files from the
same ``data_seed``, or read from such a file (``-T data=eval_ood.jsonl``)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.context import SolveContext
from harness.errors import UserError
from harness.metric import Metric
from harness.schemas import Message, Sample, SolveOutput
from harness.task import Task
from harness_bridge.data import PRESETS, draw, prompt_record
from harness_bridge.metrics import BoxedAnswer, FormatFailure
from harness_bridge.schemas import PromptRecord


class BridgeTaskOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    split: Literal["id", "ood", "all"] = Field(default="all", description="Which problems.")
    preset: Literal["cpu", "paper"] = Field(default="cpu", description="Operation ranges.")
    n: int | None = Field(
        default=None, ge=1, description="Problems per split (preset's eval size)."
    )
    data_seed: int = Field(default=1234, description="Seed (as `harness generate bridge`).")
    data: str | None = Field(default=None, description="Read prompts from this JSONL instead.")
    max_tokens: int = Field(default=512, ge=1, description="Tokens the model may write.")


class BridgeTask(Task):
    name = "bridge"
    description = (
        "iGSM-style DAG word problems (in- and out-of-distribution), boxed-answer accuracy."
    )
    Options = BridgeTaskOptions
    roles = ()
    group_by = ["split"]

    def samples(self) -> Iterable[Sample]:
        o: BridgeTaskOptions = self.options
        records = _read(Path(o.data)) if o.data else self._drawn()
        for rec in records:
            if o.split != "all" and rec.split != o.split:
                continue
            yield Sample(
                id=rec.id,
                input=[Message(role=t.role, content=t.content) for t in rec.prompt],
                target=rec.target,
                metadata={"split": rec.split, "ops": rec.ops},
            )

    def _drawn(self) -> list[PromptRecord]:
        o: BridgeTaskOptions = self.options
        p = PRESETS[o.preset]
        n = o.n or p.eval
        out = []
        for split, ops in (("id", p.train_ops), ("ood", p.ood_ops)):
            if o.split in (split, "all"):
                for d in draw(split, n, o.data_seed, ops, p.modulus):
                    out.append(PromptRecord.model_validate(prompt_record(d)))
        return out

    async def solve(self, sample: Sample, ctx: SolveContext) -> SolveOutput:
        messages = list(sample.input) if isinstance(sample.input, list) else []
        response = await ctx.model.generate(messages, max_tokens=self.options.max_tokens)
        return SolveOutput(completion=response.text, messages=[*messages, response.message()])

    def metrics(self) -> list[Metric]:
        return [BoxedAnswer(), FormatFailure()]


def _read(path: Path) -> list[PromptRecord]:
    if not path.is_file():
        raise UserError(f"bridge: data file {path} does not exist")
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append(PromptRecord.model_validate(json.loads(line)))
        except (json.JSONDecodeError, ValidationError) as exc:
            first = str(exc).splitlines()[:3]
            raise UserError(
                f"bridge: {path} line {n}: not a prompt record ({' '.join(first)})"
            ) from None
    return out
