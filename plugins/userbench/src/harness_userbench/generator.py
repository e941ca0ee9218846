"""``harness generate userbench-scenarios``: write a scenario file from a seed.

Scenarios come from :mod:`harness_userbench.build` (constraints decide best / correct / wrong).
With ``paraphrase=true`` the ``paraphraser`` role model (any harness model; ``--model-role
paraphraser=...``, else ``--model``) rewrites each implicit statement; a rewrite that fails (bad
JSON, empty, too long, or naming the preference outright) keeps the template and is logged.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from harness.errors import UserError
from harness.jobs import Generator, JobContext
from harness_userbench.build import build_scenario, check_consistency
from harness_userbench.scenario import BUNDLED, CONFIGS, PAPER_TEST_COUNTS, validate_scenarios

BUNDLE_SEED = 2025
PARAPHRASE_SYSTEM = (
    "Rewrite the traveller's remark in different words, keeping it indirect: it must hint at the "
    "preference without stating it. One or two sentences, first person. Reply with JSON only: "
    '{"text": "..."}.'
)


class ScenarioOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    configs: str = Field(default="all", description="Comma list of configurations, or all.")
    per_config: int = Field(
        default=0, ge=0, description="Scenarios per configuration; 0 = the paper's test counts."
    )
    data_seed: int = Field(default=BUNDLE_SEED, description="Data seed (the bundled set: 2025).")
    paraphrase: bool = Field(
        default=False, description="Rewrite implicit statements with the paraphraser role model."
    )
    output: str = Field(default="scenarios.json", description="File name under the run dir.")


def counts_for(configs: str, per_config: int) -> dict[str, int]:
    wanted = CONFIGS if configs == "all" else [c.strip() for c in configs.split(",") if c.strip()]
    bad = [c for c in wanted if not re.fullmatch(r"[1-9]{1,5}", c) or len(c) > 5]
    if bad:
        raise UserError(
            f"configs: {bad[0]!r} is not a configuration such as 22 or 233 (one "
            "digit 1-9 per aspect, at most five aspects)"
        )
    return {c: per_config or PAPER_TEST_COUNTS.get(c, 10) for c in wanted}


def scenario_file(scenarios: list[dict[str, Any]]) -> dict[str, Any]:
    return {"format_version": 1, "scenarios": scenarios}


def write_bundle(path: Path = BUNDLED) -> int:
    """Regenerate the shipped test set (471 scenarios, seed 2025)."""
    data = scenario_file(
        [build_scenario(c, i, BUNDLE_SEED) for c, n in PAPER_TEST_COUNTS.items() for i in range(n)]
    )
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    path.write_bytes(gzip.compress(raw, mtime=0))
    return len(data["scenarios"])


class ScenarioGenerator(Generator):
    roles = ("paraphraser",)
    name = "userbench-scenarios"
    description = "Build TravelGym scenarios from option attributes and preference rules."
    Options = ScenarioOptions
    needs_model = False

    async def generate(self, ctx: JobContext) -> dict[str, Any]:
        o: ScenarioOptions = self.options
        counts = counts_for(o.configs, o.per_config)
        scenarios = [build_scenario(c, i, o.data_seed) for c, n in counts.items() for i in range(n)]
        problems = [f"{s['id']}: {p}" for s in scenarios for p in check_consistency(s)]
        if problems:
            raise RuntimeError(f"generator produced inconsistent scenarios: {problems[:3]}")
        rewritten = failed = 0
        if o.paraphrase:
            handle = ctx.role("paraphraser")
            for s in scenarios:
                for aspect in s["dimensions"]:
                    for p in s["aspects"][aspect]["preferences"]:
                        text, why = await _paraphrase(handle, p)
                        if text:
                            p["implicit"], rewritten = text, rewritten + 1
                        else:
                            failed += 1
                            ctx.log(
                                "paraphrase_failed",
                                scenario=s["id"],
                                preference=p["id"],
                                reason=why,
                            )
        data = scenario_file(scenarios)
        validate_scenarios(data, o.output)  # what we write must load
        path = ctx.out_dir / o.output
        path.write_text(json.dumps(data, indent=1), encoding="utf-8")
        ctx.log("written", path=str(path), scenarios=len(scenarios))
        return {
            "path": str(path),
            "scenarios": len(scenarios),
            "per_config": counts,
            "seed": o.data_seed,
            "paraphrased": rewritten,
            "paraphrase_failures": failed,
        }


async def _paraphrase(handle: Any, pref: dict[str, Any]) -> tuple[str | None, str]:
    from harness.schemas import Message

    prompt = f"Hidden preference: {pref['text']}\nRemark to rewrite: {pref['implicit']}"
    try:
        resp = await handle.generate(
            [
                Message(role="system", content=PARAPHRASE_SYSTEM),
                Message(role="user", content=prompt),
            ],
            json_schema={
                "type": "object",
                "properties": {"text": {"type": "string"}},
                "required": ["text"],
            },
            max_tokens=120,
            temperature=0.7,
        )
        text = str(json.loads(re.search(r"\{.*\}", resp.text, re.S).group(0))["text"]).strip()  # type: ignore[union-attr]
    except Exception as exc:
        return None, f"{type(exc).__name__}: {exc}"
    if not text or len(text) > 400:
        return None, "empty or too long"
    if pref["text"].lower().rstrip(".") in text.lower():
        return None, "states the preference outright"
    return text, ""
