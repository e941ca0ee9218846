"""The reward plumbing: metrics resolved through the registry, weights, the checks before step 1,
the prompt sources, the boxed_answer metric and the GRPO arguments (no model is loaded here)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness_rl.data import chat, load_samples
from harness_rl.grpo import (
    accelerate_line,
    apply_preset,
    config_kwargs,
    launch_line,
    step_record,
)
from harness_rl.metrics import BoxedAnswer, first_boxed
from harness_rl.options import PRESETS, GRPOOptions
from harness_rl.reward import (
    RewardFunc,
    check_rewards,
    completion_text,
    parse_spec,
    resolve_rewards,
    total,
)

from harness.errors import UserError
from harness.plugins.manager import PluginManager
from harness.schemas import Sample, SolveOutput


def test_parse_spec() -> None:
    assert parse_spec("answer_match") == ("answer_match", 1.0)
    assert parse_spec("boxed_answer:0.25") == ("boxed_answer", 0.25)
    with pytest.raises(UserError, match="weight"):
        parse_spec("boxed_answer:heavy")


def test_unregistered_metric_is_refused_with_suggestions(manager: PluginManager) -> None:
    with pytest.raises(UserError) as e:
        resolve_rewards(["boxed_answr"], manager)
    assert "'boxed_answr' is not registered" in str(e.value)
    assert "Did you mean: boxed_answer" in str(e.value)


def test_non_number_metric_is_refused_before_training(manager: PluginManager) -> None:
    rewards = resolve_rewards(["answer_match", "wordy:2"], manager)
    samples = [Sample(id="q1", input="1+1?", target="2")]
    with pytest.raises(UserError) as e:
        check_rewards(rewards, samples)
    msg = str(e.value)
    assert "'wordy' cannot be a reward" in msg and "'good'" in msg and "q1" in msg


def test_reward_calls_the_registered_metrics_with_weights(manager: PluginManager) -> None:
    rewards = resolve_rewards(["boxed_answer", "answer_match:0.5"], manager)
    check_rewards(rewards, [Sample(id="q", input="x", target="7")])
    s = Sample(id="q", input="What is 3 + 4?", target="7")
    assert total(rewards, s, "so \\boxed{7}") == 1.5  # boxed 1 + answer_match 0.5 x 1
    assert total(rewards, s, "it is 7") == 0.5  # no box; the extracted number matches
    assert total(rewards, s, "\\boxed{8}") == 0.0
    # TRL's call: one function per metric, completions as chat messages, the sample_id column
    funcs = [RewardFunc(r, {"0": s}) for r in rewards]
    completions = [[{"role": "assistant", "content": "\\boxed{7}"}], "\\boxed{6}"]
    assert funcs[0](["p", "p"], completions, sample_id=["0", "0"]) == [1.0, 0.0]
    assert funcs[1].__name__ == "answer_match"


def test_a_metric_failing_on_one_rollout_is_counted_not_fatal(manager: PluginManager) -> None:
    (reward,) = resolve_rewards(["answer_match"], manager)

    class Boom(type(reward.metric)):  # type: ignore[misc]
        def score(self, sample: Sample, output: SolveOutput):  # type: ignore[no-untyped-def]
            raise ValueError("bad rollout")

    reward.metric = Boom()
    assert reward.value(Sample(id="q", input="x", target="1"), "1") is None
    assert reward.errors == 1 and "bad rollout" in (reward.last_error or "")


def test_task_metrics_resolve_by_name(manager: PluginManager) -> None:
    opts = GRPOOptions(task="sanity-arithmetic", limit=3, rewards=["exact_match"])
    samples, task = load_samples(opts, manager)
    assert len(samples) == 3 and task is not None
    (r,) = resolve_rewards(opts.rewards, manager, task)
    s = samples[0]
    assert r.value(s, str(s.target)) == 1.0 and r.value(s, "no") == 0.0


def test_boxed_answer() -> None:
    m = BoxedAnswer()
    s = Sample(id="a", input="?", target="12")
    assert m.score(s, SolveOutput(completion="x \\boxed{12} y \\boxed{13}")).value == 1.0
    assert m.score(s, SolveOutput(completion="\\boxed{12.0}")).value == 1.0
    assert m.score(s, SolveOutput(completion="\\boxed{13} then \\boxed{12}")).value == 0.0
    assert m.score(s, SolveOutput(completion="12")).value == 0.0
    assert first_boxed("\\boxed{\\frac{1}{2}}") == "\\frac{1}{2}"
    assert first_boxed("\\boxed{12") is None


def test_file_without_prompt_field_names_its_fields(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps({"question": "1+1?", "answer": "2"}) + "\n", encoding="utf-8")
    with pytest.raises(UserError) as e:
        load_samples(GRPOOptions(data=str(path)))
    assert "no prompt field 'prompt'" in str(e.value) and "question, answer" in str(e.value)
    samples, _ = load_samples(
        GRPOOptions(data=str(path), prompt_field="question", target_field="answer")
    )
    assert samples[0].input == "1+1?" and samples[0].target == "2"


def test_parquet_and_chat_prompts(tmp_path: Path) -> None:
    from datasets import Dataset

    path = tmp_path / "q.parquet"
    rows = [{"prompt": [{"role": "user", "content": "2+2?"}], "target": "4", "id": "x"}]
    Dataset.from_list(rows).to_parquet(str(path))
    (s,), _ = load_samples(GRPOOptions(data=str(path)))
    assert s.id == "x" and s.target == "4"
    assert chat(s, "Be brief.") == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "2+2?"},
    ]
    assert completion_text([{"role": "assistant", "content": "4"}]) == "4"


def test_presets_fill_only_what_was_not_given() -> None:
    opts = apply_preset(GRPOOptions(data="x.jsonl", preset="paper", max_steps=3))
    assert opts.max_steps == 3  # given: kept
    assert opts.group_size == 32 and opts.beta == 0.001 and opts.learning_rate == 1e-6
    assert opts.max_response_tokens == PRESETS["paper"]["max_response_tokens"]
    cpu = apply_preset(GRPOOptions(data="x.jsonl", preset="cpu"))
    assert cpu.group_size == 4 and cpu.max_steps == 4 and cpu.lora


def test_config_kwargs_cpu_vllm_and_multi_gpu(tmp_path: Path) -> None:
    opts = GRPOOptions(data="x", group_size=4, prompts_per_step=2, beta=0.0, max_steps=3)
    kw = config_kwargs(opts, tmp_path, 7, cuda=False)
    assert kw["num_generations"] == 4 and kw["per_device_train_batch_size"] == 8
    assert kw["use_cpu"] and kw["beta"] == 0.0 and kw["seed"] == 7 and "use_vllm" not in kw
    with pytest.raises(UserError, match="needs a CUDA GPU"):
        config_kwargs(opts.model_copy(update={"use_vllm": True}), tmp_path, 0, cuda=False)
    colo = config_kwargs(
        opts.model_copy(update={"use_vllm": True}), tmp_path, 0, cuda=True, world=2
    )
    assert colo["use_vllm"] and colo["vllm_mode"] == "colocate"
    assert colo["per_device_train_batch_size"] == 4 and not colo["use_cpu"]
    server = opts.model_copy(
        update={"use_vllm": True, "vllm_mode": "server", "vllm_server_url": "http://h:8000"}
    )
    assert config_kwargs(server, tmp_path, 0, cuda=True)["vllm_server_base_url"] == "http://h:8000"
    with pytest.raises(UserError, match="do not split over 3"):
        config_kwargs(opts, tmp_path, 0, cuda=True, world=3)
    # the arguments are accepted by TRL's own config class
    from trl import GRPOConfig

    GRPOConfig(**kw)
    line = launch_line(tmp_path / "run", 4)
    assert line.startswith("torchrun --standalone --nproc_per_node 4 -m harness_rl.launch")
    assert "--config " + str((tmp_path / "run" / "rl_config.json").resolve()) in line
    alt = accelerate_line(tmp_path / "run", 4)
    assert alt.startswith("accelerate launch --multi_gpu --num_processes 4 -m harness_rl.launch")


def test_step_record_from_trl_logs() -> None:
    logs = {
        "reward": 0.5,
        "reward_std": 0.2,
        "kl": 0.01,
        "completions/mean_length": 9.5,
        "frac_reward_zero_std": 0.25,
        "rewards/boxed_answer/mean": 0.5,
    }
    rec = step_record(3, logs, ["boxed_answer"])
    assert rec is not None
    assert rec["mixed_share"] == 0.75 and rec["response_length"] == 9.5 and rec["kl"] == 0.01
    assert rec["rewards"] == {"boxed_answer": 0.5}
    assert step_record(3, {"train_runtime": 1.0}, []) is None


def test_registrations(harness_conformance) -> None:  # type: ignore[no-untyped-def]
    reg = harness_conformance.check_plugin("rl")
    assert reg == {
        "generators": ["rl-diagnostics"],
        "metrics": ["boxed_answer"],
        "trainers": ["grpo"],
    }
