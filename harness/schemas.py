"""The pydantic models every boundary of the harness speaks.

Everything a plugin exchanges with the core or with another plugin is one of these: a plugin never
imports another plugin's types. Every file the harness writes is one of the ``*File`` models here
(or a JSONL of records), each carrying ``format_version`` so a reader can tell old files from new
ones.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    ValidationError,
    field_serializer,
    field_validator,
    model_serializer,
    model_validator,
)

FORMAT_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


# --------------------------------------------------------------------------- messages and tools


class ToolCall(_Model):
    """One call the model asked for.

    ``arguments`` is the parsed JSON object when it parsed; ``raw_arguments`` keeps the model's
    text verbatim, so a malformed call is recorded, not dropped."""

    id: str = Field(description="Call id, unique within the conversation (the backend's or ours).")
    name: str = Field(description="Function name as the model wrote it.")
    arguments: dict[str, Any] = Field(
        default_factory=dict, description="Arguments parsed as a JSON object; empty if unparsable."
    )
    raw_arguments: str | None = Field(
        default=None, description="The argument text exactly as the model produced it."
    )
    parse_error: str | None = Field(
        default=None,
        description="Why the arguments did not parse as a JSON object, if they did not.",
    )


#: the image formats the harness recognises by their first bytes, and their media types
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
)
_BLOB_REF = re.compile(r"^sha256:[0-9a-f]{64}$")
_DATA_URL = re.compile(r"^data:(image/[A-Za-z0-9.+-]+)?(;[^,;]+=[^,;]*)*;base64,(.*)$", re.S)


def sniff_media_type(head: bytes) -> str | None:
    """``image/png``, ``image/jpeg``, ... from an image's first bytes; None if not recognised."""
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    for magic, media in _MAGIC:
        if head.startswith(magic):
            return media
    return None


class TextPart(_Model):
    """Text inside a message whose content is a list of parts."""

    type: Literal["text"] = Field(default="text", description="Always 'text'.")
    text: str = Field(description="The text.")


class ImagePart(_Model):
    """An image inside a message: exactly one of ``path`` (a local file, which must exist),
    ``data`` (the raw bytes; base64 in JSON), ``url`` (a ``data:image/...;base64,`` URL) or
    ``blob`` (``sha256:<hex>``, the image stored by content hash beside a run: what journals
    write instead of the image itself, see :mod:`harness.blobs`)."""

    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, ser_json_bytes="base64", val_json_bytes="base64"
    )

    type: Literal["image"] = Field(default="image", description="Always 'image'.")
    path: str | None = Field(default=None, description="A local image file.")
    data: bytes | None = Field(default=None, description="The image's bytes (base64 in JSON).")
    url: str | None = Field(default=None, description="A data:image/...;base64, URL.")
    blob: str | None = Field(
        default=None, description="sha256:<hex> of an image stored beside a run (journals)."
    )
    media_type: str | None = Field(
        default=None, description="image/png, image/jpeg, ...; found from the bytes if not given."
    )

    @model_validator(mode="after")
    def _one_source(self) -> ImagePart:
        given = [k for k in ("path", "data", "url", "blob") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "an image part needs exactly one of path, data, url or blob"
                + (f" (got {', '.join(given)})" if given else "")
            )
        if self.path is not None:
            file = Path(self.path).expanduser()
            if not file.is_file():
                raise ValueError(f"image file not found: {self.path}")
            if self.media_type is None:
                with file.open("rb") as fh:
                    self.media_type = self._known_type(fh.read(16), f"image file {self.path}")
        elif self.data is not None:
            if self.media_type is None:
                self.media_type = self._known_type(self.data[:16], "image data")
        elif self.url is not None:
            m = _DATA_URL.match(self.url)
            if m is None:
                raise ValueError(
                    "an image url must be a data:image/...;base64, URL (give a local file as "
                    f"path): {self.url[:60]}"
                )
            try:
                head = base64.b64decode(m.group(3)[:24], validate=False)
            except binascii.Error:
                raise ValueError("an image data URL's payload is not base64") from None
            if self.media_type is None:
                self.media_type = m.group(1) or self._known_type(head, "image data URL")
        elif self.blob is not None and not _BLOB_REF.match(self.blob):
            raise ValueError(f"an image blob is 'sha256:' and 64 hex digits, not {self.blob!r}")
        return self

    @staticmethod
    def _known_type(head: bytes, what: str) -> str:
        media = sniff_media_type(head)
        if media is None:
            raise ValueError(
                f"{what} is not an image format the harness recognises (PNG, JPEG, GIF, WebP, "
                "BMP); give media_type to name it"
            )
        return media

    @model_serializer(mode="wrap")
    def _drop_unset(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> dict[str, Any]:
        out: dict[str, Any] = handler(self)
        return {k: v for k, v in out.items() if v is not None}

    def read_bytes(self, blobs: Path | None = None) -> bytes:
        """The image's bytes. A ``blob`` part needs the folder its run keeps blobs in
        (``<run>/blobs``)."""
        if self.data is not None:
            return self.data
        if self.path is not None:
            return Path(self.path).expanduser().read_bytes()
        if self.url is not None:
            return base64.b64decode(self.url.split(",", 1)[1])
        assert self.blob is not None
        if blobs is None:
            raise ValueError(f"image {self.blob} is stored beside a run: give its blob folder")
        hexdigest = self.blob.split(":", 1)[1]  # the layout of harness.blobs.BlobStore
        try:
            return (Path(blobs) / "sha256" / hexdigest[:2] / hexdigest).read_bytes()
        except FileNotFoundError:
            raise ValueError(f"image {self.blob} is missing from {blobs}") from None

    def data_url(self, blobs: Path | None = None) -> str:
        """The image as a ``data:`` URL (what OpenAI-style APIs take)."""
        if self.url is not None:
            return self.url
        payload = base64.b64encode(self.read_bytes(blobs)).decode("ascii")
        return f"data:{self.media_type or 'image/png'};base64,{payload}"

    def digest(self, blobs: Path | None = None) -> str:
        """``sha256:<hex>`` of the image's bytes (its blob name)."""
        if self.blob is not None:
            return self.blob
        return "sha256:" + hashlib.sha256(self.read_bytes(blobs)).hexdigest()


ContentPart = Annotated[TextPart | ImagePart, Field(discriminator="type")]
"""One part of a message's content: :class:`TextPart` or :class:`ImagePart`."""

_PART_KINDS = ("text", "image")


class Message(_Model):
    """One chat message. ``content`` is text (the common case) or a list of parts, text and
    images (``{"type": "image", "path": ...}``; OpenAI's ``image_url`` parts are accepted and
    read as image parts). Code that needs plain text uses :attr:`text` or :func:`text_of`."""

    role: Literal["system", "user", "assistant", "tool"] = Field(description="Who speaks.")
    content: str | list[ContentPart] = Field(
        default="", description="The text of the message, or a list of text and image parts."
    )
    tool_calls: list[ToolCall] = Field(
        default_factory=list,
        description="Calls an assistant message makes (native function calling).",
    )
    tool_call_id: str | None = Field(
        default=None, description="For role 'tool': the id of the call this message answers."
    )
    name: str | None = Field(default=None, description="For role 'tool': the function's name.")

    @field_validator("content", mode="before")
    @classmethod
    def _parts(cls, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        out: list[Any] = []
        for i, part in enumerate(value):
            if isinstance(part, str):
                part = {"type": "text", "text": part}
            elif isinstance(part, dict):
                kind = part.get("type")
                if kind == "image_url":  # OpenAI's shape
                    url = part.get("image_url")
                    url = url.get("url") if isinstance(url, dict) else url
                    part = {"type": "image", "url": url}
                elif kind not in _PART_KINDS:
                    raise ValueError(
                        f"content part {i} has unknown type {kind!r}: a part is text or image"
                    )
                try:  # here, so that a bad part is one clear error (not one per union branch)
                    part = (TextPart if part.get("type") == "text" else ImagePart).model_validate(
                        part
                    )
                except ValidationError as exc:
                    err = exc.errors()[0]
                    where = ".".join(str(x) for x in err["loc"])
                    msg = str(err["msg"]).removeprefix("Value error, ")
                    raise ValueError(
                        f"content part {i} ({part.get('type')}): {where + ': ' if where else ''}"
                        f"{msg}"
                    ) from None
            out.append(part)
        return out

    @property
    def text(self) -> str:
        """The message's text: its content, or its text parts joined by newlines."""
        return text_of(self.content)

    @property
    def images(self) -> list[ImagePart]:
        """The image parts of the content (empty for text content)."""
        if isinstance(self.content, str):
            return []
        return [p for p in self.content if isinstance(p, ImagePart)]

    def to_openai(self, blobs: Path | None = None) -> dict[str, Any]:
        """The OpenAI chat-completions shape of this message (images as data URLs)."""
        content: Any = self.content
        if not isinstance(content, str):
            content = [
                {"type": "text", "text": p.text}
                if isinstance(p, TextPart)
                else {"type": "image_url", "image_url": {"url": p.data_url(blobs)}}
                for p in content
            ]
        out: dict[str, Any] = {"role": self.role, "content": content}
        if self.tool_calls:
            out["tool_calls"] = [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {
                        "name": c.name,
                        "arguments": c.raw_arguments
                        if c.raw_arguments is not None
                        else json.dumps(c.arguments),
                    },
                }
                for c in self.tool_calls
            ]
        if self.role == "tool":
            out["tool_call_id"] = self.tool_call_id
            if self.name:
                out["name"] = self.name
        return out


def text_of(content: str | list[ContentPart] | Message, show_images: bool = False) -> str:
    """Plain text of a message or its content: text as it is, a list of parts as its text parts
    joined by newlines; images are left out, or shown as ``[image sha256:...]`` (a blob), ``[image
    PATH]`` or ``[image: N bytes]`` with ``show_images`` (for a reader: views, exports)."""
    if isinstance(content, Message):
        content = content.content
    if isinstance(content, str):
        return content
    out: list[str] = []
    for p in content:
        if isinstance(p, TextPart):
            out.append(p.text)
        elif show_images:
            out.append(f"[image {image_label(p)}]")
    return "\n".join(out)


def image_label(part: ImagePart) -> str:
    """A short name of an image for a reader: its blob reference, its path, or its size."""
    if part.blob is not None:
        return part.blob
    if part.path is not None:
        return part.path
    size = len(part.data) if part.data is not None else len(part.url or "") * 3 // 4
    return f"{part.media_type or 'image'}, {size} bytes"


def has_images(messages: str | list[Message]) -> bool:
    """Whether any message holds an image part."""
    return not isinstance(messages, str) and any(m.images for m in messages)


class ToolSpec(_Model):
    """A tool the model may call: a name, a description and a JSON Schema for its arguments."""

    name: str = Field(description="Function name.")
    description: str = Field(default="", description="What the tool does, shown to the model.")
    parameters: dict[str, Any] = Field(
        default_factory=lambda: {"type": "object", "properties": {}},
        description="JSON Schema (type 'object') of the arguments.",
    )

    def to_openai(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": self.parameters,
            },
        }


#: settings some backends take beyond GenerateConfig's; -G passes them through as they are
BACKEND_SETTINGS = frozenset(
    {
        "top_k",
        "min_p",
        "typical_p",
        "repetition_penalty",
        "presence_penalty",
        "frequency_penalty",
        "logit_bias",
        "logprobs",
        "top_logprobs",
        "n",
        "user",
        "response_format",
        "reasoning_effort",
    }
)


class GenerateConfig(_Model):
    """Sampling settings for one model call. ``None`` means: the backend's default."""

    model_config = ConfigDict(extra="allow")

    temperature: float | None = Field(default=0.0, ge=0, description="Sampling temperature.")
    top_p: float | None = Field(default=None, gt=0, le=1, description="Nucleus sampling mass.")
    max_tokens: int | None = Field(default=512, ge=1, description="Most tokens to generate.")
    stop: list[str] | None = Field(default=None, description="Stop sequences.")
    seed: int | None = Field(default=None, description="Sampling seed handed to the backend.")
    json_schema: dict[str, Any] | None = Field(
        default=None, description="Constrain the output to JSON valid under this schema."
    )
    tool_choice: str | None = Field(
        default=None, description="'auto', 'none', 'required' or a tool name; None = auto."
    )
    timeout: float | None = Field(
        default=None, gt=0, description="Seconds before one call gives up."
    )


class Usage(_Model):
    input_tokens: int = Field(default=0, description="Prompt tokens.")
    output_tokens: int = Field(default=0, description="Generated tokens.")
    cost: float | None = Field(default=None, description="Cost in USD where the backend knows it.")

    def add(self, other: Usage) -> Usage:
        cost = None
        if self.cost is not None or other.cost is not None:
            cost = (self.cost or 0.0) + (other.cost or 0.0)
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cost=cost,
        )


class ModelResponse(_Model):
    text: str = Field(default="", description="The assistant's text.")
    tool_calls: list[ToolCall] = Field(default_factory=list, description="Native tool calls.")
    usage: Usage = Field(default_factory=Usage, description="Tokens (and cost) of this call.")
    latency: float = Field(default=0.0, description="Wall-clock seconds the call took.")
    finish_reason: str | None = Field(
        default=None, description="'stop', 'length', 'tool_calls', ... as the backend reports it."
    )
    model: str | None = Field(default=None, description="The model that answered.")
    cached: bool = Field(default=False, description="True if served from the response cache.")

    def message(self) -> Message:
        return Message(role="assistant", content=self.text, tool_calls=list(self.tool_calls))


# --------------------------------------------------------------------------- samples and scores


class Sample(_Model):
    """One item of a task's dataset."""

    id: str = Field(description="Stable id, unique within the task.")
    input: str | list[Message] = Field(description="The prompt, or a conversation to continue.")
    target: Any = Field(default=None, description="The reference answer(s), if any.")
    metadata: dict[str, Any] = Field(
        default_factory=dict, description="Task-specific fields (category, environment, ...)."
    )


class Score(_Model):
    value: float | None = Field(description="The score; None when it does not apply to the sample.")
    answer: str | None = Field(default=None, description="The answer the score was computed on.")
    explanation: str | None = Field(default=None, description="Why this score, for a reader.")
    metadata: dict[str, Any] = Field(default_factory=dict, description="Details (counts, steps).")


class SolveOutput(_Model):
    """What solving one sample produced: enough to re-score it without calling a model."""

    completion: str = Field(default="", description="The final answer text.")
    messages: list[Message] = Field(default_factory=list, description="The whole transcript.")
    metadata: dict[str, Any] = Field(
        default_factory=dict, description="Task-specific results (rewards, environment state, ...)."
    )


class SampleError(_Model):
    type: str = Field(description="Exception class, or a short kind such as 'timeout'.")
    message: str = Field(description="What went wrong.")
    traceback: str | None = Field(default=None, description="Where, for a developer.")


class Timing(_Model):
    started: float = Field(description="Unix time the sample started.")
    total: float = Field(description="Wall-clock seconds for the sample.")
    model: float = Field(default=0.0, description="Seconds spent inside model calls.")


class SampleRecord(_Model):
    """One line of ``samples.jsonl``."""

    format_version: int = Field(
        default=FORMAT_VERSION, description="Schema version of this record."
    )
    sample_id: str = Field(description="The sample's id.")
    epoch: int = Field(default=0, description="Which repetition (0-based) this is.")
    status: Literal["ok", "error"] = Field(description="ok, or error with its cause in `error`.")
    error: SampleError | None = Field(default=None, description="The cause, when status is error.")
    input: str | list[Message] = Field(description="The sample's input.")
    target: Any = Field(default=None, description="The sample's reference answer.")
    metadata: dict[str, Any] = Field(default_factory=dict, description="The sample's metadata.")
    output: SolveOutput | None = Field(default=None, description="What solving produced.")
    scores: dict[str, Score] = Field(default_factory=dict, description="Metric name -> score.")
    usage: Usage = Field(default_factory=Usage, description="Tokens over all model calls.")
    model_calls: int = Field(default=0, description="How many model calls the sample made.")
    timing: Timing | None = Field(default=None, description="Wall-clock figures.")
    seed: int | None = Field(default=None, description="The seed the sample's model calls got.")


# --------------------------------------------------------------------------- runs


class RunConfig(_Model):
    task: str = Field(description="Task name as given on the command line.")
    task_params: dict[str, Any] = Field(default_factory=dict, description="Validated task options.")
    model: str = Field(description="PROVIDER/NAME of the default model (the agent).")
    model_args: dict[str, Any] = Field(default_factory=dict, description="-M key=value arguments.")
    model_roles: dict[str, str] = Field(
        default_factory=dict, description="Role -> PROVIDER/NAME; roles not named use `model`."
    )
    model_role_args: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Role -> its model's arguments (-M ROLE.key=value)."
    )
    generate: GenerateConfig = Field(
        default_factory=GenerateConfig, description="Sampling settings."
    )
    limit: int | None = Field(default=None, description="Only the first N samples.")
    sample_ids: list[str] | None = Field(default=None, description="Only these samples.")
    epochs: int = Field(default=1, ge=1, description="Repetitions of every sample.")
    seed: int = Field(default=0, description="Run seed; each sample's seed derives from it.")
    max_concurrency: int = Field(default=4, ge=1, description="Samples in flight at once.")
    sample_timeout: float | None = Field(
        default=None,
        description="Seconds of a sample's own time (waits for a serial engine or a run slot "
        "do not count).",
    )
    cache: bool = Field(default=False, description="Serve repeated model calls from the cache.")

    @field_serializer("model_args", "model_role_args")
    def _no_secrets(self, value: dict[str, Any]) -> dict[str, Any]:
        """``run.json`` never holds a key: ``-M api_key=...`` is written as ``***`` (give it
        again to ``--resume``)."""
        from harness.secrets import redact

        return redact(value)  # type: ignore[no-any-return]


class RunFile(_Model):
    """``run.json``: what was run, with which versions and data."""

    format_version: int = Field(default=FORMAT_VERSION, description="Schema version of this file.")
    kind: Literal["run"] = Field(default="run", description="Always 'run'.")
    run_id: str = Field(description="The run's id (its directory name).")
    created: str = Field(description="ISO time the run started.")
    config: RunConfig = Field(description="The run's configuration.")
    harness_version: str = Field(description="Version of the harness core.")
    python_version: str = Field(description="Python that ran it.")
    plugins: dict[str, str] = Field(default_factory=dict, description="Distribution -> version.")
    data_hash: str = Field(description="SHA-256 over the selected samples' canonical JSON.")
    n_samples: int = Field(description="Selected samples (before epochs).")


class MetricResult(_Model):
    """One metric over a run. Records are (sample, epoch) pairs; intervals resample whole
    samples (all epochs of a sample together), see :mod:`harness.stats`."""

    name: str = Field(description="Metric name.")
    mean: float | None = Field(
        description="Mean over every scored record (each sample x epoch counts once)."
    )
    n: int = Field(description="Scored records that went into the mean (samples x epochs).")
    samples: int | None = Field(
        default=None, description="Distinct samples among the scored records (the clusters)."
    )
    ci_low: float | None = Field(
        default=None, description="Bootstrap 95% CI over samples (epochs kept together), lower."
    )
    ci_high: float | None = Field(
        default=None, description="Bootstrap 95% CI over samples (epochs kept together), upper."
    )
    errors: int = Field(
        default=0, description="Records of the run that ended in an error (never scored)."
    )
    error_share: float | None = Field(
        default=None, description="errors / all records of the run (samples x epochs)."
    )
    pass_at: dict[str, float] = Field(
        default_factory=dict, description="pass^k for k=1..epochs, for 0/1 metrics run over epochs."
    )
    pass_at_ci: dict[str, list[float | None]] = Field(
        default_factory=dict, description="pass^k's bootstrap 95% CI over samples: [low, high]."
    )
    groups: dict[str, dict[str, float | int | None]] = Field(
        default_factory=dict,
        description="'field=value' -> {mean, n, samples, ci_low, ci_high, errors, error_share} "
        "per group of samples.",
    )


class RunResult(_Model):
    """``results.json``: the aggregates of a finished run."""

    format_version: int = Field(default=FORMAT_VERSION, description="Schema version of this file.")
    kind: Literal["results"] = Field(default="results", description="Always 'results'.")
    run_id: str = Field(description="The run's id.")
    task: str = Field(description="Task name.")
    model: str = Field(description="Default model.")
    samples: int = Field(description="Distinct samples recorded.")
    records: int = Field(description="Sample records counted (samples x epochs).")
    errors: int = Field(description="Records whose status is error.")
    metrics: list[MetricResult] = Field(default_factory=list, description="One entry per metric.")
    usage: Usage = Field(default_factory=Usage, description="Tokens over the whole run.")
    extra: dict[str, Any] = Field(default_factory=dict, description="Task-specific aggregates.")


# --------------------------------------------------------------------------- trajectories


class Trajectory(_Model):
    """The unified agent trajectory that generators write and trainers read.

    One record per conversation: the tools the agent had and every message, assistant tool calls and
    tool results included. Field names follow the OpenAI chat format; trainer plugins map them to
    their own (ActionStudio's ``unique_trajectory_id``, ``conversation``, ...)."""

    format_version: int = Field(
        default=FORMAT_VERSION, description="Schema version of this record."
    )
    id: str = Field(description="Unique trajectory id.")
    source: str = Field(description="What produced it: plugin/generator name and variant.")
    task_instruction: str = Field(default="", description="The user's goal, if known.")
    system: str | None = Field(default=None, description="System prompt (policy) the agent had.")
    tools: list[ToolSpec] = Field(default_factory=list, description="Tools available to the agent.")
    messages: list[Message] = Field(
        description="The conversation, tool calls and results included."
    )
    reward: float | None = Field(default=None, description="Outcome reward, if verified.")
    metadata: dict[str, Any] = Field(
        default_factory=dict, description="Domain, persona, checks ..."
    )


def unique_call_ids(messages: list[Message]) -> list[Message]:
    """The conversation with every tool call id unique (``call_<message>_<n>``) and each tool
    result pointing at its call's new id. Scripted replies number their calls from 0 in every
    turn, which a trainer pairing calls with results by id would confuse."""
    out: list[Message] = []
    ids: dict[str | None, str] = {}
    for i, m in enumerate(messages):
        if m.role == "assistant" and m.tool_calls:
            calls = []
            for j, c in enumerate(m.tool_calls):
                ids[c.id] = f"call_{i}_{j}"
                calls.append(c.model_copy(update={"id": ids[c.id]}))
            m = m.model_copy(update={"tool_calls": calls})
        elif m.role == "tool" and m.tool_call_id in ids:
            m = m.model_copy(update={"tool_call_id": ids[m.tool_call_id]})
        out.append(m)
    return out


# --------------------------------------------------------------------------- generate / train runs


class JobFile(_Model):
    """``run.json`` of a ``harness generate`` or ``harness train`` run."""

    format_version: int = Field(default=FORMAT_VERSION, description="Schema version of this file.")
    kind: Literal["generate", "train"] = Field(description="Which command made it.")
    run_id: str = Field(description="The run's id.")
    created: str = Field(description="ISO time the job started.")
    name: str = Field(description="Generator or trainer name.")
    params: dict[str, Any] = Field(default_factory=dict, description="Validated options.")
    model: str | None = Field(default=None, description="Default model, if the job uses one.")
    model_roles: dict[str, str] = Field(default_factory=dict, description="Role -> model.")
    seed: int = Field(default=0, description="Seed.")
    config: dict[str, Any] | None = Field(
        default=None,
        description="The models' settings (a RunConfig, secrets as ***) of a generate job whose "
        "generator splits into items, for `harness generate --resume`.",
    )
    harness_version: str = Field(description="Version of the harness core.")
    plugins: dict[str, str] = Field(default_factory=dict, description="Distribution -> version.")
    status: Literal["running", "finished", "failed"] = Field(description="How the job ended.")
    summary: dict[str, Any] = Field(default_factory=dict, description="What the job reports.")


SCHEMAS: dict[str, type[BaseModel]] = {
    "run": RunFile,
    "sample-record": SampleRecord,
    "results": RunResult,
    "trajectory": Trajectory,
    "job": JobFile,
    "message": Message,
    "image-part": ImagePart,
    "tool-spec": ToolSpec,
    "tool-call": ToolCall,
    "generate-config": GenerateConfig,
    "model-response": ModelResponse,
    "sample": Sample,
    "score": Score,
    "run-config": RunConfig,
}
