"""``harness generate personabench``: synthetic communities in the released schema.

Facts, questions, outdated values and ground-truth segment ids are planted by
:mod:`harness_personabench.build`; the words come from templates. With ``verbalise=model`` the
``generator`` role (``--model-role generator=...``, else ``--model``; any harness model) rewrites
each planted session's turns. A rewrite is kept only if it still contains every planted fact word,
so the answers stay known; otherwise the template stays and the failure is logged. On a serial
in-process engine (the embedded ``llamacpp/`` model) ``verbalise=auto`` keeps the templates."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.errors import UserError
from harness.jobs import Generator, JobContext
from harness_personabench.build import Planted, Session, community_files, plant
from harness_personabench.data import BUNDLED, NOISE_LEVELS, load_community

BUNDLE_SEED = 2025
REWRITE_SYSTEM = (
    "You rewrite one line of a private chat so it sounds natural and varied. Keep the meaning and "
    "keep every one of these words exactly: {facts}. Reply with the new line only."
)


class CommunityOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    communities: int = Field(default=1, ge=1, le=20, description="Communities to generate.")
    people: int = Field(default=6, ge=4, le=20, description="People in each social graph.")
    with_documents: int = Field(
        default=3, ge=1, le=10, description="People who get documents and questions."
    )
    noise: str = Field(default="0.0,0.3,0.5,0.7", description="Comma list of noise levels.")
    data_seed: int = Field(default=BUNDLE_SEED, description="Data seed (the bundled set: 2025).")
    verbalise: Literal["templates", "model", "auto"] = Field(
        default="auto",
        description="templates; model: the generator role rewrites turns; auto: model unless "
        "it is a serial in-process engine.",
    )


def parse_noise(text: str) -> tuple[float, ...]:
    try:
        levels = tuple(float(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise UserError(f"noise: {text!r} is not a comma list of numbers") from None
    if not levels or any(not 0 <= x < 1 for x in levels):
        raise UserError(f"noise: {text!r}: every level must be in [0, 1)")
    return levels


def write_files(root: Path, files: dict[str, Any]) -> int:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, separators=(",", ":"), ensure_ascii=False) + "\n")
    return sum((root / rel).stat().st_size for rel in files)


def write_bundle(path: Path = BUNDLED) -> int:
    """Regenerate the shipped community (seed 2025, templates, the four noise levels)."""
    planted = plant(BUNDLE_SEED)
    return write_files(path / "community_0", community_files(planted, NOISE_LEVELS))


class CommunityGenerator(Generator):
    roles = ("generator",)
    name = "personabench"
    description = "Synthetic PersonaBench communities: planted facts, sessions, noise, questions."
    Options = CommunityOptions
    needs_model = False

    async def generate(self, ctx: JobContext) -> dict[str, Any]:
        o: CommunityOptions = self.options
        noises = parse_noise(o.noise)
        summary: dict[str, Any] = {"communities": [], "seed": o.data_seed, "noise": noises}
        for c in range(o.communities):
            planted = plant(o.data_seed + c, o.people, o.with_documents)
            kept = failed = 0
            if await self._use_model(ctx):
                kept, failed = await _rewrite(ctx, planted)
            root = ctx.out_dir / f"community_{c}"
            size = write_files(root, community_files(planted, noises))
            for noise in noises:
                load_community(root, noise)  # what we write must load and cross-check
            questions = sum(len(p.questions) for p in planted.people)
            summary["communities"].append(
                {
                    "path": str(root),
                    "bytes": size,
                    "questions": questions,
                    "rewritten_turns": kept,
                    "rewrite_failures": failed,
                }
            )
            ctx.log("written", path=str(root), questions=questions)
        return summary

    async def _use_model(self, ctx: JobContext) -> bool:
        o: CommunityOptions = self.options
        if o.verbalise == "templates":
            return False
        try:
            handle = ctx.role("generator")
        except UserError:
            if o.verbalise == "model":
                raise
            return False
        return o.verbalise == "model" or not handle.serial


async def _rewrite(ctx: JobContext, planted: Planted) -> tuple[int, int]:
    """Let the generator role reword planted turns; keep a rewrite only if the facts survive."""
    from harness.schemas import Message

    handle = ctx.role("generator")
    kept = failed = 0
    for person in planted.people:
        for s in person.sessions:
            for i, (role, text) in enumerate(s.turns):
                new = await _one_rewrite(handle, Message, s, text)
                if new is None:
                    failed += 1
                    ctx.log("rewrite_failed", session=s.segment_id, turn=i)
                else:
                    s.turns[i] = (role, new)
                    kept += 1
    return kept, failed


async def _one_rewrite(handle: Any, message: Any, s: Session, text: str) -> str | None:
    keep = [f for f in s.facts if f.lower() in text.lower()]
    facts = ", ".join(keep) or "(none)"
    try:
        reply = await handle.generate(
            [
                message(role="system", content=REWRITE_SYSTEM.format(facts=facts)),
                message(role="user", content=text),
            ],
            max_tokens=120,
        )
    except Exception:  # a failed call keeps the template
        return None
    new = " ".join(reply.text.strip().strip('"').split())
    if not new or len(new) > 4 * len(text) + 40:
        return None
    low = new.lower()
    if not all(re.search(rf"\b{re.escape(f.lower())}\b", low) for f in keep):
        return None
    return new
