"""Copy a small BFCL subset (Apache-2.0) into the plugin, one JSON Lines file per category.

    pip download bfcl-eval --no-deps -d /tmp/bfcl && unzip -q /tmp/bfcl/*.whl -d /tmp/bfcl/x
    python plugins/spectool/scripts/bundle_bfcl.py /tmp/bfcl/x/bfcl_eval/data --per-category 25

Each output record joins a BFCL question with its possible answer: {id, category, question,
function, ground_truth}. The first N records of each file are taken (the files' own order).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

from harness_spectool.bfcl import CATEGORY_FILES, read_category  # noqa: E402

OUT = HERE.parent / "src" / "harness_spectool" / "data" / "bfcl"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bfcl_data", type=Path, help="bfcl_eval/data of an unpacked bfcl-eval wheel")
    ap.add_argument("--per-category", type=int, default=25)
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    for category in CATEGORY_FILES:
        records = read_category(args.bfcl_data, category)[: args.per_category]
        path = OUT / f"{category}.jsonl"
        path.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
        )
        print(f"{path.name}: {len(records)} records")


if __name__ == "__main__":
    main()
