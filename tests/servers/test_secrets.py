"""Issue 27, defect 3: a key given with -M never reaches a file or a message the harness writes.

A planted key is grepped for in the run directory, the response cache and the output, for the
openai-compatible and litellm backends; ``--resume`` asks for it again rather than reading it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

PLANTED = "sk-planted-9f8e7d6c5b4a39281706"


def _harness(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HARNESS_CACHE_DIR": str(tmp_path / "cache")}
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _grep_tree(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and PLANTED.encode() in p.read_bytes()]


@pytest.mark.parametrize(
    "model,url_arg",
    [("openai-compatible/m", "base_url"), ("litellm/openai/m", "api_base")],
)
def test_defect3_a_planted_key_is_in_no_file_and_no_output(
    fault_server: Any, tmp_path: Path, model: str, url_arg: str
) -> None:
    if model.startswith("litellm"):
        pytest.importorskip("litellm")
    server = fault_server.start(latency=0.0)
    common = ["-M", f"{url_arg}={server.base_url}", "--no-progress"]
    proc = _harness(
        tmp_path, "run", "sanity", "--limit", "3", "--out", "out", "--cache",
        "--model", model, "-M", f"api_key={PLANTED}", *common,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    outputs = [proc.stdout + proc.stderr]
    run_dir = next((tmp_path / "out").iterdir())
    assert '"api_key": "***"' in (run_dir / "run.json").read_text()
    # --resume does not read the key from disk: it asks for it, and takes it again from -M
    (run_dir / "results.json").unlink()
    proc = _harness(tmp_path, "run", "--resume", str(run_dir), "--no-progress")
    assert proc.returncode == 2 and "-M api_key=" in proc.stderr, proc.stderr
    outputs.append(proc.stdout + proc.stderr)
    proc = _harness(tmp_path, "run", "--resume", str(run_dir), "-M", f"api_key={PLANTED}")
    assert proc.returncode == 0, proc.stderr
    outputs.append(proc.stdout + proc.stderr)
    for args in (["show", str(run_dir), "--samples"], ["show", str(run_dir), "--json"]):
        outputs.append(_harness(tmp_path, *args).stdout)
    # a bad value next to the key: the error message does not echo the key either
    proc = _harness(tmp_path, "run", "sanity", "--model", model, "-M", f"api_key={PLANTED}",
                    "-M", "timeout=-1", *common)  # fmt: skip
    assert proc.returncode == 2
    outputs.append(proc.stdout + proc.stderr)
    assert (tmp_path / "cache").exists()
    assert _grep_tree(tmp_path) == []
    assert not any(PLANTED in text for text in outputs)


def test_defect3_an_echoed_key_is_scrubbed_from_the_journal_and_messages(tmp_path: Path) -> None:
    from harness.run.journal import Journal
    from harness.schemas import SampleError, SampleRecord
    from harness.secrets import redact, scrub

    assert redact({"api_key": PLANTED, "max_tokens": 5}) == {"api_key": "***", "max_tokens": 5}
    record = SampleRecord(
        sample_id="s",
        status="error",
        input="q",
        error=SampleError(type="ModelError", message=f"HTTP 401: Incorrect API key {PLANTED}"),
    )
    journal = Journal(tmp_path / "samples.jsonl")
    journal.append(record)
    journal.close()
    assert PLANTED not in (tmp_path / "samples.jsonl").read_text()
    assert scrub("Authorization: Bearer abcdefgh12345678") == "Authorization: Bearer ***"


def test_secret_names_are_names_not_data() -> None:
    from harness.secrets import is_secret_name

    for name in ("api_key", "x-api-key", "Authorization", "hf_token", "password", "AUTH"):
        assert is_secret_name(name), name
    for name in ("api_key_env", "max_tokens", "tokenizer", "What is the secret password?"):
        assert not is_secret_name(name), name
