"""The core's own plugin, registered through the ``harness`` entry point like any other."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.hookspecs import hookimpl

SUITES = Path(__file__).parent.parent / "data" / "tasks"


@hookimpl
def register_models(register: Any) -> None:
    register(
        "llamacpp",
        "harness.backends.llamacpp.model:LlamaCppModel",
        description="GGUF models in-process via llama-cpp-python; llamacpp/smollm2 is the "
        "embedded default (no key, no network).",
    )
    register(
        "scripted",
        "harness.backends.scripted.model:ScriptedModel",
        description="Answers at once from a script: scripted/echo or -M responses=[...] "
        "(tests, benchmarks).",
    )
    register(
        "openai-compatible",
        "harness.backends.openai.compat:OpenAICompatModel",
        description="Any OpenAI-compatible server over HTTP (aiohttp): "
        "-M base_url=http://HOST:PORT/v1 [-M api_key=...].",
    )
    register(
        "litellm",
        "harness.backends.litellm.model:LiteLLMModel",
        description="Every provider litellm supports: litellm/openai/gpt-4o-mini, "
        "litellm/anthropic/...; keys from the environment.",
    )
    register(
        "hf",
        "harness.backends.hf.model:HFModel",
        description="Local transformers checkpoints (CPU/GPU), micro-batched: hf/<dir> or "
        "hf/<hub id> (downloads only a hub id you name).",
    )
    register(
        "vllm",
        "harness.backends.vllm.model:VLLMModel",
        description="Local GPUs via vllm: batched offline engine or managed `vllm serve` "
        "replicas (-M mode=serve); optional extra agentharness[vllm].",
    )


@hookimpl
def register_metrics(register: Any) -> None:
    register(
        "exact_match",
        "harness.metric:ExactMatch",
        description="1 if the answer equals a target (case and surrounding space ignored).",
    )
    register(
        "answer_match",
        "harness.metric:AnswerMatch",
        description="1 if the answer extracted from the reply equals a target (lenient).",
    )
    register(
        "includes",
        "harness.metric:Includes",
        description="1 if a target appears inside the answer (case-insensitive).",
    )


@hookimpl
def register_tasks(register: Any) -> None:
    register(
        "dataset",
        "harness.plugins.dataset_task:DatasetTask",
        description="Any table `datasets` loads (json/jsonl/csv/parquet, or a named hub id): "
        "prompt template, target column, metrics by name; bind it in a task file.",
    )
    # Suites combining plugins: the repository's top-level tasks/ folder, shipped in the wheel.
    if SUITES.is_dir():
        for path in sorted(SUITES.glob("*.yaml")):
            register(task_file=path)
