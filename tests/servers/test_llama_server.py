"""The same task, unchanged, on the embedded model in-process, and on llama-cpp-python's
OpenAI-compatible server (the same GGUF) through `openai-compatible/` and through litellm."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow


def _run(tmp_path: Path, out: str, model: str, *extra: str) -> list[dict[str, Any]]:
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "run",
            "sanity",
            "--model",
            model,
            *extra,
            "--limit",
            "3",
            "--no-progress",
            # one request at a time: llama_cpp.server reuses the previous request's cached prompt
            # prefix, and SmolLM2's greedy answer can change with what was cached, so the three
            # paths must send the samples in the same order
            "--max-concurrency",
            "1",
            "--out",
            out,
            # llama_cpp.server applies repeat_penalty 1.1 unless told; the in-process backend 1.0
            "-G",
            "repeat_penalty=1.0",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
        env={**os.environ, "OPENAI_API_KEY": ""},
    )
    assert r.returncode == 0, r.stderr
    (run_dir,) = (tmp_path / out).iterdir()
    return [json.loads(x) for x in (run_dir / "samples.jsonl").read_text().splitlines()]


def _view(recs: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted(
        (
            r["sample_id"],
            r["status"],
            r["seed"],
            r["output"]["completion"],
            r["usage"]["input_tokens"],
            r["usage"]["output_tokens"],
            r["model_calls"],
            sorted(r["scores"]),
        )
        for r in recs
    )


def test_same_task_same_records_on_three_paths(llama_server: Any, tmp_path: Path) -> None:
    local = _run(tmp_path, "local", "llamacpp/smollm2")
    compat = _run(
        tmp_path, "compat", "openai-compatible/smollm2", "-M", f"base_url={llama_server.base_url}"
    )
    via_litellm = _run(
        tmp_path,
        "litellm",
        "litellm/openai/smollm2",
        "-M",
        f"api_base={llama_server.base_url}",
        "-M",
        "api_key=sk-local",
    )
    for path in (local, compat, via_litellm):
        assert [r["status"] for r in path] == ["ok"] * 3, [r.get("error") for r in path]
    assert _view(local) == _view(compat) == _view(via_litellm)
    assert all(r["output"]["completion"] for r in local)
    assert all(r["usage"]["cost"] is None for r in via_litellm)  # local model: no price known
