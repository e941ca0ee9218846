"""Options of ``harness train grpo`` and ``harness generate rl-diagnostics``, and the presets.

A preset fills the options the user did not give (``--preset cpu`` or ``--preset paper``); what
the user gave wins. The run records the preset and every resolved value in ``rl_config.json``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# The behavior-injection paper's GRPO settings (arXiv 2505.18917, its released run scripts):
# lr 1e-6, 32 prompts x 32 rollouts a step, KL 0.001, responses up to 2560 tokens, 200 steps.
PRESETS: dict[str, dict[str, Any]] = {
    "cpu": {
        "group_size": 4,
        "prompts_per_step": 2,
        "max_response_tokens": 32,
        "max_steps": 4,
        "learning_rate": 1e-5,
        "beta": 0.04,
        "lora": True,
        "save_steps": 2,
    },
    "paper": {
        "group_size": 32,
        "prompts_per_step": 32,
        "max_response_tokens": 2560,
        "max_steps": 200,
        "learning_rate": 1e-6,
        "beta": 0.001,
        "lora": False,
        "temperature": 1.0,
        "save_steps": 50,
        "bf16": "auto",
    },
}


class PromptSource(BaseModel):
    """Where prompts come from: a file (JSONL, JSON or parquet, read by ``datasets``) or a
    registered task's samples."""

    model_config = ConfigDict(extra="forbid")

    data: str | None = Field(
        default=None,
        description="Prompt file: .jsonl/.json/.parquet (a generator's output works), one "
        "record a prompt.",
    )
    task: str | None = Field(
        default=None, description="A registered task whose samples are the prompts."
    )
    task_options: dict[str, Any] = Field(
        default_factory=dict, description="Options of that task (-T task_options='{...}')."
    )
    prompt_field: str = Field(
        default="prompt", description="The record's prompt field (a string or chat messages)."
    )
    target_field: str = Field(
        default="target", description="The record's reference-answer field (given to metrics)."
    )
    id_field: str = Field(default="id", description="The record's id field (else its index).")
    image_field: str = Field(
        default="image",
        description="The record's image field, if it has one: an image file (a path relative to "
        "the data file's folder, or absolute) shown before the prompt's text.",
    )
    limit: int | None = Field(default=None, ge=1, description="Only the first N prompts.")
    system_prompt: str | None = Field(
        default=None, description="A system message put before every prompt."
    )
    rewards: list[str] = Field(
        default_factory=lambda: ["answer_match"],
        description="Reward metrics, each NAME or NAME:WEIGHT (any registered metric, or one of "
        "the task's own metrics).",
    )

    @field_validator("rewards")
    @classmethod
    def _some_reward(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("give at least one reward metric")
        return v


class GRPOOptions(PromptSource):
    preset: Literal["none", "cpu", "paper"] = Field(
        default="none", description="Fill options not given: cpu (toy scale) or paper (GPUs)."
    )
    base_model: str = Field(
        default="smollm2",
        description="'smollm2' (the embedded SmolLM2-135M-Instruct), a checkpoint dir, a "
        "training run dir, a hub id (downloads), 'tiny' (a random 2-layer model, tests) or "
        "'tiny-vlm' (a random tiny vision-language model, for image prompts in tests).",
    )
    group_size: int = Field(default=4, ge=2, description="Rollouts per prompt (GRPO's G).")
    prompts_per_step: int = Field(default=2, ge=1, description="Prompts per optimizer step.")
    beta: float = Field(default=0.04, ge=0, description="KL coefficient to the reference model.")
    learning_rate: float = Field(default=1e-5, gt=0, description="Learning rate.")
    lora: bool = Field(default=True, description="Train LoRA adapters (false: all weights).")
    lora_r: int = Field(default=16, ge=1, description="LoRA rank.")
    lora_alpha: int = Field(default=32, ge=1, description="LoRA alpha.")
    lora_targets: list[str] = Field(
        default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"],
        description="Modules LoRA adapts.",
    )
    max_response_tokens: int = Field(default=64, ge=1, description="Longest rollout, in tokens.")
    max_steps: int = Field(default=4, ge=1, description="Optimizer steps.")
    temperature: float = Field(default=1.0, gt=0, description="Rollout sampling temperature.")
    loss_type: Literal["dapo", "grpo", "dr_grpo", "bnpo"] = Field(
        default="dapo",
        description="TRL's loss aggregation: dapo (token mean over the batch, TRL's default), "
        "grpo (per-sequence mean), dr_grpo, bnpo.",
    )
    save_steps: int = Field(default=2, ge=1, description="Checkpoint every N steps.")
    resume_from: str | None = Field(
        default=None, description="A previous grpo run dir or checkpoint-N dir to continue."
    )
    bf16: Literal["auto", "true", "false"] = Field(
        default="false", description="bf16 training (auto: where the GPU has it)."
    )
    use_vllm: bool = Field(default=False, description="Rollouts through vLLM (GPU, trl[vllm]).")
    vllm_mode: Literal["colocate", "server"] = Field(
        default="colocate",
        description="colocate: vLLM in the training process; server: `trl vllm-serve` elsewhere.",
    )
    vllm_server_url: str | None = Field(default=None, description="vLLM server base URL.")
    vllm_gpu_memory: float = Field(
        default=0.3, gt=0, le=1, description="GPU memory share of colocated vLLM."
    )
    num_gpus: int = Field(default=0, ge=0, description="GPUs for the launch line (0: detect).")
    tiny_hidden: int = Field(default=32, ge=8, description="Hidden size of the 'tiny' base.")
    threads: int | None = Field(default=None, ge=1, description="CPU threads for torch.")


class DiagnosticsOptions(PromptSource):
    rollouts: int = Field(default=8, ge=1, description="Rollouts per query (the paper: 32).")
    temperature: float = Field(default=1.0, ge=0, description="Rollout sampling temperature.")
    max_tokens: int = Field(default=64, ge=1, description="Longest rollout, in tokens.")
    threshold: float = Field(
        default=0.5, description="A rollout counts as correct when its reward exceeds this."
    )
    from_run: str | None = Field(
        default=None,
        description="Instead of rolling out: a `harness run ... --epochs N` run dir; its epochs "
        "are the rollouts and `rewards` its metrics.",
    )
    grad_model: str | None = Field(
        default=None,
        description="For co-influence: a transformers checkpoint, run dir, LoRA adapter or "
        "'smollm2' whose gradients are taken (unset: no co-influence).",
    )
    grad_params: Literal["lora", "last_layer"] = Field(
        default="lora", description="Gradients on fresh/trained LoRA params or the LM head."
    )
    pairs: int = Field(default=32, ge=1, description="Rollout pairs sampled for co-influence.")
    lora_r: int = Field(default=8, ge=1, description="Rank of the fresh LoRA (grad_params=lora).")
