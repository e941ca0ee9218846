"""Managed ``vllm serve`` replicas: start, health check, stop; and the OpenAI-compatible HTTP calls.

A :class:`ManagedServer` runs one command (one replica) in its own process group, with its GPU group
in ``CUDA_VISIBLE_DEVICES`` and its output in a log file, polls ``GET /health`` until it answers
200 (or the process exits, or the start-up timeout passes: the error quotes the log's tail), and is
stopped with SIGTERM, then SIGKILL, on ``aclose`` or at interpreter exit.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from harness.errors import ContextOverflowError, ModelError
from harness.schemas import ModelResponse, ToolCall, Usage

_LIVE: set[subprocess.Popen[bytes]] = set()


def _kill_all() -> None:
    for proc in list(_LIVE):
        _terminate(proc, grace=5.0)


atexit.register(_kill_all)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def _terminate(proc: subprocess.Popen[bytes], grace: float) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(grace)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
    _LIVE.discard(proc)


class ManagedServer:
    """One server process answering OpenAI-compatible HTTP at ``base_url``."""

    def __init__(
        self,
        command: list[str],
        host: str,
        port: int,
        env: dict[str, str] | None = None,
        label: str = "vllm serve",
    ) -> None:
        self.command = command
        self.host, self.port = host, port
        self.env = env or {}
        self.label = label
        self.proc: subprocess.Popen[bytes] | None = None
        self.log_path = Path(tempfile.mkstemp(prefix="harness-vllm-", suffix=".log")[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            self.command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **self.env},
            start_new_session=True,
        )
        log.close()
        _LIVE.add(self.proc)

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    async def wait_healthy(self, session: Any, timeout: float) -> None:
        """Poll ``/health`` until 200; raise :class:`ModelError` with the log if it never is."""
        import aiohttp

        deadline = time.monotonic() + timeout
        while True:
            if self.proc is not None and self.proc.poll() is not None:
                raise ModelError(
                    f"{self.label} exited with code {self.proc.returncode} before it was healthy "
                    f"(log {self.log_path}):\n{self.log_tail()}"
                )
            try:
                async with session.get(
                    self.base_url + "/health", timeout=aiohttp.ClientTimeout(total=5)
                ) as resp:
                    if resp.status == 200:
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise ModelError(
                    f"{self.label} was not healthy after {timeout:.0f} s (log {self.log_path}):\n"
                    f"{self.log_tail()}"
                )
            await asyncio.sleep(0.5)

    def stop(self, grace: float = 30.0) -> None:
        if self.proc is not None:
            _terminate(self.proc, grace)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


async def post_chat(
    session: Any, base_url: str, body: dict[str, Any], timeout: float, spec: str
) -> dict[str, Any]:
    """POST /v1/chat/completions; HTTP failures become :class:`ModelError` (retryable or not)."""
    import aiohttp

    try:
        async with session.post(
            base_url + "/v1/chat/completions",
            json=body,
            timeout=aiohttp.ClientTimeout(total=timeout),
        ) as resp:
            text = await resp.text()
            if resp.status != 200:
                raise _http_error(spec, resp.status, text, resp.headers.get("Retry-After"))
            data: dict[str, Any] = json.loads(text)
            return data
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise ModelError(f"{spec}: {type(exc).__name__}: {exc}", retryable=True) from exc


def _http_error(spec: str, status: int, text: str, retry_after: str | None) -> ModelError:
    message = f"{spec}: HTTP {status}: {text[:500]}"
    lowered = text.lower()
    if status == 400 and (
        "context length" in lowered or "maximum context" in lowered or "too long" in lowered
    ):
        return ContextOverflowError(message)
    after = None
    if retry_after:
        try:
            after = float(retry_after)
        except ValueError:
            after = None
    return ModelError(message, retryable=status == 429 or status >= 500, retry_after=after)


def parse_chat_response(data: dict[str, Any], spec: str, latency: float) -> ModelResponse:
    """An OpenAI chat-completions response as a harness :class:`ModelResponse`."""
    try:
        choice = data["choices"][0]
        message = choice.get("message") or {}
    except (KeyError, IndexError, TypeError):
        raise ModelError(f"{spec}: malformed response (no choices): {str(data)[:300]}") from None
    calls = [_tool_call(c, i) for i, c in enumerate(message.get("tool_calls") or [])]
    usage = data.get("usage") or {}
    return ModelResponse(
        text=message.get("content") or "",
        tool_calls=calls,
        usage=Usage(
            input_tokens=int(usage.get("prompt_tokens") or 0),
            output_tokens=int(usage.get("completion_tokens") or 0),
        ),
        latency=latency,
        finish_reason="tool_calls" if calls else choice.get("finish_reason"),
        model=spec,
    )


def _tool_call(c: dict[str, Any], index: int) -> ToolCall:
    fn = c.get("function") or {}
    raw = fn.get("arguments")
    args: Any = {}
    error = None
    if isinstance(raw, dict):
        args, raw = raw, json.dumps(raw)
    elif raw:
        try:
            args = json.loads(raw)
        except ValueError as exc:
            error = f"invalid JSON: {exc}"
    if not isinstance(args, dict):
        args, error = {}, error or "arguments are not a JSON object"
    return ToolCall(
        id=c.get("id") or f"call_{index}",
        name=str(fn.get("name") or ""),
        arguments=args,
        raw_arguments=raw if isinstance(raw, str) else None,
        parse_error=error,
    )
