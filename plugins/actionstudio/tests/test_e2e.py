"""The issue's "done when", end to end through the CLI in subprocesses: APIGen-MT writes accepted
trajectories (core Trajectory JSONL) -> `harness train actionstudio --lora` on the tiny model ->
`harness run sanity --model hf/<final>` evaluates the checkpoint through the core backend.

The plugins do not import each other: the generator is reached only through the `harness` CLI.
Its agent and user are scripted (the embedded model needs minutes per episode on the 4k-token
retail policy prompt); the agent makes a real tool call in the tau2 retail environment, and only
episodes the generator accepts (database state as expected) reach the training data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.plugins.manager import PluginManager
from harness.schemas import SampleRecord, Trajectory

HARNESS = [sys.executable, "-m", "harness"]
AGENT = [
    "Hi! How can I help you today?",
    {
        "tool_calls": [
            {
                "name": "find_user_id_by_name_zip",
                "arguments": {"first_name": "Yusuf", "last_name": "Rossi", "zip": "19122"},
            }
        ]
    },
    "I found your account. Is there anything else I can help with?",
]
USER = ["Hi, I need help with my account.", "###STOP###"]


def _registered(kind: str, name: str) -> bool:
    m = PluginManager()
    m.load_entry_points()
    m.collect()
    try:
        m.registry(kind).get(name)
    except Exception:
        return False
    return True


def _cli(args: list[str], timeout: int = 300) -> subprocess.CompletedProcess[str]:
    # Tiny models are slower with several intra-op threads on a shared 2-core CI machine.
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [*HARNESS, *args], capture_output=True, text=True, timeout=timeout, env=env
    )
    assert done.returncode == 0, f"harness {' '.join(args[:2])}: {done.stderr[-3000:]}"
    return done


def _only_run(parent: Path) -> Path:
    (run,) = [p for p in parent.iterdir() if p.is_dir()]
    return run


@pytest.mark.slow
def test_apigen_mt_output_trains_and_the_checkpoint_evaluates(tmp_path: Path) -> None:
    if not _registered("generators", "apigen-mt"):
        pytest.skip("the apigen-mt plugin is not installed (pip install -e plugins/apigen-mt)")
    for kind, name in (("models", "hf"), ("tasks", "sanity")):
        if not _registered(kind, name):
            pytest.skip(f"{kind[:-1]} '{name}' is not registered (core hf backend / sanity plugin)")

    # 1. APIGen-MT phase 2 on the bundled tau2 retail tasks.
    _cli(
        [
            "generate",
            "apigen-mt",
            "--domain",
            "retail",
            "--source",
            "tau2-tasks",
            "--n",
            "3",
            "--phase2-attempts",
            "1",
            "--model",
            "scripted/agent",
            "-M",
            f"responses={json.dumps(AGENT)}",
            "--model-role",
            "user=scripted/user",
            "-M",
            f"user.responses={json.dumps(USER)}",
            "--out",
            str(tmp_path / "gen"),
        ]
    )
    data = _only_run(tmp_path / "gen") / "trajectories.jsonl"
    trajs = [Trajectory.model_validate_json(x) for x in data.read_text().splitlines()]
    assert trajs, "apigen-mt accepted no trajectory"
    assert all(t.reward == 1.0 and t.tools for t in trajs)
    calls = [c for t in trajs for m in t.messages for c in m.tool_calls]
    assert calls and calls[0].name == "find_user_id_by_name_zip"
    n_turns = sum(m.role == "assistant" for t in trajs for m in t.messages)

    # 2. LoRA SFT on it (the tiny local model; the retail policy makes ~4k-token prompts).
    _cli(
        [
            "train",
            "actionstudio",
            "--data",
            str(data),
            "--lora",
            "--max-steps",
            "2",
            "--batch-size",
            "1",
            "--save-steps",
            "2",
            "--learning-rate",
            "1e-2",
            "--max-seq-length",
            "8192",
            "--base-model",
            "tiny",
            "--tiny-hidden",
            "32",
            "--out",
            str(tmp_path / "train"),
        ]
    )
    run = _only_run(tmp_path / "train")
    summary = json.loads((run / "run.json").read_text())["summary"]
    assert summary["records_used"] == len(trajs)
    assert summary["examples"] == n_turns  # one per assistant turn, none dropped
    assert summary["global_step"] == 2 and summary["lora"]
    assert summary["first_loss"] > 0 and summary["last_loss"] > 0
    assert (run / "checkpoints" / "checkpoint-2" / "trainer_state.json").exists()
    assert (run / "adapter" / "adapter_config.json").exists()
    # The prompt (policy, tools, earlier turns) is masked; the agent's tool call is trained.
    labels = [
        b.split("--- labels\n", 1)[1] for b in (run / "preview.txt").read_text().split("=== ")[1:]
    ]
    assert len(labels) == 2 and all(x.startswith("[") and "tokens masked]" in x for x in labels)
    assert "<tool_call>" in labels[1] and "find_user_id_by_name_zip" in labels[1]
    assert "policy" not in labels[1]

    # 3. The merged checkpoint through the core's hf/ backend.
    _cli(
        [
            "run",
            "sanity",
            "--model",
            f"hf/{run / 'final'}",
            "--limit",
            "2",
            "--no-progress",
            "--out",
            str(tmp_path / "eval"),
        ]
    )
    erun = _only_run(tmp_path / "eval")
    results = json.loads((erun / "results.json").read_text())
    assert results["records"] == 2 and results["errors"] == 0
    lines = (erun / "samples.jsonl").read_text().splitlines()
    samples = [SampleRecord.model_validate_json(x) for x in lines]
    assert len(samples) == 2 and all(s.status == "ok" and s.model_calls >= 1 for s in samples)
    assert all(s.output is not None and s.usage.output_tokens > 0 for s in samples)
    assert json.loads((erun / "run.json").read_text())["config"]["model"] == f"hf/{run / 'final'}"
