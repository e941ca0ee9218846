"""``harness generate mend-probe``: the linear probe as a job (writes probe.json)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from harness.errors import UserError
from harness.jobs import Generator, JobContext


class ProbeOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    checkpoint: str = Field(default="", description="A transformers checkpoint: DIR or hf/DIR.")
    layer: int = Field(
        default=-1, description="hidden_states index: 0 embeddings, L block L, -1 the last."
    )
    n_logic: int = Field(default=60, ge=4, le=2000, description="Logic problems probed.")
    chains: int = Field(default=3, ge=2, le=8, description="Objects per problem.")
    hops: int = Field(default=1, ge=1, le=6, description="Premises from object to room.")
    distractors: int = Field(default=1, ge=1, le=10, description="Per redundant form.")
    folds: int = Field(default=5, ge=2, le=20, description="Cross-validation folds (by problem).")
    logic_seed: int = Field(default=0, description="Seed of the problems.")
    aug_seed: int = Field(default=0, description="Seed of the forms.")
    threads: int = Field(default=1, ge=1, le=64, description="torch threads.")


class ProbeJob(Generator):
    name = "mend-probe"
    description = "MEND linear probe: is the queried premise's value decodable, per form?"
    Options = ProbeOptions
    roles = ()
    needs_model = False

    async def generate(self, ctx: JobContext) -> dict[str, Any]:
        import asyncio

        from harness_mend.probe import Encoder, checkpoint_dir, run_probe
        from harness_mend.problems import logic_problems

        o: ProbeOptions = self.options
        if not o.checkpoint:
            raise UserError("mend-probe needs --checkpoint DIR (a transformers checkpoint)")
        path = checkpoint_dir(o.checkpoint)
        problems = logic_problems(o.n_logic, o.chains, o.hops, o.logic_seed)

        def work() -> dict[str, Any]:
            enc = Encoder(path, o.layer, o.threads)
            forms = run_probe(enc, problems, o.distractors, o.aug_seed, o.folds)
            return {
                "checkpoint": str(path),
                "layer": enc.layer,
                "layer_name": "embeddings" if enc.layer == 0 else f"model.layers[{enc.layer - 1}]",
                "problems": len(problems),
                "forms": forms,
            }

        summary = await asyncio.to_thread(work)
        (ctx.out_dir / "probe.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
        ctx.log("probe", layer=summary["layer"], problems=summary["problems"])
        return summary
