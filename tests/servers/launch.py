"""Start the test servers as real subprocesses on 127.0.0.1, with bounded lifetimes.

Used by the tests (through ``tests/servers/conftest.py`` and ``tests/backends/conftest.py``) and by
the benchmarks under ``bench/`` (which put this folder on ``sys.path``).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FAULT_SERVER = HERE / "fault_server.py"


@dataclass
class Server:
    proc: subprocess.Popen[str]
    port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as r:
            return json.loads(r.read())

    def post(self, path: str, body: dict[str, Any]) -> Any:
        req = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_fault_server(lifetime: float = 600.0, **opts: Any) -> Server:
    """The fault-injecting server; ``opts`` are its flags (latency=0.05, fail_rate=0.2, ...)."""
    args = [sys.executable, str(FAULT_SERVER), "--port", "0", "--lifetime", str(lifetime)]
    for key, value in opts.items():
        args += [f"--{key.replace('_', '-')}", str(value)]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        raise RuntimeError(
            f"fault server did not start: {line!r} {proc.stderr.read() if proc.stderr else ''}"
        )
    return Server(proc, int(line.split()[1]))


def start_llama_server(
    model_path: Path, lifetime: float = 900.0, n_ctx: int = 2048, startup_timeout: float = 120.0
) -> Server:
    """llama-cpp-python's OpenAI-compatible server (``python -m llama_cpp.server``) on a GGUF.

    Killed after ``lifetime`` seconds by a watchdog (``timeout`` from coreutils) if the caller
    never stops it."""
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model_path),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
        "--model_alias",
        "smollm2",
        "--seed",
        "0",
        "--verbose",
        "False",
        "--n_threads",
        str(min(8, os.cpu_count() or 1)),
    ]
    if _has_timeout():
        cmd = ["timeout", "--kill-after=5", str(int(lifetime)), *cmd]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    server = Server(proc, port)
    deadline = time.monotonic() + startup_timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"llama_cpp.server exited: {proc.stderr.read() if proc.stderr else ''}"
            )
        with contextlib.suppress(OSError):
            server.get("/v1/models")
            return server
        time.sleep(0.25)
    server.stop()
    raise RuntimeError("llama_cpp.server did not answer within the start-up timeout")


def _has_timeout() -> bool:
    import shutil

    return shutil.which("timeout") is not None


@contextlib.contextmanager
def running(server: Server) -> Iterator[Server]:
    try:
        yield server
    finally:
        server.stop()
