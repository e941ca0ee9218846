"""Entry point for several processes: ``torchrun --standalone --nproc_per_node N -m
harness_rl.launch --config RUN/rl_config.json --out DIR`` (the line every grpo run writes to
launch.sh; ``accelerate launch --multi_gpu`` works the same on GPUs). Each rank rebuilds the same
run from the recorded options; accelerate (under TRL's GRPOTrainer) joins them into one
data-parallel job."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.errors import UserError


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m harness_rl.launch")
    p.add_argument("--config", required=True, help="rl_config.json of a grpo run")
    p.add_argument("--out", required=True, help="output directory of this run")
    args = p.parse_args(argv)
    from harness_rl.grpo import train
    from harness_rl.options import GRPOOptions

    try:
        body = json.loads(Path(args.config).read_text(encoding="utf-8"))
        opts = GRPOOptions.model_validate(body["options"])
        if opts.base_model == "tiny":  # the ranks share the random base the first run built
            opts = opts.model_copy(update={"base_model": body["base_model_path"]})
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        summary = train(opts, out, seed=int(body.get("seed", 0)))
    except UserError as exc:
        print(f"harness_rl.launch: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
