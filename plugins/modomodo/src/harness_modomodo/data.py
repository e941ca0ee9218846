"""The paper's five datasets from a user's local copies, read through HF ``datasets``, and the
conversion of any :class:`Example` to a harness :class:`Sample`.

Nothing is downloaded: ``path`` is a local file (``.parquet``, ``.json``, ``.jsonl``, ``.csv``), a
folder of such files, or a folder written by ``Dataset.save_to_disk``. Each source names the
columns it needs, with the aliases the public copies use; a copy without one of them is one clear
error naming the missing columns and the columns it has. An image is a path (relative to the data
file's folder) that must exist, or embedded bytes (a ``datasets.Image`` column), which are written
once under the image cache by content hash.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import UserError
from harness.schemas import Sample
from harness_modomodo.schemas import Example


@dataclass(frozen=True)
class SourceSpec:
    """One of the paper's datasets: its answer type and the columns it reads (aliases in order)."""

    answer_type: str
    question: tuple[str, ...] = ("question", "problem", "prompt", "text", "query")
    answer: tuple[str, ...] = ("answer", "solution", "label")
    image: tuple[str, ...] = ("image", "image_path", "img", "file_name", "path")
    choices: tuple[str, ...] | None = None


_BOX_ANSWER = ("bbox", "box", "bbox_2d", "solution", "answer")
_CHOICES = ("choices", "options")
SOURCES: dict[str, SourceSpec] = {
    "coco": SourceSpec("box", answer=_BOX_ANSWER),
    "lisa": SourceSpec("box", answer=_BOX_ANSWER),
    "geoqa": SourceSpec("number"),
    "sat": SourceSpec("choice", choices=_CHOICES),
    "scienceqa": SourceSpec("choice", choices=_CHOICES),
}


def read_table(path: Path) -> Any:
    """A local table as a ``datasets.Dataset`` (never a download)."""
    import datasets

    if not path.exists():
        raise UserError(f"{path}: no such file or folder")
    if path.is_dir() and ((path / "dataset_info.json").exists() or (path / "state.json").exists()):
        return datasets.load_from_disk(str(path))
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    by_fmt: dict[str, list[str]] = {}
    for f in files:
        fmt = {".parquet": "parquet", ".json": "json", ".jsonl": "json", ".csv": "csv"}.get(
            f.suffix.lower()
        )
        if fmt:
            by_fmt.setdefault(fmt, []).append(str(f))
    if len(by_fmt) != 1:
        raise UserError(
            f"{path}: expected .parquet, .json, .jsonl or .csv files of one format "
            f"(found {sorted(by_fmt) or 'none'})"
        )
    ((fmt, names),) = by_fmt.items()
    return datasets.load_dataset(fmt, data_files={"train": names}, split="train")


def _column(columns: list[str], aliases: tuple[str, ...]) -> str | None:
    return next((a for a in aliases if a in columns), None)


def load_source(
    name: str, path: str | Path, limit: int | None = None, image_cache: Path | None = None
) -> list[Example]:
    """The rows of the user's copy of dataset ``name`` (coco, lisa, geoqa, sat, scienceqa)."""
    if name not in SOURCES:
        raise UserError(f"unknown dataset '{name}'; known: {', '.join(SOURCES)}")
    spec = SOURCES[name]
    path = Path(path)
    table = read_table(path)
    columns = list(table.column_names)
    want = {"question": spec.question, "answer": spec.answer, "image": spec.image}
    if spec.choices:
        want["choices"] = spec.choices
    found = {k: _column(columns, v) for k, v in want.items()}
    missing = [f"{k} (one of {', '.join(want[k])})" for k, v in found.items() if v is None]
    if missing:
        raise UserError(
            f"{path}: dataset '{name}' lacks the column(s) {'; '.join(missing)}; "
            f"it has {', '.join(columns)}"
        )
    base = path if path.is_dir() else path.parent
    cache = image_cache or (base / f".{name}-images")
    out: list[Example] = []
    for i, row in enumerate(table):
        if limit is not None and i >= limit:
            break
        where = f"{path} row {i}"
        image, size = _image(row[found["image"]], base, cache, where)
        choices = _choices(row[found["choices"]], where) if spec.choices else None
        answer = _answer(spec.answer_type, row[found["answer"]], size, choices, where)
        out.append(
            Example(
                id=str(row.get("id", f"{name}-{i}")),
                source=name,
                image=image,
                question=str(row[found["question"]]),
                answer=answer,
                answer_type=spec.answer_type,  # type: ignore[arg-type]
                choices=choices,
                image_size=size,
            )
        )
    return out


def _image(value: Any, base: Path, cache: Path, where: str) -> tuple[str, tuple[int, int]]:
    """The image's path (written under ``cache`` when it came as bytes) and its size."""
    from PIL import Image

    if isinstance(value, dict) and value.get("bytes"):
        data = value["bytes"]
    elif hasattr(value, "save"):  # a decoded PIL image
        import io

        buf = io.BytesIO()
        value.save(buf, format="PNG")
        data = buf.getvalue()
    else:
        rel = value.get("path") if isinstance(value, dict) else value
        if not isinstance(rel, str) or not rel:
            raise UserError(f"{where}: field 'image' is {value!r}, not a path or image bytes")
        p = Path(rel) if Path(rel).is_absolute() else base / rel
        if not p.is_file():
            raise UserError(f"{where}: field 'image': {p} does not exist")
        with Image.open(p) as im:
            return str(p), im.size
    cache.mkdir(parents=True, exist_ok=True)
    p = cache / f"{hashlib.sha256(data).hexdigest()[:32]}.png"
    if not p.exists():
        p.write_bytes(data)
    with Image.open(p) as im:
        return str(p), im.size


def _choices(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise UserError(f"{where}: field 'choices' is not a list: {value!r}") from None
    if not isinstance(value, list) or not value:
        raise UserError(f"{where}: field 'choices' is not a non-empty list: {value!r}")
    return [str(c) for c in value]


def _answer(kind: str, value: Any, size: tuple[int, int], choices: Any, where: str) -> Any:
    from harness_modomodo.metrics import gold_letter, parse_box, parse_number, to_pixels

    if kind == "box":
        if isinstance(value, list | tuple) and len(value) == 4:
            box, fmt = [float(v) for v in value], "list"
        else:
            got = parse_box(str(value))
            if got is None:
                raise UserError(f"{where}: field 'answer' has no box: {value!r}")
            box, fmt = got
        return to_pixels(box, fmt, size)
    if kind == "number":
        if parse_number(str(value)) is None:
            raise UserError(f"{where}: field 'answer' is not a number: {value!r}")
        return str(value)
    letter = gold_letter(Sample(id=where, input="", target=value, metadata={"choices": choices}))
    if letter not in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[: len(choices)] or len(letter) != 1:
        raise UserError(
            f"{where}: field 'answer' {value!r} is not one of the {len(choices)} options"
        )
    return letter


# ----------------------------------------------------------------------------- samples

INSTRUCTION = (
    "Think it through inside <think></think>, then give only the final answer inside "
    "<answer></answer>."
)


def prompt_text(ex: Example) -> str:
    """The question as the model reads it (options lettered, the answer format asked for)."""
    parts = [ex.question]
    if ex.choices:
        parts.append("\n".join(f"({chr(65 + i)}) {c}" for i, c in enumerate(ex.choices)))
        parts.append("Answer with the option's letter.")
    parts.append(INSTRUCTION)
    return "\n".join(parts)


def to_sample(ex: Example, base: Path | None = None) -> Sample:
    """A harness Sample of the example; ``metadata`` carries what the rewards read and the image
    path (absolute)."""
    image = Path(ex.image)
    if not image.is_absolute() and base is not None:
        image = base / image
    return Sample(
        id=ex.id,
        input=prompt_text(ex),
        target=ex.answer,
        metadata={
            "source": ex.source,
            "image": str(image),
            "answer_type": ex.answer_type,
            "choices": ex.choices,
            "image_size": list(ex.image_size),
        },
    )


def read_examples(path: Path) -> list[Example]:
    """The examples of a ``records.jsonl`` written by :func:`harness_modomodo.synthetic.write_set`
    (or by hand), each checked against the schema; a missing image is an error naming the line."""
    from pydantic import ValidationError

    out: list[Example] = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            ex = Example.model_validate_json(line)
        except ValidationError as exc:
            raise UserError(
                f"{path} line {n}: {exc.errors()[0]['msg']} at "
                f"{'.'.join(map(str, exc.errors()[0]['loc']))}"
            ) from None
        img = Path(ex.image) if Path(ex.image).is_absolute() else path.parent / ex.image
        if not img.is_file():
            raise UserError(f"{path} line {n} ({ex.id}): field 'image': {img} does not exist")
        out.append(ex)
    return out
