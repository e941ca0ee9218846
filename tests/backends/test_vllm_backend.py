"""The vllm/ backend: everything reachable without a GPU, and a real run where one exists."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from harness.backends.vllm.args import (
    VLLMArgs,
    chat_request_body,
    engine_kwargs,
    gpu_groups,
    sampling_kwargs,
    serve_command,
)
from harness.backends.vllm.engine import to_response
from harness.backends.vllm.model import VLLMModel, _Request
from harness.backends.vllm.server import (
    ManagedServer,
    free_port,
    parse_chat_response,
    post_chat,
)
from harness.errors import ContextOverflowError, ModelError, UserError
from harness.schemas import GenerateConfig, Message, ToolSpec

HAS_VLLM = importlib.util.find_spec("vllm") is not None
ADD = ToolSpec(name="add", description="Add.", parameters={"type": "object", "properties": {}})


def _args(**kw: Any) -> VLLMArgs:
    return VLLMArgs.model_validate(kw)


def test_gpu_groups_and_engine_kwargs() -> None:
    a = _args(
        tensor_parallel_size=2,
        data_parallel=2,
        max_model_len=4096,
        engine_args={"enable_prefix_caching": True},
    )
    assert gpu_groups(a) == [[0, 1], [2, 3]]
    assert gpu_groups(_args(tensor_parallel_size=2, gpus=[4, 5, 6, 7], data_parallel=2)) == [
        [4, 5],
        [6, 7],
    ]
    with pytest.raises(UserError, match="needs 4 GPUs"):
        gpu_groups(_args(tensor_parallel_size=2, data_parallel=2, gpus=[0, 1]))
    kw = engine_kwargs(a, "/ckpt")
    assert kw["model"] == "/ckpt" and kw["tensor_parallel_size"] == 2
    assert kw["max_model_len"] == 4096 and kw["enable_prefix_caching"] is True
    assert "quantization" not in kw


def test_serve_command_line() -> None:
    a = _args(
        tensor_parallel_size=2,
        tool_call_parser="hermes",
        chat_template="/t.jinja",
        max_model_len=8192,
        engine_args={"enable_prefix_caching": True, "swap_space": 4, "disable_log_stats": False},
    )
    cmd = serve_command(a, "/ckpt", "my-model", 8123, ["vllm"])
    assert cmd[:3] == ["vllm", "serve", "/ckpt"]
    line = " ".join(cmd)
    for part in (
        "--port 8123",
        "--served-model-name my-model",
        "--tensor-parallel-size 2",
        "--tool-call-parser hermes",
        "--enable-auto-tool-choice",
        "--chat-template /t.jinja",
        "--max-model-len 8192",
        "--enable-prefix-caching",
        "--swap-space 4",
        "--host 127.0.0.1",
    ):
        assert part in line, part
    assert "--disable-log-stats" not in line
    plain = serve_command(_args(), "/ckpt", "m", 9000, ["vllm"])
    assert "--enable-auto-tool-choice" not in plain and "--tool-call-parser" not in plain
    with pytest.raises(UserError, match="tool_call_parser"):
        serve_command(_args(enable_auto_tool_choice=True), "/c", "m", 1, ["vllm"])


def test_sampling_and_request_body() -> None:
    cfg = GenerateConfig(
        temperature=None,
        max_tokens=64,
        stop=["\n\n"],
        seed=7,
        json_schema={"type": "object"},
        tool_choice="add",
    )
    kw = sampling_kwargs(cfg)
    assert kw == {
        "temperature": 0.0,
        "max_tokens": 64,
        "stop": ["\n\n"],
        "seed": 7,
        "json_schema": {"type": "object"},
    }
    body = chat_request_body("m", [{"role": "user", "content": "hi"}], [ADD.to_openai()], cfg)
    assert body["tool_choice"] == {"type": "function", "function": {"name": "add"}}
    assert body["response_format"]["json_schema"]["schema"] == {"type": "object"}
    assert "json_schema" not in body and body["model"] == "m"


def test_offline_output_parsing_into_tool_calls() -> None:
    text = 'Sure.<tool_call>{"name": "add", "arguments": {"a": 1, "b": 2}}</tool_call>'
    r = to_response((text, 30, 12, "stop"), "vllm/x", True, "seed", 0.5)
    assert r.text == "Sure." and r.finish_reason == "tool_calls"
    assert r.tool_calls[0].arguments == {"a": 1, "b": 2}
    assert (r.usage.input_tokens, r.usage.output_tokens) == (30, 12)
    plain = to_response((text, 30, 12, "length"), "vllm/x", False, "seed", 0.5)
    assert plain.text == text and plain.tool_calls == [] and plain.finish_reason == "length"


def test_openai_response_parsing_keeps_malformed_calls() -> None:
    data = {
        "choices": [
            {
                "finish_reason": "tool_calls",
                "message": {
                    "content": None,
                    "tool_calls": [
                        {"id": "a", "function": {"name": "add", "arguments": '{"a": 1}'}},
                        {"id": "b", "function": {"name": "add", "arguments": '{"a": '}},
                    ],
                },
            }
        ],
        "usage": {"prompt_tokens": 11, "completion_tokens": 5},
    }
    r = parse_chat_response(data, "vllm/x", 0.1)
    assert [c.arguments for c in r.tool_calls] == [{"a": 1}, {}]
    assert r.tool_calls[1].parse_error and r.tool_calls[1].raw_arguments == '{"a": '
    assert r.usage.input_tokens == 11 and r.text == ""
    with pytest.raises(ModelError, match="malformed"):
        parse_chat_response({"error": "x"}, "vllm/x", 0.1)


def test_payload_native_and_fallback_tools(tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    from harness.backends.hf.tiny import build_tiny_checkpoint

    native = VLLMModel.create(str(build_tiny_checkpoint(tmp_path / "n")), {})
    native._prepare()
    reqs = [
        _Request([Message(role="user", content=f"q{i}")], [ADD], GenerateConfig(seed=i))
        for i in range(2)
    ]
    p = native.payload(reqs)
    assert p["tools"] == [ADD.to_openai()] and p["chat_template"] is None
    assert [s["seed"] for s in p["sampling"]] == [0, 1]
    assert p["conversations"][1] == [{"role": "user", "content": "q1"}]

    plain = VLLMModel.create(str(build_tiny_checkpoint(tmp_path / "p", tools_template=False)), {})
    plain._prepare()
    p = plain.payload(reqs)
    assert p["tools"] is None and "# Tools" in p["conversations"][0][0]["content"]
    assert _Request([], [ADD], GenerateConfig()).key() != _Request([], None, GenerateConfig()).key()


@pytest.mark.skipif(HAS_VLLM, reason="vllm is installed here")
def test_missing_vllm_is_an_actionable_error(tmp_path: Path) -> None:
    model = VLLMModel.create(str(tmp_path), {})
    with pytest.raises(UserError, match=r"agentharness\[vllm\]"):
        model.check()


def test_bad_model_args_are_user_errors() -> None:
    with pytest.raises(UserError):
        VLLMModel.create("x/y", {"mode": "turbo"})
    with pytest.raises(UserError):
        VLLMModel.create("x/y", {"tensor_parallel_size": 0})


# ---------------------------------------------------------------- managed server lifecycle

# Stands in for `vllm serve` (which needs a GPU): answers /health once "loaded" and one chat
# completion, so start-up, health polling, HTTP errors and shutdown run for real.
STAND_IN = textwrap.dedent("""
    import json, sys, time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    started = time.monotonic()
    class H(BaseHTTPRequestHandler):
        def log_message(self, *a): pass
        def _send(self, code, body):
            data = json.dumps(body).encode()
            self.send_response(code); self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data))); self.end_headers()
            self.wfile.write(data)
        def do_GET(self):
            ok = self.path == "/health" and time.monotonic() - started > 0.5
            self._send(200 if ok else 503, {})
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if body["messages"][-1]["content"] == "long":
                return self._send(400, {"message": "maximum context length is 8 tokens"})
            self._send(200, {"choices": [{"finish_reason": "stop", "message": {
                "content": "port " + sys.argv[1]}}],
                "usage": {"prompt_tokens": 3, "completion_tokens": 2}})
    print("serving", flush=True)
    ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
""")


@pytest.mark.slow
def test_managed_server_start_health_requests_stop(tmp_path: Path) -> None:
    pytest.importorskip("aiohttp")
    import aiohttp

    script = tmp_path / "stand_in.py"
    script.write_text(STAND_IN)

    async def go() -> None:
        servers = []
        for _ in range(2):
            port = free_port()
            servers.append(
                ManagedServer([sys.executable, str(script), str(port)], "127.0.0.1", port)
            )
        async with aiohttp.ClientSession() as session:
            for s in servers:
                s.start()
            await asyncio.gather(*(s.wait_healthy(session, 30) for s in servers))
            body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
            answers = [
                parse_chat_response(
                    await post_chat(session, s.base_url, body, 10, "v/m"), "v/m", 0.0
                )
                for s in servers
            ]
            assert [a.text for a in answers] == [f"port {s.port}" for s in servers]
            assert answers[0].usage.output_tokens == 2
            body["messages"][0]["content"] = "long"
            with pytest.raises(ContextOverflowError):
                await post_chat(session, servers[0].base_url, body, 10, "v/m")
        for s in servers:
            s.stop()
            assert not s.running
        assert "serving" in servers[0].log_tail()

    asyncio.run(go())


@pytest.mark.slow
def test_managed_server_that_dies_reports_its_log(tmp_path: Path) -> None:
    pytest.importorskip("aiohttp")
    import aiohttp

    port = free_port()
    server = ManagedServer(
        [sys.executable, "-c", "print('CUDA out of memory'); raise SystemExit(3)"],
        "127.0.0.1",
        port,
    )

    async def go() -> None:
        async with aiohttp.ClientSession() as session:
            server.start()
            await server.wait_healthy(session, 30)

    with pytest.raises(ModelError, match="CUDA out of memory"):
        asyncio.run(go())

    hang = ManagedServer(
        [sys.executable, "-c", "import time; time.sleep(60)"], "127.0.0.1", free_port()
    )

    async def go2() -> None:
        async with aiohttp.ClientSession() as session:
            hang.start()
            await hang.wait_healthy(session, 1.0)

    with pytest.raises(ModelError, match="not healthy after"):
        asyncio.run(go2())
    assert not hang.running  # a server that never became healthy is stopped


# ---------------------------------------------------------------- real engine (GPU only)


@pytest.mark.gpu
@pytest.mark.slow
@pytest.mark.skipif(not HAS_VLLM, reason="vllm not installed")
def test_real_offline_engine_batches(tmp_path: Path) -> None:
    from harness.backends.hf.tiny import build_tiny_checkpoint

    ckpt = build_tiny_checkpoint(tmp_path / "tiny")
    model = VLLMModel.create(
        str(ckpt), {"gpu_memory_utilization": 0.3, "enforce_eager": True, "max_model_len": 512}
    )
    model.check()
    cfg = GenerateConfig(max_tokens=8)

    async def go() -> list[Any]:
        msgs = [[Message(role="user", content=f"What is {i} + 1?")] for i in range(6)]
        out = await asyncio.gather(*(model.generate(m, None, cfg) for m in msgs))
        await model.aclose()
        return out

    out = asyncio.run(go())
    assert all(r.usage.output_tokens > 0 for r in out)
    assert model.batcher.stats.max_size > 1
    assert json.dumps([r.text for r in out])
