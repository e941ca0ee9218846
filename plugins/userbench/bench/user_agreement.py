"""How often the model user and the rule user give the same verdicts on the same agent transcripts.

    python plugins/userbench/bench/user_agreement.py [--user-model llamacpp/smollm2]
        [--episodes 6] [--run RUN_DIR]

Transcripts: the agent actions recorded in a run's ``samples.jsonl`` (``--run``; synthetic-set
runs, whose scenarios are bundled), or by default fixed probe transcripts
(:func:`harness_userbench.agreement.probe_actions`) on the first ``--episodes`` bundled scenarios,
one per configuration in turn. Each transcript is replayed with the rule user; at every judged
step (search verdict, utterance type) the model user is asked the same question with the same
inputs (:func:`harness_userbench.agreement.compare`). Prints agreement overall and per role with a
bootstrap 95% CI, the confusion of verdict kinds, and the wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any


def _kind(v: str) -> str:
    return v.split(":")[0]


def _ci(flags: list[bool], reps: int = 2000) -> tuple[float, float]:
    if not flags:
        return (float("nan"), float("nan"))
    rng = random.Random(0)
    vals = sorted(sum(rng.choices(flags, k=len(flags))) / len(flags) for _ in range(reps))
    return vals[int(0.025 * reps)], vals[int(0.975 * reps) - 1]


def transcripts_from_run(run: Path) -> list[tuple[str, list[str]]]:
    from harness_userbench.environment import action_string

    from harness.schemas import SampleRecord, ToolCall

    out = []
    for line in (run / "samples.jsonl").read_text(encoding="utf-8").splitlines():
        r = SampleRecord.model_validate_json(line)
        if r.output is None:
            continue
        acts = []
        for m in r.output.messages:
            if m.role == "assistant" and m.tool_calls:
                call: ToolCall = m.tool_calls[0]
                acts.append(action_string(call) or "")
            elif m.role == "assistant" and m.content:
                acts.append(m.content)
        out.append((r.sample_id, acts))
    return out


async def run(opts: argparse.Namespace) -> dict[str, Any]:
    from itertools import zip_longest

    from harness_userbench.agreement import Verdicts, compare, probe_actions
    from harness_userbench.scenario import load_scenarios
    from harness_userbench.users import ModelUser, RuleUser

    from harness.model import ModelHandle, WrappedModel
    from harness.plugins.models import load_model
    from harness.schemas import GenerateConfig

    scenarios = {s.id: s for s in load_scenarios()}
    if opts.run:
        pairs = [(scenarios[sid], acts) for sid, acts in transcripts_from_run(Path(opts.run))]
    else:
        groups: dict[str, list[Any]] = {}
        for s in scenarios.values():
            groups.setdefault(s.config, []).append(s)
        order = [s for row in zip_longest(*groups.values()) for s in row if s]
        pairs = [(s, probe_actions(s)) for s in order[: opts.episodes]]
    model = load_model(opts.user_model, {})
    handle = ModelHandle(WrappedModel(model), GenerateConfig(), "user", seed=0)
    verdicts = Verdicts()
    t0 = time.perf_counter()
    for i, (sc, acts) in enumerate(pairs):
        await compare(sc, acts, RuleUser(i), ModelUser(handle), verdicts, seed=i)
        print(f"  {sc.id}: {len(verdicts.pairs)} verdicts so far", file=sys.stderr)
    wall = time.perf_counter() - t0
    report: dict[str, Any] = {
        "user_model": opts.user_model,
        "transcripts": len(pairs),
        "source": opts.run or "probe transcripts",
        "wall_s": round(wall, 1),
        "model_calls": handle.calls,
    }
    for role in (None, "search", "classify"):
        flags = [a == b for r, a, b in verdicts.pairs if role is None or r == role]
        lo, hi = _ci(flags)
        report[role or "all"] = {
            "n": len(flags),
            "agreement": round(sum(flags) / len(flags), 3) if flags else None,
            "ci95": [round(lo, 3), round(hi, 3)],
            "kind_agreement": round(
                sum(_kind(a) == _kind(b) for r, a, b in verdicts.pairs if role is None or r == role)
                / len(flags),
                3,
            )
            if flags
            else None,
        }
    for role in ("search", "classify"):
        conf = Counter((_kind(a), _kind(b)) for r, a, b in verdicts.pairs if r == role)
        report[f"confusion_{role} (rule -> model)"] = {f"{a}->{b}": n for (a, b), n in conf.items()}
    return report


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--user-model", default="llamacpp/smollm2")
    p.add_argument("--episodes", type=int, default=6)
    p.add_argument("--run", default=None, help="a run directory holding samples.jsonl")
    opts = p.parse_args()
    print(json.dumps(asyncio.run(run(opts)), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
