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
from harness.schemas import ImagePart, Message, Sample, TextPart, has_images

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
    image = row.get(src.image_field)
    if image is not None:
        inp = _with_image(inp, image, where, src.image_field, path.parent)
    ident = row.get(src.id_field)
    skip = (src.prompt_field, src.target_field, src.id_field, src.image_field)
    meta = {k: v for k, v in row.items() if k not in skip and _plain(v)}
    return Sample(
        id=str(ident) if ident is not None else str(index),
        input=inp,
        target=row.get(src.target_field),
        metadata=meta,
    )


def _with_image(
    inp: str | list[Message], image: Any, where: str, field: str, folder: Path
) -> list[Message]:
    """The prompt with the record's image before the text of its first user turn."""
    if not isinstance(image, str) or not image:
        raise UserError(f"{where}: field '{field}' must be an image file's path")
    file = Path(image).expanduser()
    if not file.is_absolute() and not file.exists():
        file = folder / file
    try:
        part = ImagePart(path=str(file))
    except ValueError as exc:
        msg = str(exc.errors()[0]["msg"]) if hasattr(exc, "errors") else str(exc)
        raise UserError(f"{where}: field '{field}': {msg.removeprefix('Value error, ')}") from None
    msgs = [Message(role="user", content=inp)] if isinstance(inp, str) else list(inp)
    for i, m in enumerate(msgs):
        if m.role == "user":
            rest = [TextPart(text=m.content)] if isinstance(m.content, str) else m.content
            msgs[i] = m.model_copy(update={"content": [part, *rest]})
            return msgs
    raise UserError(f"{where}: the prompt has no user turn to put the image in")


def _plain(v: Any) -> bool:
    try:
        json.dumps(v)
    except TypeError:
        return False
    return True


def chat(sample: Sample, system_prompt: str | None) -> list[dict[str, Any]]:
    """The sample's input as chat messages (role/content dicts) for a chat template. Text only:
    image parts are left out (see :func:`vision_chat`)."""
    if isinstance(sample.input, str):
        msgs = [{"role": "user", "content": sample.input}]
    else:
        msgs = [{"role": m.role, "content": m.text} for m in sample.input]
    if system_prompt and not (msgs and msgs[0]["role"] == "system"):
        msgs.insert(0, {"role": "system", "content": system_prompt})
    return msgs


def vision_chat(
    sample: Sample, system_prompt: str | None
) -> tuple[list[dict[str, Any]], list[Any]]:
    """The sample's input for a vision-language policy, as TRL takes it: every content a list
    of parts, ``{"type": "image"}`` where an image stands (TRL fills them in order from the
    images), and the images as RGB PIL images."""
    from harness.backends.hf.tools import pil_image

    msgs: list[dict[str, Any]] = []
    images: list[Any] = []
    source = (
        [Message(role="user", content=sample.input)]
        if isinstance(sample.input, str)
        else sample.input
    )
    if system_prompt and not (source and source[0].role == "system"):
        msgs.append({"role": "system", "content": [{"type": "text", "text": system_prompt}]})
    for m in source:
        parts: list[dict[str, Any]] = []
        for p in [TextPart(text=m.content)] if isinstance(m.content, str) else m.content:
            if isinstance(p, TextPart):
                parts.append({"type": "text", "text": p.text})
            else:
                parts.append({"type": "image", "text": None})
                images.append(pil_image(p))
        msgs.append({"role": m.role, "content": parts})
    return msgs, images


def any_images(samples: list[Sample]) -> bool:
    return any(has_images(s.input) for s in samples)
