"""``harness run modomodo``: any model (a vision-language one: ``hf/``, an API model) answers the
synthetic image-text questions (or the records of ``modomodo-import``/``modomodo-synthetic``),
each picture sent as an image part of the user message, scored by the verifiable rewards."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from harness.context import SolveContext
from harness.metric import Metric
from harness.schemas import ImagePart, Message, Sample, SolveOutput, TextPart
from harness.task import Task
from harness_modomodo.synthetic import OOD_KINDS

#: the evaluation seed of the mixture loop: pictures never used in its training
EVAL_SEED = 10_007


class ModomodoOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kinds: list[str] = Field(
        default=list(OOD_KINDS), description="Synthetic kinds (default: the held-out ones)."
    )
    per_kind: int = Field(default=20, ge=1, description="Questions per kind.")
    data_seed: int = Field(default=EVAL_SEED, description="Seed of the pictures and questions.")
    data: str | None = Field(
        default=None,
        description="A records.jsonl (from modomodo-synthetic or modomodo-import) instead of "
        "drawing the synthetic set.",
    )
    max_tokens: int = Field(default=256, ge=1, description="Tokens the model may write.")


class ModomodoTask(Task):
    name = "modomodo"
    description = "Image-text questions with verifiable answers (boxes, options, numbers)."
    Options = ModomodoOptions
    group_by = ["source"]
    roles = ()

    def samples(self) -> Iterable[Sample]:
        from harness.errors import UserError
        from harness_modomodo.data import prompt_text, read_examples, to_sample
        from harness_modomodo.schemas import Example
        from harness_modomodo.synthetic import KINDS, SIZE, draw

        o: ModomodoOptions = self.options
        if o.data:
            path = Path(o.data)
            for ex in read_examples(path):
                s = to_sample(ex, path.parent)
                yield _with_image(s, ImagePart(path=s.metadata["image"]))
            return
        bad = sorted(set(o.kinds) - set(KINDS))
        if bad:
            raise UserError(f"unknown kind(s) {', '.join(bad)}; kinds: {', '.join(KINDS)}")
        for kind in o.kinds:
            for i in range(o.per_kind):
                d = draw(kind, o.data_seed, i)
                ex = Example(
                    id=f"{kind}-{o.data_seed}-{i}",
                    source=kind,
                    image="",
                    question=d.question,
                    answer=d.answer,
                    answer_type=d.answer_type,  # type: ignore[arg-type]
                    choices=d.choices,
                    image_size=(SIZE, SIZE),
                )
                buf = io.BytesIO()
                d.image().save(buf, format="PNG")
                s = to_sample(ex).model_copy(update={"input": prompt_text(ex)})
                yield _with_image(s, ImagePart(data=buf.getvalue()))

    async def solve(self, sample: Sample, ctx: SolveContext) -> SolveOutput:
        messages = list(sample.input) if isinstance(sample.input, list) else []
        response = await ctx.model.generate(messages, max_tokens=self.options.max_tokens)
        return SolveOutput(completion=response.text, messages=[*messages, response.message()])

    def metrics(self) -> list[Metric]:
        from harness_modomodo.metrics import Accuracy, FormatFailure, Reward, ThinkAnswerFormat

        return [Accuracy(), Reward(), ThinkAnswerFormat(), FormatFailure()]


def _with_image(sample: Sample, image: ImagePart) -> Sample:
    """The sample with its input as one user message: the picture, then the question."""
    text = sample.input if isinstance(sample.input, str) else ""
    meta = {k: v for k, v in sample.metadata.items() if k != "image"}
    msg = Message(role="user", content=[image, TextPart(text=text)])
    return sample.model_copy(update={"input": [msg], "metadata": meta})
