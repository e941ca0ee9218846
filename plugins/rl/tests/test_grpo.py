"""GRPO end to end on a tiny random model (CPU, seconds): steps logged and plotted, checkpoints,
resume, the final model served by ``hf/``, diagnostics by rollouts; and the CLI's bad-input
errors, which stop before any model is loaded."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from harness_rl.arith import write_prompts
from harness_rl.grpo import train
from harness_rl.options import GRPOOptions

from harness.cli.main import main
from harness.plugins.manager import PluginManager

pytestmark = pytest.mark.slow


def _opts(data: Path, base: Path, **kw: Any) -> GRPOOptions:
    return GRPOOptions(
        data=str(data),
        base_model=str(base),
        rewards=["odd_length", "boxed_answer:0.5"],
        preset="cpu",
        max_response_tokens=8,
        **kw,
    )


@pytest.fixture(scope="module")
def grpo_run(
    tmp_path_factory: pytest.TempPathFactory, tiny_model: Path, manager: PluginManager
) -> tuple[Path, dict[str, Any]]:
    root = tmp_path_factory.mktemp("grpo")
    data = write_prompts(root / "arith.jsonl", 4, seed=3)
    out = root / "run"
    out.mkdir()
    summary = train(_opts(data, tiny_model, max_steps=2), out, seed=0, manager=manager)
    return out, summary


def test_grpo_steps_logs_plot_and_checkpoint(grpo_run: tuple[Path, dict[str, Any]]) -> None:
    out, summary = grpo_run
    assert summary["global_step"] == 2 and summary["preset"] == "cpu"
    steps = [json.loads(x) for x in (out / "steps.jsonl").read_text().splitlines()]
    assert [s["step"] for s in steps] == [1, 2]
    for s in steps:
        assert 0.0 <= s["reward"] <= 1.5 and 0.0 <= s["mixed_share"] <= 1.0
        assert 0 < s["response_length"] <= 8 and s["kl"] is not None
        assert set(s["rewards"]) == {"odd_length", "boxed_answer"}
    # odd_length splits a tiny model's random rollouts: some groups are mixed
    assert any(s["mixed_share"] > 0 for s in steps)
    assert (out / "steps.png").stat().st_size > 0
    cfg = json.loads((out / "rl_config.json").read_text())
    assert cfg["preset"] == "cpu" and cfg["options"]["group_size"] == 4
    assert cfg["grpo_config"]["num_generations"] == 4 and "trl_version" in cfg
    assert (out / "checkpoints" / "checkpoint-2" / "adapter_config.json").exists()
    assert (out / "adapter" / "adapter_config.json").exists()
    from harness_rl.schemas import json_schemas
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(json_schemas()["step"])
    assert all(not list(validator.iter_errors(s)) for s in steps)
    launch = (out / "launch.sh").read_text()
    assert "torchrun --standalone" in launch and "# accelerate launch" in launch


def test_resume_continues_from_the_checkpoint(
    grpo_run: tuple[Path, dict[str, Any]], tiny_model: Path, manager: PluginManager, tmp_path: Path
) -> None:
    first, _ = grpo_run
    data = write_prompts(tmp_path / "arith.jsonl", 4, seed=3)
    opts = _opts(data, tiny_model, max_steps=3, resume_from=str(first))
    summary = train(opts, tmp_path, seed=0, manager=manager)
    assert summary["global_step"] == 3 and summary["resumed_from"].endswith("checkpoint-2")
    steps = [json.loads(x)["step"] for x in (tmp_path / "steps.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3]  # the first run's steps, then the new one


def test_final_model_runs_through_hf_backend(grpo_run: tuple[Path, dict[str, Any]]) -> None:
    from harness.backends.hf.model import HFModel
    from harness.schemas import GenerateConfig, Message

    out, _ = grpo_run
    model = HFModel(str(out))  # the run dir stands for its final/ checkpoint
    model.check()
    reply = asyncio.run(
        model.generate(
            [Message(role="user", content="What is 2 + 3?")], None, GenerateConfig(max_tokens=4)
        )
    )
    assert reply.usage.output_tokens >= 1
    asyncio.run(model.aclose())


def test_diagnostics_command_with_rollouts_and_coinfluence(
    grpo_run: tuple[Path, dict[str, Any]], manager: PluginManager, tmp_path: Path, capsys: Any
) -> None:
    out, _ = grpo_run
    data = write_prompts(tmp_path / "q.jsonl", 2, seed=5)
    rc = main(
        ["generate", "rl-diagnostics", "--data", str(data), "--model", f"hf/{out}",
         "--rollouts", "3", "--max-tokens", "6", "--rewards", "odd_length",
         "--grad-model", str(out / "adapter"), "--pairs", "4",
         "--out", str(tmp_path / "d")]
    )  # fmt: skip
    assert rc == 0, capsys.readouterr().err
    (run,) = (tmp_path / "d").iterdir()
    diag = json.loads((run / "diagnostics.json").read_text())
    assert diag["queries"] == 2 and diag["rollouts_per_query"] == 3
    assert diag["coinfluence"]["pairs"] == 4 and diag["coinfluence"]["grad_params"] == "lora"
    rows = (run / "rollouts.jsonl").read_text().splitlines()
    assert len(rows) == 6
    from harness_rl.schemas import json_schemas
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(json_schemas()["rollout"])
    for row in map(json.loads, rows):  # the reward is the metric's value on that very text
        assert not list(validator.iter_errors(row))
        assert row["reward"] == float(len(row["completion"]) % 2)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rewards", "boxed_answr"], "reward metric 'boxed_answr' is not registered"),
        (["--rewards", "wordy"], "reward metric 'wordy' cannot be a reward"),
        (
            ["--prompt-field", "question"],
            "no prompt field 'question'; their fields are: id, prompt, target",
        ),
    ],
)
def test_bad_input_stops_before_training(
    args: list[str], message: str, manager: PluginManager, tmp_path: Path, capsys: Any
) -> None:
    data = write_prompts(tmp_path / "q.jsonl", 2)
    rc = main(
        [
            "train",
            "grpo",
            "--data",
            str(data),
            "--base-model",
            "tiny",
            "--out",
            str(tmp_path / "r"),
            *args,
        ]
    )
    err = capsys.readouterr().err
    assert rc != 0 and message in err and "Traceback" not in err
    (run,) = (tmp_path / "r").iterdir()
    assert not (run / "base").exists() and not (run / "checkpoints").exists()  # no model loaded


def test_launch_entry_rebuilds_the_run_from_its_config(
    grpo_run: tuple[Path, dict[str, Any]], manager: PluginManager, tmp_path: Path, capsys: Any
) -> None:
    """What every rank of launch.sh runs, here as one process on CPU."""
    from harness_rl.launch import main as launch

    out, _ = grpo_run
    assert launch(["--config", str(out / "rl_config.json"), "--out", str(tmp_path / "m")]) == 0
    printed = capsys.readouterr().out  # TRL's per-step log lines, then the summary
    summary = json.loads(printed[printed.rindex("{\n") :])
    assert summary["global_step"] == 2 and (tmp_path / "m" / "final" / "config.json").exists()
    cfg = json.loads((tmp_path / "m" / "rl_config.json").read_text())
    assert cfg["options"]["rewards"] == ["odd_length", "boxed_answer:0.5"]
