"""Bad input on the remote path: one clear message naming the model and the fix, exit 2, at
start-up; and the remote libraries stay out of `harness --help`."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest


def harness(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    return subprocess.run(
        [sys.executable, "-m", "harness", *args],
        capture_output=True,
        text=True,
        env={**full, **(env or {})},
        cwd=tmp_path,
        timeout=120,
    )


def _clear(r: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "Traceback" not in r.stderr
    for n in needles:
        assert n in r.stderr, r.stderr


def test_help_imports_no_remote_library(tmp_path: Path) -> None:
    r = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "harness", "--help"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert r.returncode == 0
    imported = {line.split("|")[-1].strip().split(".")[0] for line in r.stderr.splitlines()}
    assert not imported & {"litellm", "aiohttp", "openai", "llama_cpp", "sqlite3"}
    r = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, harness.cli.main; "
            "from harness.plugins.manager import get_manager; "
            "get_manager().registry('models').entries(); "
            "print(sorted(m for m in ('litellm','aiohttp') if m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.stdout.strip() == "[]", r.stderr


def test_openai_compatible_needs_base_url(tmp_path: Path) -> None:
    r = harness(tmp_path, "run", "sanity", "--model", "openai-compatible/m", "--limit", "1")
    _clear(r, "openai-compatible/m", "-M base_url=")
    r = harness(
        tmp_path,
        "run",
        "sanity",
        "--model",
        "openai-compatible/m",
        "-M",
        "base_url=localhost:80",
        "--limit",
        "1",
    )
    _clear(r, "must start with http://")


def test_unreachable_base_url_is_caught_at_start_up(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # bound, not listening: connection refused
        r = harness(
            tmp_path,
            "run",
            "sanity",
            "--model",
            "openai-compatible/m",
            "-M",
            f"base_url=http://127.0.0.1:{port}/v1",
            "--limit",
            "1",
        )
    _clear(r, "openai-compatible/m: cannot reach the server at", f"127.0.0.1:{port}")
    assert not (tmp_path / "runs").exists()


def test_call_path_arguments_are_validated(tmp_path: Path) -> None:
    r = harness(
        tmp_path,
        "run",
        "sanity",
        "--model",
        "scripted/echo",
        "-M",
        "max_retries=-2",
        "--limit",
        "1",
    )
    _clear(r, "call-path arguments (-M) for scripted/echo", "max_retries")


@pytest.mark.slow
def test_litellm_missing_key_names_the_model_and_variable(tmp_path: Path) -> None:
    r = harness(tmp_path, "run", "sanity", "--model", "litellm/openai/gpt-4o-mini", "--limit", "1")
    _clear(r, "litellm/openai/gpt-4o-mini needs OPENAI_API_KEY", "-M api_key=")
    r = harness(
        tmp_path,
        "run",
        "sanity",
        "--model",
        "litellm/anthropic/claude-3-5-haiku-20241022",
        "--limit",
        "1",
    )
    _clear(r, "ANTHROPIC_API_KEY")


@pytest.mark.slow
def test_litellm_unknown_model_string(tmp_path: Path) -> None:
    r = harness(
        tmp_path, "run", "sanity", "--model", "litellm/no-such-provider-xyz/m", "--limit", "1"
    )
    _clear(
        r,
        "litellm/no-such-provider-xyz/m: litellm does not know this model string",
        "litellm/openai/gpt-4o-mini",
    )
    assert "Provider List" not in r.stdout
