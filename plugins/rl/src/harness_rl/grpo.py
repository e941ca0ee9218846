"""The GRPO run on TRL's ``GRPOTrainer``: options to a ``GRPOConfig``, the base model, the reward
functions, per-step logs and plot, checkpoints (``checkpoints/checkpoint-N``, resumable) and the
merged model in ``final/`` that ``harness run ... --model hf/<run dir>`` loads.

Rollouts run through transformers' ``generate`` (CPU or GPU; every rollout from its own random
stream, so one process and N sample the same rollouts: ``rollout_seeds``) or, with
``--use-vllm``, through vLLM (colocated in the training process or a ``trl vllm-serve`` server).
Several processes: the run writes ``launch.sh`` (``torchrun --nproc_per_node N -m
harness_rl.launch ...``, or the ``accelerate launch`` line beside it on GPUs); every rank rebuilds
the same run from ``rl_config.json``.
"""

from __future__ import annotations

import json
import os
import shlex
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.errors import UserError
from harness_rl.data import any_images, chat, load_samples, vision_chat
from harness_rl.options import PRESETS, GRPOOptions
from harness_rl.reward import RewardFunc, check_rewards, resolve_rewards
from harness_rl.rollout_seeds import seed_rollouts

if TYPE_CHECKING:
    from harness.plugins.manager import PluginManager

Log = Callable[..., None]
STEP_FIELDS = ("reward", "reward_std", "kl", "response_length", "mixed_share")


def _nolog(event: str, **fields: Any) -> None:
    return None


def is_main() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


def apply_preset(opts: GRPOOptions) -> GRPOOptions:
    """``opts`` with the preset's values for every option the user did not set."""
    if opts.preset == "none":
        return opts
    given = opts.model_fields_set
    update = {k: v for k, v in PRESETS[opts.preset].items() if k not in given}
    return opts.model_copy(update=update)


def find_checkpoint(path: str) -> Path:
    """``path`` itself when it is a checkpoint-N, else the newest one of a grpo run dir."""
    p = Path(path)
    if not p.exists():
        raise UserError(f"--resume-from {p} does not exist")
    if (p / "trainer_state.json").exists():
        return p
    found = [c for c in (p / "checkpoints").glob("checkpoint-*") if c.name[11:].isdigit()]
    if not found:
        raise UserError(f"--resume-from {p}: no checkpoints/checkpoint-N in it")
    return max(found, key=lambda c: int(c.name[11:]))


def run_dir_of(checkpoint: Path) -> Path:
    return checkpoint.parent.parent if checkpoint.parent.name == "checkpoints" else checkpoint


def base_model(opts: GRPOOptions, out_dir: Path, seed: int, resume: Path | None) -> Path | str:
    """The weights training starts from (a directory, or a hub id the user named)."""
    if opts.base_model == "smollm2" and not Path("smollm2").exists():
        from harness.backends.hf.smollm2 import smollm2_checkpoint

        return smollm2_checkpoint()
    if opts.base_model == "tiny-vlm":
        if resume is not None and (run_dir_of(resume) / "base" / "config.json").exists():
            return (run_dir_of(resume) / "base").resolve()
        from harness.backends.hf.tiny import build_tiny_vlm_checkpoint

        path = build_tiny_vlm_checkpoint(out_dir / "base", seed=seed, hidden=opts.tiny_hidden)
        return path.resolve()
    if opts.base_model == "tiny":
        if resume is not None and (run_dir_of(resume) / "base" / "config.json").exists():
            # the same random weights the run started from
            return (run_dir_of(resume) / "base").resolve()
        from harness.backends.hf.tiny import build_tiny_checkpoint

        path = build_tiny_checkpoint(out_dir / "base", seed=seed, hidden=opts.tiny_hidden)
        return path.resolve()  # adapters record their base by this path
    local = Path(opts.base_model).expanduser()
    if local.exists():
        from harness.backends.hf.model import checkpoint_dir

        path = checkpoint_dir(local)
        if not (path / "config.json").exists():
            raise UserError(f"--base-model {local}: no config.json (a transformers checkpoint?)")
        return path.resolve()
    if "/" not in opts.base_model:
        raise UserError(
            f"--base-model {opts.base_model}: no such directory (give 'smollm2', 'tiny', a "
            "checkpoint or run dir, or a hub id ORG/NAME)"
        )
    return opts.base_model  # a hub id: the user asked for a download


def use_bf16(mode: str, cuda: bool) -> bool:
    if mode == "auto":
        import torch

        return bool(cuda and torch.cuda.is_bf16_supported())
    return mode == "true"


def world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def config_kwargs(
    opts: GRPOOptions, out_dir: Path, seed: int, *, cuda: bool, world: int = 1, bf16: bool = False
) -> dict[str, Any]:
    """The ``GRPOConfig`` arguments for ``opts`` (pure: tested without a GPU). One optimizer
    step = ``prompts_per_step`` prompts x ``group_size`` rollouts, split over ``world`` ranks."""
    rollouts = opts.group_size * opts.prompts_per_step
    if rollouts % world:
        raise UserError(
            f"group_size x prompts_per_step = {rollouts} rollouts a step do not split over "
            f"{world} processes; make it a multiple of {world}"
        )
    if opts.use_vllm and not cuda:
        raise UserError("--use-vllm needs a CUDA GPU (rollouts on CPU go through transformers)")
    if opts.vllm_mode == "server" and opts.use_vllm and not opts.vllm_server_url:
        raise UserError("--vllm-mode server needs --vllm-server-url (from `trl vllm-serve`)")
    kw: dict[str, Any] = {
        "output_dir": str(out_dir / "checkpoints"),
        "num_generations": opts.group_size,
        "per_device_train_batch_size": rollouts // world,
        "gradient_accumulation_steps": 1,
        "max_completion_length": opts.max_response_tokens,
        "learning_rate": opts.learning_rate,
        "lr_scheduler_type": "constant",
        "beta": opts.beta,
        "temperature": opts.temperature,
        "max_steps": opts.max_steps,
        "save_steps": opts.save_steps,
        "save_total_limit": 3,
        "logging_steps": 1,
        "report_to": "none",
        "seed": seed,
        "data_seed": seed,
        "bf16": bf16,
        "use_cpu": not cuda,
        "disable_tqdm": True,
        "scale_rewards": "group",
        "loss_type": opts.loss_type,
        "shuffle_dataset": True,
    }
    if opts.use_vllm:
        kw["use_vllm"] = True
        kw["vllm_mode"] = opts.vllm_mode
        if opts.vllm_mode == "server":
            kw["vllm_server_base_url"] = opts.vllm_server_url
        else:
            kw["vllm_gpu_memory_utilization"] = opts.vllm_gpu_memory
    return kw


def lora_config(opts: GRPOOptions) -> Any:
    if not opts.lora:
        return None
    from peft import LoraConfig

    return LoraConfig(
        r=opts.lora_r,
        lora_alpha=opts.lora_alpha,
        target_modules=list(opts.lora_targets),
        lora_dropout=0.0,
        task_type="CAUSAL_LM",
    )


def gpu_count(opts: GRPOOptions) -> int:
    if opts.num_gpus:
        return opts.num_gpus
    import torch

    return max(1, torch.cuda.device_count())


def launch_line(out_dir: Path, n: int) -> str:
    """The several-process command: torchrun starts ``n`` ranks (gloo on CPU, NCCL on GPUs), each
    re-reading rl_config.json; accelerate (inside TRL) joins them from torchrun's environment."""
    return f"torchrun --standalone --nproc_per_node {n} {_entry(out_dir)}"


def accelerate_line(out_dir: Path, n: int) -> str:
    """The same on GPUs through ``accelerate launch`` (on CPU, accelerate 1.15 needs mpirun)."""
    return f"accelerate launch --multi_gpu --num_processes {n} {_entry(out_dir)}"


def _entry(out_dir: Path) -> str:
    cfg = shlex.quote(str((out_dir / "rl_config.json").resolve()))
    dest = shlex.quote(str((out_dir.parent / (out_dir.name + "-multiproc")).resolve()))
    return f"-m harness_rl.launch --config {cfg} --out {dest}"


def step_record(step: int, logs: dict[str, Any], reward_names: list[str]) -> dict[str, Any] | None:
    """One line of steps.jsonl from TRL's logged metrics (None for logs that are no step)."""
    if "reward" not in logs:
        return None
    zero_std = logs.get("frac_reward_zero_std")
    rec: dict[str, Any] = {
        "step": step,
        "reward": logs["reward"],
        "reward_std": logs.get("reward_std"),
        "kl": logs.get("kl"),  # TRL computes KL only when beta > 0
        "response_length": logs.get("completions/mean_length"),
        # GRPO learns only from groups whose rollouts differ in reward (scale_rewards=group)
        "mixed_share": None if zero_std is None else 1.0 - float(zero_std),
        "clipped_share": logs.get("completions/clipped_ratio"),
        "loss": logs.get("loss"),
        "grad_norm": logs.get("grad_norm"),
        "learning_rate": logs.get("learning_rate"),
        "entropy": logs.get("entropy"),
        "step_seconds": logs.get("step_time"),
    }
    rec["rewards"] = {n: logs.get(f"rewards/{n}/mean") for n in reward_names}
    from harness_rl.schemas import StepRecord

    return StepRecord.model_validate(rec).model_dump()


def _callback(path: Path, reward_names: list[str], history: list[dict[str, Any]]) -> Any:
    from transformers import TrainerCallback

    class StepLog(TrainerCallback):  # type: ignore[misc]
        def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **_: Any) -> None:
            rec = step_record(state.global_step, dict(logs or {}), reward_names)
            if rec is None or not state.is_world_process_zero:
                return
            history.append(rec)
            with path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(rec) + "\n")

    return StepLog()


def _carry_history(resume: Path | None, path: Path) -> list[dict[str, Any]]:
    """On resume, the earlier run's steps up to the checkpoint start this run's steps.jsonl."""
    if resume is None:
        return []
    old = run_dir_of(resume) / "steps.jsonl"
    state = json.loads((resume / "trainer_state.json").read_text(encoding="utf-8"))
    upto = int(state.get("global_step", 0))
    rows = []
    if old.exists():
        for line in old.read_text(encoding="utf-8").splitlines():
            if line.strip() and json.loads(line)["step"] <= upto:
                rows.append(json.loads(line))
    if is_main():
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return rows


def write_config(out_dir: Path, opts: GRPOOptions, seed: int, extra: dict[str, Any]) -> Path:
    """rl_config.json: the preset, every resolved option (what launch.py re-reads), versions."""
    import trl

    path = out_dir / "rl_config.json"
    if is_main():
        body = {
            "format_version": 1,
            "trainer": "grpo",
            "seed": seed,
            "preset": opts.preset,
            "preset_values": PRESETS.get(opts.preset, {}),
            "options": opts.model_dump(mode="json"),
            "trl_version": trl.__version__,
            **extra,
        }
        path.write_text(json.dumps(body, indent=2, default=str), encoding="utf-8")
    return path


def train(
    opts: GRPOOptions,
    out_dir: Path,
    seed: int = 0,
    manager: PluginManager | None = None,
    log: Log = _nolog,
) -> dict[str, Any]:
    """Run GRPO; returns the summary that goes into run.json."""
    opts = apply_preset(opts)
    # everything a user can get wrong is checked before a model is loaded
    samples, task = load_samples(opts, manager)
    rewards = resolve_rewards(opts.rewards, manager, task)
    check_rewards(rewards, samples)
    resume = find_checkpoint(opts.resume_from) if opts.resume_from else None
    if resume is not None:
        state = json.loads((resume / "trainer_state.json").read_text(encoding="utf-8"))
        if int(state.get("global_step", 0)) >= opts.max_steps:
            raise UserError(
                f"--resume-from {resume} is at step {state.get('global_step')}; "
                f"--max-steps {opts.max_steps} leaves nothing to train"
            )

    import torch

    if opts.threads:
        torch.set_num_threads(opts.threads)
    cuda = torch.cuda.is_available()
    bf16 = use_bf16(opts.bf16, cuda)
    kwargs = config_kwargs(opts, out_dir, seed, cuda=cuda, world=world_size(), bf16=bf16)
    base = base_model(opts, out_dir, seed, resume)
    n = gpu_count(opts) if cuda else 2
    if is_main():
        (out_dir / "launch.sh").write_text(
            "#!/bin/sh\n# The same run on N processes (every rank re-reads rl_config.json; the\n"
            "# step's group_size x prompts_per_step rollouts are split over the ranks).\n"
            f"{launch_line(out_dir, n)}\n# {accelerate_line(out_dir, n)}\n",
            encoding="utf-8",
        )
    write_config(out_dir, opts, seed, {"base_model_path": str(base), "grpo_config": kwargs})
    log("grpo_start", base=str(base), samples=len(samples), resume=str(resume) if resume else None)

    from datasets import Dataset
    from transformers import AutoTokenizer
    from trl import GRPOConfig, GRPOTrainer

    keyed = {str(i): s for i, s in enumerate(samples)}
    vision = any_images(samples)
    if vision:
        from harness.backends.hf.model import is_vision_checkpoint

        if isinstance(base, Path) and not is_vision_checkpoint(base):
            raise UserError(
                f"the prompts hold images but the base model {base} is text-only: give a "
                "vision-language checkpoint (or --base-model tiny-vlm)"
            )
        rows = []
        for k, s in keyed.items():
            prompt, images = vision_chat(s, opts.system_prompt)
            rows.append({"prompt": prompt, "images": images, "sample_id": k})
        dataset = Dataset.from_list(rows)
    else:
        dataset = Dataset.from_list(
            [{"prompt": chat(s, opts.system_prompt), "sample_id": k} for k, s in keyed.items()]
        )
    funcs = [RewardFunc(r, keyed) for r in rewards]
    if vision:  # the processor prepares the images (TRL takes a processor as processing_class)
        from transformers import AutoProcessor

        tok = AutoProcessor.from_pretrained(str(base))
        text_tok = tok.tokenizer
        text_tok.padding_side = "left"  # rollouts are decoded from left-padded prompts
    else:
        tok = text_tok = AutoTokenizer.from_pretrained(str(base))
    if text_tok.pad_token_id is None:
        text_tok.pad_token = text_tok.eos_token
    steps_path = out_dir / "steps.jsonl"
    history = _carry_history(resume, steps_path)
    config = GRPOConfig(**kwargs, reward_weights=[r.weight for r in rewards])
    started = time.perf_counter()
    trainer = GRPOTrainer(
        model=str(base),
        reward_funcs=funcs,  # type: ignore[arg-type]
        args=config,
        train_dataset=dataset,
        processing_class=tok,
        peft_config=lora_config(opts),
        callbacks=[_callback(steps_path, [r.name for r in rewards], history)],
    )
    seeded = None if opts.use_vllm else seed_rollouts(trainer, seed)
    result = trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    seconds = time.perf_counter() - started
    summary: dict[str, Any] = {
        "preset": opts.preset,
        "global_step": trainer.state.global_step,
        "train_seconds": round(seconds, 1),
        "train_loss": result.training_loss,
        "base_model": str(base),
        "lora": opts.lora,
        "resumed_from": str(resume) if resume else None,
        "steps_log": str(steps_path),
        "reward_errors": {r.name: r.errors for r in rewards if r.errors},
        "reward_last_error": {r.name: r.last_error for r in rewards if r.last_error},
        "seeded_generate_calls": seeded["seeded"] if seeded else None,
    }
    if history:
        first, last = history[0], history[-1]
        summary.update({f"first_{k}": first[k] for k in STEP_FIELDS})
        summary.update({f"last_{k}": last[k] for k in STEP_FIELDS})
    if trainer.is_world_process_zero():
        summary["final"] = str(save_final(trainer, tok, out_dir))
        if history:
            from harness_rl.plot import plot_steps

            summary["plot"] = str(plot_steps(history, out_dir / "steps.png"))
    log("grpo_end", **{k: v for k, v in summary.items() if not isinstance(v, dict)})
    return summary


def save_final(trainer: Any, tok: Any, out_dir: Path) -> Path:
    """The trained policy as an ordinary checkpoint in ``final/`` (LoRA merged in), loadable by
    ``hf/``; a LoRA run also keeps its adapter in ``adapter/`` (co-influence reads it)."""
    model = trainer.accelerator.unwrap_model(trainer.model)
    if hasattr(model, "merge_and_unload"):
        model.save_pretrained(out_dir / "adapter")
        tok.save_pretrained(out_dir / "adapter")
        model = model.merge_and_unload()  # training is over: merge in place
    model.save_pretrained(out_dir / "final")
    tok.save_pretrained(out_dir / "final")
    return out_dir / "final"
