"""Entry point for multi-process training: ``torchrun ... -m harness_actionstudio.launch
--config RUN/run_config.json --out DIR`` (the line every run writes to launch.sh). Each rank
rebuilds the same data from the options and joins the transformers Trainer's process group."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from harness.errors import UserError


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m harness_actionstudio.launch")
    p.add_argument("--config", required=True, help="run_config.json of an actionstudio run")
    p.add_argument("--out", required=True, help="output directory of this run")
    p.add_argument("--deepspeed", default=None, help="override: none, zero2, zero3, zero3_offload")
    args = p.parse_args(argv)
    from harness_actionstudio.options import TrainOptions
    from harness_actionstudio.sft import train

    try:
        body = json.loads(Path(args.config).read_text(encoding="utf-8"))
        opts = TrainOptions.model_validate(body["options"])
        if args.deepspeed:
            opts = opts.model_copy(update={"deepspeed": args.deepspeed})
        opts = opts.model_copy(update={"verify_only": False, "critic": False})
        summary = train(opts, Path(args.out), seed=int(body.get("seed", 0)))
    except UserError as exc:
        print(f"actionstudio launch: error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
