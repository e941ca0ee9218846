"""Prompts for GRPO and the diagnostics: core :class:`~harness.schemas.Sample` objects read from a
file through ``datasets`` (JSONL, JSON, parquet; a generator's output file works) or taken from a
registered task's ``samples()``.

Every prompt keeps its whole sample (id, input, target, metadata), so the reward metrics score a
rollout exactly as they score a solved sample in ``harness run``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.errors import UserError
from harness.schemas import Message, Sample

if TYPE_CHECKING:
    from harness.plugins.manager import PluginManager
    from harness.task import Task
    from harness_rl.options import PromptSource

FORMATS = {".jsonl": "json", ".json": "json", ".parquet": "parquet"}


def load_samples(
    src: PromptSource, manager: PluginManager | None = None
) -> tuple[list[Sample], Task | None]:
    """The prompts as samples, and the task they came from (None for a file)."""
    if (src.data is None) == (src.task is None):
        raise UserError("give the prompts as exactly one of --data FILE or --task NAME")
    if src.task is not None:
        task = load_task(src.task, src.task_options, manager)
        samples = list(task.samples())
        out = samples[: src.limit] if src.limit else samples
        if not out:
            raise UserError(f"task '{src.task}' has no samples")
        return out, task
    assert src.data is not None
    return read_file(Path(src.data), src), None


def load_task(name: str, options: dict[str, Any], manager: PluginManager | None) -> Task:
    from harness.plugins.manager import get_manager
    from harness.plugins.taskfiles import resolve_task

    return resolve_task(name, options, manager or get_manager())


def read_file(path: Path, src: PromptSource) -> list[Sample]:
    """Read ``path`` with ``datasets``; each record becomes a Sample (prompt field -> input)."""
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise UserError(f"--data {path}: give a .jsonl, .json or .parquet file")
    if not path.is_file():
        raise UserError(f"--data {path}: no such file")
    from datasets import load_dataset

    try:
        ds = load_dataset(kind, data_files=str(path), split="train")
    except Exception as exc:  # datasets raises many types for a malformed file
        raise UserError(f"--data {path}: cannot read it ({type(exc).__name__}: {exc})") from None
    fields = list(ds.column_names)
    if src.prompt_field not in fields:
        raise UserError(
            f"--data {path}: records have no prompt field '{src.prompt_field}'; their fields "
            f"are: {', '.join(fields) or '(none)'} (choose one with --prompt-field)"
        )
    rows = ds.select(range(min(src.limit, len(ds)))) if src.limit else ds
    out = []
    for i, row in enumerate(rows):
        out.append(to_sample(dict(row), i, src, path))
    if not out:
        raise UserError(f"--data {path}: no records")
    return out


def to_sample(row: dict[str, Any], index: int, src: PromptSource, path: Path) -> Sample:
    prompt = row.get(src.prompt_field)
    where = f"--data {path}: record {index}"
    if isinstance(prompt, str):
        if not prompt.strip():
            raise UserError(f"{where}: field '{src.prompt_field}' is empty")
        inp: str | list[Message] = prompt
    elif isinstance(prompt, list) and prompt:
        try:
            inp = [Message.model_validate(m) for m in prompt]
        except Exception as exc:
            raise UserError(
                f"{where}: field '{src.prompt_field}' is a list but not chat messages ({exc})"
            ) from None
    else:
        raise UserError(
            f"{where}: field '{src.prompt_field}' must be a string or chat messages, "
            f"got {type(prompt).__name__}"
        )
    ident = row.get(src.id_field)
    meta = {
        k: v
        for k, v in row.items()
        if k not in (src.prompt_field, src.target_field, src.id_field) and _plain(v)
    }
    return Sample(
        id=str(ident) if ident is not None else str(index),
        input=inp,
        target=row.get(src.target_field),
        metadata=meta,
    )


def _plain(v: Any) -> bool:
    try:
        json.dumps(v)
    except TypeError:
        return False
    return True


def chat(sample: Sample, system_prompt: str | None) -> list[dict[str, str]]:
    """The sample's input as chat messages (role/content dicts) for a chat template."""
    if isinstance(sample.input, str):
        msgs = [{"role": "user", "content": sample.input}]
    else:
        msgs = [{"role": m.role, "content": m.content} for m in sample.input]
    if system_prompt and not (msgs and msgs[0]["role"] == "system"):
        msgs.insert(0, {"role": "system", "content": system_prompt})
    return msgs
