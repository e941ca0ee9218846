"""``harness generate actionstudio-convert``: convert trajectory files to the unified format.

Writes ``unified.jsonl`` (ActionStudio records, valid under data/unified_trajectory.schema.json),
``trajectories.jsonl`` (the same as core Trajectory records) and ``rejected.jsonl`` (id, reason)."""

from __future__ import annotations

import json
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from harness.errors import UserError
from harness.jobs import Generator, JobContext


class ConvertOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    input: list[str] = Field(default_factory=list, description="Files to convert (JSONL/JSON).")
    format: str = Field(
        default="auto",
        description="auto, trajectory, unified, tau-bench, bfcl, openai or sharegpt.",
    )
    tools_file: str | None = Field(default=None, description="Tool specs for tau-bench data.")
    answers_file: str | None = Field(default=None, description="BFCL ground truth by id.")
    source: str = Field(default="", description="Source label for records that lack one.")
    verify: bool = Field(default=True, description="Also run the verification checks.")


class ConvertGenerator(Generator):
    roles = ()
    name: ClassVar[str] = "actionstudio-convert"
    description: ClassVar[str] = "Convert trajectories to ActionStudio's unified format."
    Options = ConvertOptions
    needs_model: ClassVar[bool] = False

    async def generate(self, ctx: JobContext) -> dict[str, Any]:
        from harness_actionstudio.converters import convert_files, load_options
        from harness_actionstudio.unified import to_trajectory
        from harness_actionstudio.verify import verify

        o: ConvertOptions = self.options
        if not o.input:
            raise UserError("actionstudio-convert needs --input FILE [FILE ...]")
        result = convert_files(
            o.input, o.format, load_options(o.tools_file, o.answers_file, o.source)
        )
        problems = verify(result.records).problems if o.verify else []
        with (
            (ctx.out_dir / "unified.jsonl").open("w", encoding="utf-8") as u,
            (ctx.out_dir / "trajectories.jsonl").open("w", encoding="utf-8") as t,
        ):
            for rec in result.records:
                u.write(rec.model_dump_json(exclude_none=True) + "\n")
                t.write(to_trajectory(rec).model_dump_json() + "\n")
        with (ctx.out_dir / "rejected.jsonl").open("w", encoding="utf-8") as r:
            for rej in result.rejected:
                r.write(json.dumps({"stage": "convert", **rej.as_dict()}) + "\n")
                ctx.log("rejected", **rej.as_dict())
            for p in problems:
                r.write(json.dumps({"stage": "verify", **p.as_dict()}) + "\n")
        return {
            "converted": len(result.records),
            "rejected": len(result.rejected),
            "verify_problems": len(problems),
            "records_with_problems": len({p.record_id for p in problems}),
            "formats": result.formats,
            "output": str(ctx.out_dir / "unified.jsonl"),
        }
