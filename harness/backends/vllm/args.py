"""``-M`` arguments of the ``vllm/`` backend and what they become: engine keyword arguments for
``vllm.LLM``, the ``vllm serve`` command line, GPU groups per replica, and per-request sampling
settings. Pure functions of their inputs (no vllm import), so they are tested everywhere."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.errors import UserError
from harness.schemas import GenerateConfig

INSTALL_HINT = "pip install 'agentharness[vllm]' (needs a CUDA GPU)"


class VLLMArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["offline", "serve"] = Field(
        default="offline",
        description="offline: in-process engine, batched (evaluation); serve: managed `vllm serve` "
        "replicas over HTTP (multi-turn agents).",
    )
    tensor_parallel_size: int = Field(default=1, ge=1, description="GPUs per engine.")
    data_parallel: int = Field(default=1, ge=1, description="Engine replicas, one per GPU group.")
    gpus: list[int] | None = Field(
        default=None, description="GPU ids to use (default 0..tp*dp-1), split into groups."
    )
    chat_template: str | None = Field(default=None, description="Jinja template: path or text.")
    tool_call_parser: str | None = Field(
        default=None, description="vllm tool parser for serve mode (hermes, llama3_json, ...)."
    )
    enable_auto_tool_choice: bool | None = Field(
        default=None,
        description="Serve mode: let the model choose tools (default: when a "
        "tool_call_parser is set).",
    )
    dtype: str = Field(default="auto", description="Weights dtype (auto, bfloat16, float16, ...).")
    max_model_len: int | None = Field(default=None, ge=16, description="Context window.")
    gpu_memory_utilization: float = Field(default=0.9, gt=0, le=1, description="GPU memory share.")
    max_num_seqs: int | None = Field(default=None, ge=1, description="Sequences per engine step.")
    quantization: str | None = Field(default=None, description="awq, gptq, fp8, ...")
    enforce_eager: bool = Field(default=False, description="Disable CUDA graphs.")
    trust_remote_code: bool = Field(default=False, description="Allow a checkpoint's own code.")
    seed: int = Field(default=0, description="Engine seed.")
    engine_args: dict[str, Any] = Field(
        default_factory=dict, description="More engine arguments, passed on as they are."
    )
    system_prompt: str | None = Field(default=None, description="System prompt if none is given.")
    max_batch_size: int = Field(default=256, ge=1, description="Offline: requests per batch.")
    batch_window_ms: float = Field(default=20.0, ge=0, description="Offline: batching window.")
    host: str = Field(default="127.0.0.1", description="Serve: address the servers listen on.")
    port: int = Field(default=0, ge=0, le=65535, description="Serve: first port (0 = free ports).")
    startup_timeout: float = Field(default=1200.0, gt=0, description="Serve: seconds to healthy.")
    request_timeout: float = Field(default=600.0, gt=0, description="Serve: seconds per request.")
    max_connections: int = Field(default=256, ge=1, description="Serve: HTTP connections.")


def gpu_groups(args: VLLMArgs) -> list[list[int]]:
    """The GPUs of each replica: consecutive groups of ``tensor_parallel_size``."""
    need = args.tensor_parallel_size * args.data_parallel
    gpus = args.gpus if args.gpus is not None else list(range(need))
    if len(gpus) < need:
        raise UserError(
            f"vllm: tensor_parallel_size={args.tensor_parallel_size} x data_parallel="
            f"{args.data_parallel} needs {need} GPUs; -M gpus lists {len(gpus)}"
        )
    tp = args.tensor_parallel_size
    return [gpus[i * tp : (i + 1) * tp] for i in range(args.data_parallel)]


def read_template(value: str | None) -> str | None:
    """A chat template given as text or as a file path."""
    if value is None or "{{" in value or "{%" in value:
        return value
    path = Path(value).expanduser()
    if not path.is_file():
        raise UserError(f"vllm: chat_template {path} is neither a file nor a Jinja template")
    return path.read_text(encoding="utf-8")


def engine_kwargs(args: VLLMArgs, weights: str) -> dict[str, Any]:
    """Keyword arguments for ``vllm.LLM`` (one replica)."""
    kw: dict[str, Any] = {
        "model": weights,
        "tensor_parallel_size": args.tensor_parallel_size,
        "dtype": args.dtype,
        "gpu_memory_utilization": args.gpu_memory_utilization,
        "trust_remote_code": args.trust_remote_code,
        "enforce_eager": args.enforce_eager,
        "seed": args.seed,
    }
    optional = {
        "max_model_len": args.max_model_len,
        "max_num_seqs": args.max_num_seqs,
        "quantization": args.quantization,
    }
    kw.update({k: v for k, v in optional.items() if v is not None})
    kw.update(args.engine_args)
    return kw


def vllm_executable() -> list[str]:
    """How to run the ``vllm`` command of this environment."""
    beside = Path(sys.executable).parent / "vllm"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("vllm")
    if found:
        return [found]
    raise UserError(f"vllm serve mode needs the vllm command: {INSTALL_HINT}")


def serve_command(
    args: VLLMArgs, weights: str, served_name: str, port: int, executable: list[str]
) -> list[str]:
    """The ``vllm serve`` command line of one replica."""
    cmd = [
        *executable,
        "serve",
        weights,
        "--host",
        args.host,
        "--port",
        str(port),
        "--served-model-name",
        served_name,
        "--tensor-parallel-size",
        str(args.tensor_parallel_size),
        "--dtype",
        args.dtype,
        "--gpu-memory-utilization",
        str(args.gpu_memory_utilization),
        "--seed",
        str(args.seed),
    ]
    for flag, value in (
        ("--max-model-len", args.max_model_len),
        ("--max-num-seqs", args.max_num_seqs),
        ("--quantization", args.quantization),
        ("--tool-call-parser", args.tool_call_parser),
    ):
        if value is not None:
            cmd += [flag, str(value)]
    if args.chat_template is not None:
        cmd += ["--chat-template", args.chat_template]  # vllm takes a path or the text itself
    auto = args.enable_auto_tool_choice
    if auto is None:
        auto = args.tool_call_parser is not None
    if auto:
        if args.tool_call_parser is None:
            raise UserError("vllm: enable_auto_tool_choice needs -M tool_call_parser=NAME")
        cmd.append("--enable-auto-tool-choice")
    if args.trust_remote_code:
        cmd.append("--trust-remote-code")
    if args.enforce_eager:
        cmd.append("--enforce-eager")
    for key, value in args.engine_args.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            cmd.append(flag)
        elif value not in (False, None):
            cmd += [flag, str(value)]
    return cmd


def sampling_kwargs(config: GenerateConfig) -> dict[str, Any]:
    """``SamplingParams`` fields for one request (``json_schema`` is returned as is)."""
    kw: dict[str, Any] = {"temperature": config.temperature or 0.0}
    if config.top_p is not None:
        kw["top_p"] = config.top_p
    if config.max_tokens is not None:
        kw["max_tokens"] = config.max_tokens
    if config.stop:
        kw["stop"] = list(config.stop)
    if config.seed is not None:
        kw["seed"] = config.seed
    if config.json_schema:
        kw["json_schema"] = config.json_schema
    return kw


def chat_request_body(
    served_name: str,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None,
    config: GenerateConfig,
) -> dict[str, Any]:
    """The OpenAI chat-completions body sent to a managed server."""
    kw = sampling_kwargs(config)
    schema = kw.pop("json_schema", None)
    body: dict[str, Any] = {"model": served_name, "messages": messages, **kw}
    if tools:
        body["tools"] = tools
        choice = config.tool_choice
        if choice in ("auto", "none", "required"):
            body["tool_choice"] = choice
        elif choice:
            body["tool_choice"] = {"type": "function", "function": {"name": choice}}
    if schema:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "output", "schema": schema},
        }
    return body
