"""``vllm/<checkpoint dir or hub id>``: local GPU inference with vllm (an optional extra).

Two modes (``-M mode=...``):

* ``offline`` (default, for batch evaluation): the in-process engine (``vllm.LLM``). Concurrent
  ``generate`` calls are gathered by the micro-batcher and sent to ``LLM.chat`` together, so vllm's
  continuous batching sees all prompts at once. ``-M data_parallel=N`` starts N engine processes,
  one per GPU group of ``tensor_parallel_size`` GPUs, and batches go to whichever is free. Tool
  calls are rendered by the chat template when it reads ``tools`` (otherwise the JSON fallback of
  :mod:`harness.backends.hf.tools`) and parsed from the text by the harness's parser (Hermes
  ``<tool_call>``, Mistral ``[TOOL_CALLS]``, bare JSON).
* ``serve`` (for multi-turn agents): managed ``vllm serve`` replicas (one per GPU group) started on
  the first call, health-checked on ``/health``, spoken to over OpenAI-compatible HTTP (aiohttp),
  requests spread round-robin, stopped on ``aclose``. Tool calls are parsed by vllm's
  ``-M tool_call_parser=NAME`` (``--enable-auto-tool-choice`` follows unless set false).

Images: a vision-language checkpoint (see :func:`harness.backends.hf.model.is_vision_checkpoint`)
takes image parts. Offline, a batch holding an image is rendered by the checkpoint's processor
(its chat template places the image placeholders) and sent to ``LLM.generate`` as vllm's
multimodal input, ``{"prompt": ..., "multi_modal_data": {"image": ...}}`` with PIL images; in serve
mode the images go to ``vllm serve`` as OpenAI ``image_url`` parts (data URLs). A text-only
checkpoint refuses an image (:class:`~harness.errors.ImageInputError`).

Weights: a local directory, or a hub id, which is downloaded (only because the user named it)
into the hub cache with offline mode lifted for that download; vllm then loads the local snapshot.
"""

from __future__ import annotations

import asyncio
import importlib.util
import itertools
import json
import threading
import time
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from harness.backends.hf.batcher import MicroBatcher
from harness.backends.hf.hub import looks_like_hub_id, resolve_weights
from harness.backends.hf.tools import (
    fallback_messages,
    pil_image,
    template_supports_tools,
    vision_messages,
)
from harness.backends.vllm.args import (
    INSTALL_HINT,
    VLLMArgs,
    chat_request_body,
    engine_kwargs,
    gpu_groups,
    read_template,
    sampling_kwargs,
    serve_command,
    vllm_executable,
)
from harness.errors import ModelError, UserError
from harness.model import Model, refuse_images
from harness.schemas import GenerateConfig, Message, ModelResponse, ToolSpec, has_images


class _Request:
    __slots__ = ("config", "images", "messages", "tools")

    def __init__(
        self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
    ) -> None:
        self.messages, self.config = messages, config
        self.tools = tools if tools and config.tool_choice != "none" else None
        self.images = has_images(messages)

    def key(self) -> str:
        """Requests batch together when they share tools and both hold images or neither."""
        tools = json.dumps([t.model_dump() for t in self.tools or []], sort_keys=True)
        return f"{tools}|images" if self.images else tools


def openai_messages(messages: list[Message], system: str | None) -> list[dict[str, Any]]:
    out = [m.to_openai() for m in messages]
    if system and (not messages or messages[0].role != "system"):
        out.insert(0, {"role": "system", "content": system})
    return out


class VLLMModel(Model):
    """vllm on local GPUs: batched offline engine or managed ``vllm serve`` replicas."""

    provider = "vllm"
    description = "Local GPUs via vllm: offline batched engine or managed `vllm serve` replicas."
    Args = VLLMArgs
    #: a vision-language checkpoint takes images; a text-only one refuses them
    accepts_images = True

    def __init__(self, name: str, args: BaseModel | None = None) -> None:
        super().__init__(name, args)
        a: VLLMArgs = self.args  # type: ignore[assignment]
        self._lock = threading.Lock()
        self._weights: Path | None = None
        self._template: str | None = None
        self._processor: Any = None  # a vision-language checkpoint's processor
        self._native_tools = False
        self._engines: list[Any] = []  # offline: an LLM (in-process) or Replica objects
        self._servers: list[Any] = []
        self._session: Any = None
        self._start_lock: asyncio.Lock | None = None
        self._rr = itertools.count()
        self.batcher: MicroBatcher[_Request, ModelResponse] = MicroBatcher(
            self._run_batch,
            max_batch=a.max_batch_size,
            window=a.batch_window_ms / 1000,
            parallel=a.data_parallel,
            key=_Request.key,
        )

    @property
    def a(self) -> VLLMArgs:
        return self.args  # type: ignore[return-value]

    def check(self) -> None:
        if importlib.util.find_spec("vllm") is None:
            raise UserError(f"{self.spec}: the vllm backend needs vllm: {INSTALL_HINT}")
        if self.a.mode == "serve" and importlib.util.find_spec("aiohttp") is None:
            raise UserError(f"{self.spec}: serve mode needs aiohttp: {INSTALL_HINT}")
        gpu_groups(self.a)
        read_template(self.a.chat_template)
        if not Path(self.name).expanduser().exists() and not looks_like_hub_id(self.name):
            raise UserError(
                f"{self.spec}: no such directory {self.name}; give a checkpoint "
                "directory or a hub id such as org/model"
            )

    def cache_key_fields(self) -> dict[str, Any]:
        keep = (
            "chat_template",
            "tool_call_parser",
            "dtype",
            "quantization",
            "max_model_len",
            "system_prompt",
            "engine_args",
        )
        return {"model": self.spec, "args": {k: getattr(self.a, k) for k in keep}}

    # ------------------------------------------------------------------ offline engine

    def _prepare(self) -> None:
        """Weights and chat template (downloads a named hub id once)."""
        if self._weights is not None:
            return
        weights = resolve_weights(self.name, self.spec)
        template = read_template(self.a.chat_template)
        from harness.backends.hf.model import is_vision_checkpoint

        if is_vision_checkpoint(weights):
            try:
                from transformers import AutoProcessor

                self._processor = AutoProcessor.from_pretrained(
                    weights, trust_remote_code=self.a.trust_remote_code
                )
            except Exception as exc:
                raise UserError(f"{self.spec}: cannot load the image processor: {exc}") from None
            if template is None:
                template = getattr(self._processor, "chat_template", None)
        if template is None:
            try:
                from transformers import AutoTokenizer

                tok = AutoTokenizer.from_pretrained(
                    self._weights, trust_remote_code=self.a.trust_remote_code
                )
                template = tok.chat_template if isinstance(tok.chat_template, str) else None
            except Exception:  # vllm will report an unusable tokenizer itself
                template = None
        self._template = template
        self._native_tools = template_supports_tools(template)
        self._weights = weights

    def _start_engines(self) -> None:
        with self._lock:
            if self._engines:
                return
            self._prepare()
            assert self._weights is not None
            kwargs = engine_kwargs(self.a, str(self._weights))
            groups = gpu_groups(self.a)
            from harness.backends.vllm import engine as vllm_engine

            if len(groups) == 1 and self.a.gpus is None:
                self._engines = [vllm_engine.make_llm(kwargs)]
            else:
                self._engines = [
                    vllm_engine.Replica(
                        {"CUDA_VISIBLE_DEVICES": ",".join(map(str, g)), "HF_HUB_OFFLINE": "1"},
                        kwargs,
                    )
                    for g in groups
                ]

    def payload(self, reqs: list[_Request]) -> dict[str, Any]:
        """What one ``LLM.chat`` call gets for these requests (they share one tool list), or,
        for requests holding images, one ``LLM.generate`` call (``prompts``: vllm's multimodal
        inputs)."""
        if reqs[0].images:
            return self.multimodal_payload(reqs)
        tools = reqs[0].tools
        convs = []
        for r in reqs:
            if tools and not self._native_tools:
                convs.append(
                    fallback_messages(r.messages, tools, r.config.tool_choice, self.a.system_prompt)
                )
            else:
                convs.append(openai_messages(r.messages, self.a.system_prompt))
        return {
            "conversations": convs,
            "sampling": [sampling_kwargs(r.config) for r in reqs],
            "tools": [t.to_openai() for t in tools] if tools and self._native_tools else None,
            "chat_template": self._template if self.a.chat_template else None,
        }

    def multimodal_payload(self, reqs: list[_Request]) -> dict[str, Any]:
        """Requests with images as vllm multimodal inputs: the prompt rendered by the
        processor's chat template (tools in the fallback format) and
        ``multi_modal_data={"image": PIL image or list of them}``."""
        self._prepare()
        if self._processor is None:
            raise refuse_images(self.spec, "a checkpoint without an image processor")
        prompts: list[dict[str, Any]] = []
        for r in reqs:
            msgs, parts = vision_messages(
                r.messages, r.tools, r.config.tool_choice, self.a.system_prompt
            )
            text = self._processor.apply_chat_template(
                msgs, chat_template=self._template, add_generation_prompt=True, tokenize=False
            )
            item: dict[str, Any] = {"prompt": text}
            if parts:
                images = [pil_image(p) for p in parts]
                item["multi_modal_data"] = {"image": images[0] if len(images) == 1 else images}
            prompts.append(item)
        return {
            "prompts": prompts,
            "conversations": [p["prompt"] for p in prompts],  # the tool-call id seeds
            "sampling": [sampling_kwargs(r.config) for r in reqs],
        }

    def _run_batch(self, reqs: list[_Request], slot: int) -> list[ModelResponse | BaseException]:
        from harness.backends.vllm import engine as vllm_engine

        start = time.perf_counter()
        try:
            payload = self.payload(reqs)
        except Exception as exc:  # a text-only checkpoint given images: each request's error
            return [exc for _ in reqs]
        engine = self._engines[slot % len(self._engines)]
        if isinstance(engine, vllm_engine.Replica):
            results = engine.run(payload)
        else:
            results = vllm_engine.run_chat(engine, payload)
        latency = time.perf_counter() - start
        return [
            vllm_engine.to_response(
                res, self.spec, bool(r.tools), json.dumps(conv, sort_keys=True), latency
            )
            for r, res, conv in zip(reqs, results, payload["conversations"], strict=True)
        ]

    # ------------------------------------------------------------------ serve mode

    async def _start_servers(self) -> None:
        from harness.backends.vllm.server import ManagedServer, free_port

        if self._start_lock is None:
            self._start_lock = asyncio.Lock()
        async with self._start_lock:
            if self._session is not None:
                return
            import aiohttp

            await asyncio.to_thread(self._prepare)
            assert self._weights is not None
            exe = vllm_executable()
            servers = []
            for i, group in enumerate(gpu_groups(self.a)):
                port = self.a.port + i if self.a.port else free_port(self.a.host)
                cmd = serve_command(self.a, str(self._weights), self.name, port, exe)
                env = {"CUDA_VISIBLE_DEVICES": ",".join(map(str, group)), "HF_HUB_OFFLINE": "1"}
                servers.append(
                    ManagedServer(
                        cmd, self.a.host, port, env, label=f"vllm serve {self.name} (GPUs {group})"
                    )
                )
            session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.a.max_connections)
            )
            try:
                for s in servers:
                    s.start()
                    self._servers.append(s)
                await asyncio.gather(
                    *(s.wait_healthy(session, self.a.startup_timeout) for s in servers)
                )
            except BaseException:
                await session.close()
                for s in self._servers:
                    s.stop(grace=10)
                self._servers = []
                raise
            self._session = session

    async def _serve_generate(self, req: _Request) -> ModelResponse:
        from harness.backends.vllm.server import parse_chat_response, post_chat

        await self._start_servers()
        server = self._servers[next(self._rr) % len(self._servers)]
        if not server.running:
            raise ModelError(
                f"{server.label} is not running (log {server.log_path}):\n{server.log_tail()}"
            )
        body = chat_request_body(
            self.name,
            openai_messages(req.messages, self.a.system_prompt),
            [t.to_openai() for t in req.tools] if req.tools else None,
            req.config,
        )
        timeout = req.config.timeout or self.a.request_timeout
        start = time.perf_counter()
        data = await post_chat(self._session, server.base_url, body, timeout, self.spec)
        return parse_chat_response(data, self.spec, time.perf_counter() - start)

    # ------------------------------------------------------------------ interface

    async def generate(
        self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
    ) -> ModelResponse:
        req = _Request(messages, tools, config)
        if req.images:
            await asyncio.to_thread(self._prepare)
            if self._processor is None:
                raise refuse_images(self.spec, "a checkpoint without an image processor")
        if self.a.mode == "serve":
            return await self._serve_generate(req)
        if not self._engines:
            # Built on the event loop's (main) thread: vllm sets signal handlers while it starts.
            self._start_engines()
        return await self.batcher.submit(req)

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        for s in self._servers:
            await asyncio.to_thread(s.stop)
        self._servers = []
        from harness.backends.vllm import engine as vllm_engine

        for e in self._engines:
            if isinstance(e, vllm_engine.Replica):
                await asyncio.to_thread(e.close)
        self._engines = []
