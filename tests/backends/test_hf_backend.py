"""The hf/ backend end to end on a tiny random checkpoint built here (CPU, no download)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, ClassVar

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from harness import plugins
from harness.backends.hf.model import HFModel
from harness.backends.hf.tiny import build_tiny_checkpoint
from harness.cli.main import main
from harness.errors import ContextOverflowError, UserError
from harness.hookspecs import hookimpl
from harness.schemas import GenerateConfig, Message, SampleRecord, ToolSpec


class RecordingHF(HFModel):
    """The real hf backend, remembering its instances so a test can read the batch sizes."""

    provider = "hfrec"  # its own name, so it never clashes with the core's "hf" registration
    instances: ClassVar[list[HFModel]] = []

    def __init__(self, name: str, args: Any = None) -> None:
        super().__init__(name, args)
        RecordingHF.instances.append(self)


class _Plugin:
    @hookimpl
    def register_models(self, register: Any) -> None:
        register("hfrec", RecordingHF, description="hf backend (test registration)")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny")


@pytest.fixture
def manager() -> Any:
    """The process-wide plugin manager with our provider registered (unless the core has it)."""
    plugins.reset_manager()
    manager = plugins.PluginManager()
    manager.load_entry_points()
    manager.register_plugin(_Plugin(), "hf-test")
    manager.collect()
    plugins.set_manager(manager)
    RecordingHF.instances.clear()
    yield manager
    plugins.reset_manager()


def _records(run_parent: Path) -> list[SampleRecord]:
    (run_dir,) = [d for d in run_parent.iterdir() if d.is_dir()]
    lines = (run_dir / "samples.jsonl").read_text(encoding="utf-8").splitlines()
    return [SampleRecord.model_validate_json(line) for line in lines]


def _run(tiny: Path, out: Path, *extra: str) -> list[SampleRecord]:
    code = main(
        [
            "run",
            "sanity",
            "--model",
            f"hfrec/{tiny}",
            "--limit",
            "2",
            "--out",
            str(out),
            "--no-progress",
            "-G",
            "max_tokens=12",
            *extra,
        ]
    )
    assert code == 0
    return _records(out)


@pytest.mark.slow
def test_cli_run_batches_counts_tokens_and_repeats(
    tiny: Path, tmp_path: Path, manager: Any
) -> None:
    first = _run(tiny, tmp_path / "a", "--max-concurrency", "8")
    assert len(first) == 2 and all(r.status == "ok" for r in first)
    for r in first:
        assert r.model_calls == 1
        assert r.usage.input_tokens > 10  # system + question through the chat template
        assert 0 < r.usage.output_tokens <= 32  # the task asks for at most 32
    sizes = [s for m in RecordingHF.instances for s in m.batcher.stats.sizes]
    assert max(sizes) == 2, sizes  # both samples decoded in one batch

    second = _run(tiny, tmp_path / "b", "--max-concurrency", "8")
    by_id = {r.sample_id: r.output.completion for r in first if r.output}
    assert by_id == {r.sample_id: r.output.completion for r in second if r.output}

    serial = _run(tiny, tmp_path / "c", "--max-concurrency", "1")
    sizes = RecordingHF.instances[-1].batcher.stats.sizes
    assert sizes == [1, 1]
    # greedy decoding of a left-padded batch gives what each prompt gives alone
    assert by_id == {r.sample_id: r.output.completion for r in serial if r.output}


@pytest.mark.slow
def test_cli_tools_task_runs_native_template(tiny: Path, tmp_path: Path, manager: Any) -> None:
    code = main(
        [
            "run",
            "sanity-tools",
            "--model",
            f"hfrec/{tiny}",
            "--limit",
            "2",
            "--out",
            str(tmp_path),
            "--no-progress",
            "-G",
            "max_tokens=8",
        ]
    )
    assert code == 0
    records = _records(tmp_path)
    assert len(records) == 2
    assert all(r.usage.input_tokens > 0 for r in records)
    model = RecordingHF.instances[-1]
    assert model._native_tools  # the tiny template reads `tools`


def _model(path: Path, **args: Any) -> HFModel:
    model = HFModel.create(str(path), args)
    model.check()
    return model


def test_sampling_is_seeded_per_request(tiny: Path) -> None:
    model = _model(tiny)
    msgs = [Message(role="user", content="What is 3 + 4?")]

    async def go(seeds: list[int]) -> list[str]:
        cfgs = [GenerateConfig(temperature=1.0, max_tokens=10, seed=s) for s in seeds]
        out = await asyncio.gather(*(model.generate(msgs, None, c) for c in cfgs))
        return [o.text for o in out]

    a = asyncio.run(go([1, 2, 1]))
    b = asyncio.run(go([1]))
    assert a[0] == a[2] == b[0]  # same seed, same draw, batched or alone
    assert a[0] != a[1]


def test_max_tokens_stop_strings_and_usage(tiny: Path) -> None:
    model = _model(tiny)
    msgs = [Message(role="user", content="What is 10 + 20?")]
    full = asyncio.run(model.generate(msgs, None, GenerateConfig(max_tokens=12)))
    assert full.usage.output_tokens == 12 and full.finish_reason == "length"
    assert len(full.text) > 3
    stop = full.text[2:4]
    cut = asyncio.run(model.generate(msgs, None, GenerateConfig(max_tokens=12, stop=[stop])))
    assert cut.finish_reason == "stop"
    assert stop not in cut.text and full.text.startswith(cut.text)
    assert cut.usage.output_tokens < 12


def test_context_overflow_is_per_request(tiny: Path) -> None:
    model = _model(tiny, max_length=32)
    long = [Message(role="user", content="What is 1 + 1? " * 40)]
    short = [Message(role="user", content="Hi")]

    async def go() -> list[Any]:
        cfg = GenerateConfig(max_tokens=4)
        return await asyncio.gather(
            model.generate(long, None, cfg),
            model.generate(short, None, cfg),
            return_exceptions=True,
        )

    bad, good = asyncio.run(go())
    assert isinstance(bad, ContextOverflowError)
    assert not isinstance(good, BaseException) and good.usage.output_tokens <= 4


def test_fallback_template_renders_tools_in_system_prompt(tmp_path: Path) -> None:
    ckpt = build_tiny_checkpoint(tmp_path / "plain", tools_template=False)
    model = _model(ckpt)
    tools = [
        ToolSpec(
            name="add",
            description="Add two numbers.",
            parameters={"type": "object", "properties": {"a": {"type": "number"}}},
        )
    ]
    prompt = model.render([Message(role="user", content="What is 2 + 3?")], tools, GenerateConfig())
    assert not model._native_tools
    assert '{"name": "<tool name>", "arguments":' in prompt and "## add" in prompt
    native = _model(ckpt, chat_template=str(tmp_path / "nope.jinja"))
    with pytest.raises(UserError):
        native.load()


def test_peft_adapter_directory(tiny: Path, tmp_path: Path) -> None:
    peft = pytest.importorskip("peft")
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(tiny)
    config = peft.LoraConfig(
        r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False
    )
    adapter = tmp_path / "adapter"
    peft.get_peft_model(base, config).save_pretrained(adapter)
    meta = json.loads((adapter / "adapter_config.json").read_text())
    assert Path(meta["base_model_name_or_path"]) == tiny
    msgs = [Message(role="user", content="What is 5 + 6?")]
    cfg = GenerateConfig(max_tokens=10)
    tuned = asyncio.run(_model(adapter).generate(msgs, None, cfg))
    plain = asyncio.run(_model(tiny).generate(msgs, None, cfg))
    assert tuned.usage.output_tokens > 0
    assert tuned.text != plain.text  # the (non-zero) LoRA weights change the answer


def test_bad_names_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no such directory"):
        _model(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserError, match=r"config\.json"):
        _model(tmp_path / "empty")


def test_checkpoint_dirs_that_are_not_models_and_training_runs(tiny: Path, tmp_path: Path) -> None:
    import shutil

    no_weights = tmp_path / "no-weights"
    no_weights.mkdir()
    shutil.copy(tiny / "config.json", no_weights / "config.json")
    with pytest.raises(UserError, match="no weights files"):
        _model(no_weights)
    with pytest.raises(UserError, match="is not a model"):
        _model(tmp_path)  # a folder of folders, no config.json and no final/
    run = tmp_path / "train-run"  # what `harness train` writes: the model is in final/
    shutil.copytree(tiny, run / "final")
    model = _model(run)
    reply = asyncio.run(
        model.generate([Message(role="user", content="hi")], None, GenerateConfig(max_tokens=3))
    )
    assert reply.usage.output_tokens <= 3
