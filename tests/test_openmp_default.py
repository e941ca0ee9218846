"""harness shortens OpenMP's spin-wait unless the user chose a waiting policy
(harness/__init__.py; bench/bench_openmp.py measures why)."""

from __future__ import annotations

import os
import subprocess
import sys


def _env_after_import(**extra: str) -> dict[str, str | None]:
    env = {k: v for k, v in os.environ.items() if k not in ("GOMP_SPINCOUNT", "OMP_WAIT_POLICY")}
    env.update(extra)
    code = (
        "import os, json, harness; "
        "print(json.dumps({k: os.environ.get(k) for k in ('GOMP_SPINCOUNT', 'OMP_WAIT_POLICY')}))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    import json

    return json.loads(out.stdout)


def test_short_spin_by_default() -> None:
    assert _env_after_import() == {"GOMP_SPINCOUNT": "100", "OMP_WAIT_POLICY": None}


def test_the_users_setting_wins() -> None:
    assert _env_after_import(GOMP_SPINCOUNT="300000")["GOMP_SPINCOUNT"] == "300000"
    assert _env_after_import(OMP_WAIT_POLICY="ACTIVE") == {
        "GOMP_SPINCOUNT": None,
        "OMP_WAIT_POLICY": "ACTIVE",
    }
