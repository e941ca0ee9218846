"""The trainer's options (``harness train actionstudio --flag`` / ``-T key=value``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TrainOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    data: list[str] = Field(default_factory=list, description="Trajectory files (JSONL/JSON).")
    format: str = Field(
        default="auto",
        description="auto, trajectory, unified, tau-bench, bfcl, openai or sharegpt.",
    )
    tools_file: str | None = Field(default=None, description="Tool specs for tau-bench data.")
    answers_file: str | None = Field(default=None, description="BFCL ground truth by id.")
    mixture: str | None = Field(default=None, description="Mixture config: name: {size, epochs}.")
    base_model: str = Field(
        default="smollm2",
        description="Model dir or hub id; 'smollm2' (default): the embedded SmolLM2-135M-Instruct "
        "(its Q4_1 GGUF dequantised); 'tiny' builds a 2-layer random Llama locally (tests).",
    )
    lora: bool = Field(default=False, description="Train LoRA adapters instead of all weights.")
    lora_r: int = Field(default=32, ge=1, description="LoRA rank.")
    lora_alpha: int = Field(default=64, ge=1, description="LoRA alpha.")
    lora_dropout: float = Field(default=0.05, ge=0, lt=1, description="LoRA dropout.")
    lora_targets: list[str] = Field(
        default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"],
        description="Modules LoRA adapts.",
    )
    merge_lora: bool = Field(default=True, description="Save a merged model in final/.")
    chat_template: Literal["auto", "model", "builtin"] = Field(
        default="auto",
        description="auto: the model's if it renders tools, else the shipped "
        "tool-aware ChatML; model: the model's or stop; builtin.",
    )
    system_prompt: Literal["auto", "system", "task_instruction", "both"] = Field(
        default="auto",
        description="What the system message holds (auto: the record's system "
        "prompt, else its task instruction).",
    )
    max_seq_length: int = Field(
        default=8192,
        ge=16,
        description="Longest example, in tokens (APIGen-MT retail prompts are ~4k).",
    )
    invalid: Literal["error", "drop"] = Field(
        default="error",
        description="Trajectories that fail conversion or verification: error stops with the "
        "count and the first bad record; drop trains without them (count recorded).",
    )
    overlong: Literal["drop", "error"] = Field(
        default="drop", description="Longer examples: drop or stop."
    )
    epochs: float = Field(default=1.0, gt=0, description="Passes over the data (no mixture).")
    max_steps: int = Field(default=-1, description="Optimizer steps; -1 = from epochs.")
    batch_size: int = Field(default=4, ge=1, description="Examples per device per step.")
    grad_accum: int = Field(default=1, ge=1, description="Gradient accumulation steps.")
    learning_rate: float = Field(default=1e-4, gt=0, description="Peak learning rate.")
    warmup_steps: int = Field(
        default=100, ge=0, description="Warm-up steps (capped at a tenth of the run)."
    )
    min_lr: float = Field(default=1e-6, ge=0, description="Cosine schedule floor.")
    weight_decay: float = Field(default=0.01, ge=0, description="AdamW weight decay.")
    save_steps: int = Field(default=50, ge=1, description="Checkpoint every N steps.")
    save_total_limit: int = Field(default=3, ge=1, description="Checkpoints kept.")
    resume_from: str | None = Field(
        default=None, description="A previous run dir or checkpoint dir to continue from."
    )
    bf16: Literal["auto", "true", "false"] = Field(
        default="auto", description="auto: bf16 where the GPU has it."
    )
    deepspeed: Literal["none", "zero2", "zero3", "zero3_offload"] = Field(
        default="none", description="DeepSpeed ZeRO config (needs GPUs and the extra)."
    )
    gradient_checkpointing: bool = Field(default=False, description="Trade compute for memory.")
    num_gpus: int = Field(default=0, ge=0, description="GPUs for the launch line (0: detect).")
    verify_only: bool = Field(default=False, description="Check and preview the data, no train.")
    preview: int = Field(default=2, ge=0, description="Examples to preview decoded.")
    critic: bool = Field(default=False, description="Score trajectories with the critic role.")
    critic_limit: int | None = Field(
        default=None, ge=1, description="Most trajectories the critic reads (default: all)."
    )
    critic_min_score: int | None = Field(
        default=None, ge=1, le=5, description="Drop trajectories the critic scores lower."
    )
    tiny_hidden: int = Field(default=64, ge=8, description="Hidden size of the tiny model.")
    tiny_layers: int = Field(default=2, ge=1, description="Layers of the tiny model.")
