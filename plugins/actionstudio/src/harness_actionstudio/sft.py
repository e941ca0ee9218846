"""The SFT run: model and tokenizer, LoRA or full fine-tuning through the transformers Trainer
(accelerate underneath: torchrun / accelerate launch / DeepSpeed ZeRO-2/3 scale it out),
checkpoints, resume, the merged model, the run config and the loss curve."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.errors import UserError
from harness_actionstudio import distributed, pipeline
from harness_actionstudio.mixture import interleave, probabilities
from harness_actionstudio.options import TrainOptions
from harness_actionstudio.plot import plot_losses
from harness_actionstudio.templates import CHATML_SPECIAL, choose_template
from harness_actionstudio.unified import UnifiedRecord

Log = Callable[..., None]
Critic = Callable[[list[UnifiedRecord]], list[dict[str, Any]]]


def _nolog(event: str, **fields: Any) -> None:
    return None


def find_checkpoint(path: str) -> Path:
    """The checkpoint to resume from: ``path`` itself, or the newest checkpoint-N under it (or
    under its checkpoints/)."""
    p = Path(path)
    if not p.exists():
        raise UserError(f"resume_from: {p} does not exist")
    if (p / "trainer_state.json").exists():
        return p
    for base in (p / "checkpoints", p):
        found = sorted(
            base.glob("checkpoint-*"),
            key=lambda c: int(c.name.split("-")[-1]) if c.name.split("-")[-1].isdigit() else -1,
        )
        if found:
            return found[-1]
    raise UserError(f"resume_from: no checkpoint-N directory in {p}")


def _base_model(
    opts: TrainOptions,
    out_dir: Path,
    sets: list[pipeline.DataSet],
    seed: int,
    resume: Path | None,
    log: Log,
) -> Path | str:
    if opts.base_model == "smollm2" and not Path("smollm2").exists():
        from harness.backends.hf.smollm2 import smollm2_checkpoint

        return smollm2_checkpoint()
    if opts.base_model != "tiny":
        local = Path(opts.base_model)
        if local.exists() or "/" not in opts.base_model:
            if not local.exists():
                raise UserError(
                    f"base_model: {local} does not exist (a model dir or a hub id "
                    "ORG/NAME, or 'tiny')"
                )
            return local
        return opts.base_model  # a hub id: the user asked for a download
    if resume is not None:
        prior = resume.parent.parent / "base" if resume.parent.name == "checkpoints" else None
        if prior is not None and prior.exists():
            log("tiny_base_reused", path=str(prior))
            return prior
    from harness_actionstudio.tiny import build_tiny_model

    texts = [json.dumps(r.model_dump(), ensure_ascii=False) for s in sets for r in s.records]
    path = build_tiny_model(
        out_dir / "base",
        texts,
        seed=seed,
        hidden=opts.tiny_hidden,
        layers=opts.tiny_layers,
        max_positions=max(4096, opts.max_seq_length),
    )
    log("tiny_base_built", path=str(path))
    return path


def _load_tokenizer(base: Path | str) -> Any:
    from transformers import AutoTokenizer

    try:
        tok = AutoTokenizer.from_pretrained(str(base))
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot load a tokenizer from {base}: {exc}") from None
    return tok


def use_bf16(mode: str) -> bool:
    import torch

    if mode == "true":
        return True
    if mode == "false":
        return False
    return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())


def prepare(
    opts: TrainOptions, out_dir: Path, seed: int, log: Log = _nolog, critic: Critic | None = None
) -> dict[str, Any]:
    """Everything before the model: returns a dict with tokenizer, template, dataset, summary."""
    sources, sets = pipeline.load_sources(opts)
    summary: dict[str, Any] = {"invalid": pipeline.check_invalid(sets, opts.invalid, log)}
    if critic is not None:
        summary["critic"] = _apply_critic(sets, critic, opts, out_dir)
    resume = find_checkpoint(opts.resume_from) if opts.resume_from else None
    if not any(s.records for s in sets):
        pipeline.write_reports(out_dir, sets, {}, [])
        raise UserError(
            f"no usable training records (see rejected.jsonl and verify_report.json in {out_dir})"
        )
    base = _base_model(opts, out_dir, sets, seed, resume, log)
    tokenizer = _load_tokenizer(base)
    template, which = choose_template(tokenizer, opts.chat_template)
    if which == "builtin":
        missing = [t for t in CHATML_SPECIAL if t not in tokenizer.get_vocab()]
        if missing:
            tokenizer.add_special_tokens({"additional_special_tokens": missing})
            log("special_tokens_added", tokens=missing)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenized: dict[str, Any] = {}
    token_info: dict[str, Any] = {}
    for s in sets:
        tokenized[s.name], token_info[s.name] = pipeline.tokenize_set(s, tokenizer, template, opts)
    first = next(v for v in tokenized.values() if v)
    previews = pipeline.previews(tokenizer, first, opts.preview)
    summary.update(pipeline.write_reports(out_dir, sets, token_info, previews))
    summary["chat_template"] = which
    if sources is not None:
        plan = probabilities(sources, {k: len(v) for k, v in tokenized.items()})
        dataset = interleave({k: pipeline.to_hf(v) for k, v in tokenized.items()}, plan, seed)
        summary["mixture"] = plan
    else:
        dataset = pipeline.to_hf(next(iter(tokenized.values())))
    summary["train_examples"] = len(dataset)
    return {
        "tokenizer": tokenizer,
        "template": template,
        "dataset": dataset,
        "base": base,
        "resume": resume,
        "summary": summary,
        "previews": previews,
        "added_tokens": which == "builtin",
    }


def _apply_critic(
    sets: list[pipeline.DataSet], critic: Critic, opts: TrainOptions, out_dir: Path
) -> dict[str, Any]:
    records = [r for s in sets for r in s.records][: opts.critic_limit]
    verdicts = critic(records)
    with (out_dir / "critic.jsonl").open("w", encoding="utf-8") as f:
        for v in verdicts:
            f.write(json.dumps(v) + "\n")
    scores = [v["score"] for v in verdicts if "score" in v]
    dropped: list[str] = []
    if opts.critic_min_score is not None:
        low = {v["id"] for v in verdicts if "score" in v and v["score"] < opts.critic_min_score}
        dropped = sorted(low)
        for s in sets:
            s.records = [r for r in s.records if r.unique_trajectory_id not in low]
    return {
        "scored": len(scores),
        "errors": len(verdicts) - len(scores),
        "mean_score": sum(scores) / len(scores) if scores else None,
        "dropped": dropped,
    }


def collate(
    pad_id: int, labelled_logits_only: bool = False
) -> Callable[[list[dict[str, Any]]], dict[str, Any]]:
    """Right-padded batches. With ``labelled_logits_only`` the batch also carries
    ``logits_to_keep`` (a boolean mask of the positions whose next token is a label) and
    ``shift_labels`` (those labels, flattened in the same order): the model then projects only
    those positions onto the vocabulary. The loss is the same number (the mean over the same
    labelled tokens); the LM head and the cross-entropy skip the prompts, the tool observations
    and the padding, where most positions of an agent trajectory are."""

    def fn(batch: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        n = max(len(b["input_ids"]) for b in batch)
        ids = torch.full((len(batch), n), pad_id, dtype=torch.long)
        labels = torch.full((len(batch), n), -100, dtype=torch.long)
        mask = torch.zeros((len(batch), n), dtype=torch.long)
        for i, b in enumerate(batch):
            k = len(b["input_ids"])
            ids[i, :k] = torch.tensor(b["input_ids"])
            labels[i, :k] = torch.tensor(b["labels"])
            mask[i, :k] = 1
        out = {"input_ids": ids, "labels": labels, "attention_mask": mask}
        if labelled_logits_only:
            keep = torch.zeros((len(batch), n), dtype=torch.bool)
            keep[:, :-1] = labels[:, 1:] != -100
            out["logits_to_keep"] = keep
            out["shift_labels"] = labels[:, 1:][keep[:, :-1]]
        return out

    return fn


def accepts_logits_mask(model: Any) -> bool:
    """Whether the (LoRA-wrapped or plain) causal LM's forward takes ``logits_to_keep``, as
    transformers' decoder models do; others train on full logits."""
    import inspect

    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return "logits_to_keep" in inspect.signature(base.forward).parameters


def _model(opts: TrainOptions, base: Path | str, tokenizer: Any, added: bool) -> Any:
    from transformers import AutoModelForCausalLM

    try:
        model = AutoModelForCausalLM.from_pretrained(str(base))
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot load a causal LM from {base}: {exc}") from None
    if added and model.get_input_embeddings().weight.shape[0] < len(tokenizer):
        model.resize_token_embeddings(len(tokenizer))
    if opts.gradient_checkpointing:
        model.gradient_checkpointing_enable()
        model.config.use_cache = False
    if opts.lora:
        from peft import LoraConfig, get_peft_model

        present = {n.rsplit(".", 1)[-1] for n, _ in model.named_modules()}
        absent = [t for t in opts.lora_targets if t not in present]
        if absent:
            raise UserError(f"lora_targets {absent} are not modules of {base}")
        cfg = LoraConfig(
            r=opts.lora_r,
            lora_alpha=opts.lora_alpha,
            lora_dropout=opts.lora_dropout,
            target_modules=list(opts.lora_targets),
            task_type="CAUSAL_LM",
        )
        model = get_peft_model(model, cfg)
    return model


def train(
    opts: TrainOptions,
    out_dir: Path,
    seed: int = 0,
    log: Log = _nolog,
    critic: Critic | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """The whole run. Returns the summary written to run.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    prep = prepare(opts, out_dir, seed, log, critic)
    summary = prep["summary"]
    bf16 = use_bf16(opts.bf16)
    ds_file = distributed.deepspeed_config(opts.deepspeed)
    summary["launch"] = distributed.write_launch(out_dir, opts, seed)
    distributed.write_run_config(out_dir, opts, seed, {**summary, "bf16": bf16})
    if opts.verify_only:
        print("".join(prep["previews"]))
        summary["verify_only"] = True
        return summary

    from transformers import Trainer, TrainerCallback, TrainingArguments, set_seed

    set_seed(seed)
    tokenizer = prep["tokenizer"]
    model = _model(opts, prep["base"], tokenizer, prep["added_tokens"])
    dataset = prep["dataset"]
    per_step = opts.batch_size * opts.grad_accum * max(1, int(os.environ.get("WORLD_SIZE", 1)))
    total = (
        opts.max_steps
        if opts.max_steps > 0
        else max(
            1, int(len(dataset) * (opts.epochs if "mixture" not in summary else 1) // per_step)
        )
    )
    args = TrainingArguments(
        output_dir=str(out_dir / "checkpoints"),
        per_device_train_batch_size=opts.batch_size,
        gradient_accumulation_steps=opts.grad_accum,
        learning_rate=opts.learning_rate,
        weight_decay=opts.weight_decay,
        warmup_steps=min(opts.warmup_steps, total // 10),
        lr_scheduler_type="cosine_with_min_lr",
        lr_scheduler_kwargs={"min_lr": opts.min_lr},
        num_train_epochs=opts.epochs if "mixture" not in summary else 1.0,
        max_steps=opts.max_steps,
        logging_steps=1,
        save_strategy="steps",
        save_steps=opts.save_steps,
        save_total_limit=opts.save_total_limit,
        bf16=bf16,
        deepspeed=str(ds_file) if ds_file else None,
        seed=seed,
        data_seed=seed,
        report_to="none",
        disable_tqdm=not progress,
        dataloader_num_workers=0,
        remove_unused_columns=False,
        use_cpu=not _cuda(),
    )
    history: list[dict[str, Any]] = []

    class _Log(TrainerCallback):
        def on_log(self, a: Any, state: Any, control: Any, logs: Any = None, **kw: Any) -> None:
            if logs and "loss" in logs:
                row = {
                    "step": state.global_step,
                    "loss": float(logs["loss"]),
                    "lr": float(logs.get("learning_rate", 0.0)),
                }
                history.append(row)
                log("train_step", **row)

    tokenizer.chat_template = prep["template"]  # every checkpoint-N evaluates as it trained
    trainer = Trainer(
        model=model,
        args=args,
        processing_class=tokenizer,
        train_dataset=dataset,
        data_collator=collate(tokenizer.pad_token_id, accepts_logits_mask(model)),
        callbacks=[_Log()],
    )
    resume = prep["resume"]
    t1 = time.perf_counter()
    result = trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    train_seconds = time.perf_counter() - t1
    trainer.save_state()
    final = save_final(trainer.model, tokenizer, prep["template"], out_dir, opts)
    (out_dir / "loss_history.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in history), encoding="utf-8"
    )
    if history and distributed.is_main():
        plot_losses(history, out_dir / "loss_curve.png")
    summary.update(
        {
            "global_step": trainer.state.global_step,
            "resumed_from": str(resume) if resume else None,
            "steps_this_run": len(history),
            "first_loss": history[0]["loss"] if history else None,
            "last_loss": history[-1]["loss"] if history else None,
            "train_loss": float(result.training_loss),
            "train_seconds": round(train_seconds, 2),
            "total_seconds": round(time.perf_counter() - t0, 2),
            "bf16": bf16,
            "lora": opts.lora,
            "checkpoint": str(final),
            "eval_model": f"hf/{final}",
        }
    )
    distributed.write_run_config(out_dir, opts, seed, summary)
    return summary


def _cuda() -> bool:
    import torch

    return bool(torch.cuda.is_available())


def save_final(
    model: Any, tokenizer: Any, template: str, out_dir: Path, opts: TrainOptions
) -> Path:
    """final/: a plain transformers model dir (LoRA merged in) + tokenizer carrying the chat
    template used in training, loadable by the core's ``hf/`` backend. LoRA runs also keep the
    adapter alone in adapter/."""
    final = out_dir / "final"
    if not distributed.is_main():
        return final
    tokenizer.chat_template = template
    if opts.lora:
        model.save_pretrained(out_dir / "adapter")
        tokenizer.save_pretrained(out_dir / "adapter")
        if not opts.merge_lora:
            return out_dir / "adapter"
        model = model.merge_and_unload()
    im_end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    eos = {
        x
        for x in (tokenizer.eos_token_id, im_end if isinstance(im_end, int) else None)
        if x is not None and x != tokenizer.unk_token_id
    }
    if eos and getattr(model, "generation_config", None) is not None:
        model.generation_config.eos_token_id = sorted(eos)
        model.generation_config.pad_token_id = tokenizer.pad_token_id
    model.save_pretrained(final)
    tokenizer.save_pretrained(final)
    return final
