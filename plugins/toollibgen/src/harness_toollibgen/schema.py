"""The records ToolLibGen reads and writes, as pydantic models whose JSON Schemas are published
(:func:`schemas`) and checked at every load: a trace, an extracted tool, a rejection, and the
tool library (OpenAI-format tools with their code, and the map from original tools to them)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.errors import UserError

FORMAT_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Trace(_Model):
    """One solved question: the input of extraction and a sample of the evaluation."""

    id: str = Field(description="Stable id, unique within the file.")
    question: str = Field(min_length=1, description="The question as posed.")
    reasoning: str = Field(description="The worked solution (a reasoning trace).")
    answer: str = Field(min_length=1, description="The gold final answer.")
    choices: list[str] | None = Field(
        default=None, description="Options A, B, ... for multiple choice; the answer is a letter."
    )
    quantities: dict[str, Any] = Field(
        default_factory=dict,
        description="Named quantities of the question (used only by scripted test solvers).",
    )


class FunctionSpec(_Model):
    name: str = Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$", description="Function name.")
    description: str = Field(description="What the tool does (the docstring's summary).")
    parameters: dict[str, Any] = Field(description="JSON Schema of the arguments (an object).")


class ToolInfo(_Model):
    """A tool in the OpenAI function-calling format."""

    type: Literal["function"] = Field(default="function", description="Always 'function'.")
    function: FunctionSpec = Field(description="Name, description and parameter schema.")


class ExtractedTool(_Model):
    """A per-question tool that passed the sandbox (stage 1 output, the flat tool set)."""

    id: str = Field(description="Unique id: '<trace id>/<function name>'.")
    trace_id: str = Field(description="The trace it was extracted from.")
    tags: list[str] = Field(default_factory=list, description="Topic tags given by the model.")
    tool_info: ToolInfo = Field(description="The OpenAI tool spec built from signature+docstring.")
    tool_code: str = Field(description="The Python source defining the function.")
    example: dict[str, Any] | None = Field(
        default=None, description="Example arguments from the docstring, executed in the sandbox."
    )
    verdict: Literal["effective", "ineffective", "unverified"] = Field(
        default="unverified", description="The verify step's judgement after the last round."
    )
    refined: int = Field(default=0, description="How many times the tool was rewritten.")


class Rejection(_Model):
    """A tool (or a whole reply) that did not make it, with the stage and the reason."""

    stage: str = Field(description="extract, refine, cluster, implement or review.")
    where: str = Field(description="The trace id or cluster the tool came from.")
    tool: str | None = Field(default=None, description="The function name, when there is one.")
    reason: str = Field(description="Why it was rejected (parse, import, timeout, ...).")


class LibraryTool(_Model):
    """One tool of the library: its spec, its code and the original tools it covers."""

    tool_info: ToolInfo = Field(description="The OpenAI tool spec.")
    tool_code: str = Field(description="Python source defining the function (and its helpers).")
    cluster: str = Field(description="The cluster it was built for ('flat' for per-question).")
    covers: list[str] = Field(description="Ids of the original tools it covers.")
    review: Literal["pass", "need_patching", "unreviewed", "carried"] = Field(
        default="unreviewed",
        description="Last review outcome; 'carried' = an original tool kept unaggregated.",
    )
    patched: int = Field(default=0, description="Times review suggestions were applied.")


class Library(_Model):
    """A tool library file (``library.json``; the flat set is written in the same format)."""

    format_version: Literal[1] = Field(description="Format version, 1.")
    kind: Literal["library", "flat"] = Field(description="Aggregated library or flat tool set.")
    tools: list[LibraryTool] = Field(description="The tools.")
    mapping: dict[str, str | None] = Field(
        description="Original tool id -> covering library tool name (None: dropped)."
    )
    question_tools: dict[str, list[str]] = Field(
        description="Trace id -> its original tool ids (ground truth of Recall@k)."
    )

    def covering(self, trace_id: str) -> list[str]:
        """The library tools covering a question's original tools (Recall@k's ground truth)."""
        names = [self.mapping.get(t) for t in self.question_tools.get(trace_id, [])]
        return list(dict.fromkeys(n for n in names if n))


RECORDS: dict[str, type[BaseModel]] = {
    "trace": Trace,
    "extracted-tool": ExtractedTool,
    "rejection": Rejection,
    "library": Library,
}


def schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schemas of every record this plugin reads or writes."""
    return {name: model.model_json_schema() for name, model in RECORDS.items()}


def _validate(data: Any, kind: str, where: str) -> None:
    import jsonschema

    try:
        jsonschema.validate(data, RECORDS[kind].model_json_schema())
    except jsonschema.ValidationError as exc:
        path = "/".join(str(p) for p in exc.absolute_path) or "(top)"
        raise UserError(f"{where}: not a valid {kind} at {path}: {exc.message}") from None


def load_library(path: str | Path) -> Library:
    """Read a library file, validated against the library schema (one clear error if not)."""
    p = Path(path)
    if p.is_dir():
        p = p / "library.json"
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"tool library {p}: cannot read it ({exc.strerror})") from None
    except ValueError as exc:
        raise UserError(f"tool library {p}: not JSON ({exc})") from None
    _validate(data, "library", f"tool library {p}")
    lib = Library.model_validate(data)
    names = [t.tool_info.function.name for t in lib.tools]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise UserError(f"tool library {p}: tool names repeat: {', '.join(dup)}")
    unknown = sorted({v for v in lib.mapping.values() if v and v not in names})
    if unknown:
        raise UserError(f"tool library {p}: mapping names tools it lacks: {', '.join(unknown)}")
    return lib


def load_traces(path: str | Path) -> list[Trace]:
    """Read a JSON list or JSONL file of traces; a bad record is named with its line/index."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise UserError(f"traces {p}: cannot read it ({exc.strerror})") from None
    rows: list[Any]
    try:
        if text.lstrip().startswith("["):
            rows = json.loads(text)
        else:
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
    except ValueError as exc:
        raise UserError(f"traces {p}: not JSON or JSONL ({exc})") from None
    out: list[Trace] = []
    for i, row in enumerate(rows):
        if isinstance(row, dict) and "id" not in row:
            row = {"id": str(i), **row}
        _validate(row, "trace", f"traces {p}, record {i}")
        out.append(Trace.model_validate(row))
    ids = [t.id for t in out]
    if len(set(ids)) != len(ids):
        raise UserError(f"traces {p}: ids repeat")
    return out


def write_json(path: Path, data: Any) -> None:
    """Write through a temporary file, so a reader never sees half a file."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
    tmp.replace(path)


def write_jsonl(path: Path, rows: list[BaseModel]) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text("".join(r.model_dump_json() + "\n" for r in rows), encoding="utf-8")
    tmp.replace(path)


def read_jsonl(path: Path, kind: str) -> list[Any]:
    model = RECORDS[kind]
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UserError(f"{path}: cannot read it ({exc.strerror})") from None
    out = []
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as exc:
            raise UserError(f"{path}, line {i + 1}: not JSON ({exc})") from None
        _validate(row, kind, f"{path}, line {i + 1}")
        out.append(model.model_validate(row))
    return out
