"""The offline vllm engine: one batch of chats in, plain results out; and replica processes.

``run_chat`` is the only place that touches ``vllm.LLM``; it returns plain tuples so that a replica
process (data parallelism: one engine per GPU group, each in its own process with its own
``CUDA_VISIBLE_DEVICES``) can send them back through a pipe.
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

from harness.backends.hf.tools import parse_tool_calls
from harness.backends.vllm.args import INSTALL_HINT
from harness.errors import ModelError, UserError
from harness.schemas import ModelResponse, ToolCall, Usage

# (text, prompt tokens, completion tokens, finish reason)
Result = tuple[str, int, int, str | None]


def import_vllm() -> Any:
    try:
        import vllm
    except ImportError as exc:
        raise UserError(f"the vllm/ backend needs vllm: {INSTALL_HINT} ({exc})") from None
    return vllm


def make_llm(kwargs: dict[str, Any]) -> Any:
    vllm = import_vllm()
    return vllm.LLM(**kwargs)


def sampling_params(kw: dict[str, Any]) -> Any:
    """``SamplingParams`` from :func:`vllm_args.sampling_kwargs` (structured output if asked)."""
    vllm = import_vllm()
    kw = dict(kw)
    schema = kw.pop("json_schema", None)
    if schema is not None:
        try:  # newer vllm
            from vllm.sampling_params import StructuredOutputsParams

            kw["structured_outputs"] = StructuredOutputsParams(json=schema)
        except ImportError:
            from vllm.sampling_params import GuidedDecodingParams

            kw["guided_decoding"] = GuidedDecodingParams(json=schema)
    return vllm.SamplingParams(**kw)


def run_chat(llm: Any, payload: dict[str, Any]) -> list[Result]:
    """One batch: ``payload`` holds conversations, sampling dicts, tools and the template; or
    ``prompts``, vllm multimodal inputs (``{"prompt", "multi_modal_data"}``) for ``generate``."""
    params = [sampling_params(kw) for kw in payload["sampling"]]
    if payload.get("prompts") is not None:
        outputs = llm.generate(payload["prompts"], sampling_params=params, use_tqdm=False)
        return [_result(out) for out in outputs]
    outputs = llm.chat(
        payload["conversations"],
        sampling_params=params,
        use_tqdm=False,
        chat_template=payload.get("chat_template"),
        tools=payload.get("tools"),
    )
    return [_result(out) for out in outputs]


def _result(out: Any) -> Result:
    best = out.outputs[0]
    return (
        best.text,
        len(out.prompt_token_ids or []),
        len(best.token_ids or []),
        best.finish_reason,
    )


def to_response(
    result: Result, spec: str, parse_tools: bool, id_seed: str, latency: float
) -> ModelResponse:
    """A harness response from one engine result (tool calls parsed from the text if asked)."""
    text, n_in, n_out, finish = result
    calls: list[ToolCall] = []
    if parse_tools:
        text, calls = parse_tool_calls(text, id_seed=id_seed)
    return ModelResponse(
        text=text,
        tool_calls=calls,
        usage=Usage(input_tokens=n_in, output_tokens=n_out),
        latency=latency,
        finish_reason="tool_calls" if calls else finish,
        model=spec,
    )


def replica_main(conn: Any, env: dict[str, str], kwargs: dict[str, Any]) -> None:
    """Body of a replica process: build the engine on its GPUs, then answer batches."""
    os.environ.update(env)
    try:
        llm = make_llm(kwargs)
    except BaseException as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", None))
    while True:
        payload = conn.recv()
        if payload is None:
            return
        try:
            conn.send(("ok", run_chat(llm, payload)))
        except Exception as exc:
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


class Replica:
    """A replica process and its pipe."""

    def __init__(self, env: dict[str, str], kwargs: dict[str, Any]) -> None:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=replica_main, args=(child, env, kwargs), daemon=True)
        self.proc.start()
        status, detail = self.conn.recv()
        if status != "ready":
            self.close()
            raise ModelError(f"vllm replica on GPUs {env.get('CUDA_VISIBLE_DEVICES')}: {detail}")

    def run(self, payload: dict[str, Any]) -> list[Result]:
        self.conn.send(payload)
        status, detail = self.conn.recv()
        if status != "ok":
            raise ModelError(f"vllm replica: {detail}")
        result: list[Result] = detail
        return result

    def close(self) -> None:
        with contextlib.suppress(OSError, BrokenPipeError):
            self.conn.send(None)
        self.proc.join(30)
        if self.proc.is_alive():
            self.proc.kill()
