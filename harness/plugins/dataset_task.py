"""The ``dataset`` task: any table ``datasets`` loads (local json, jsonl, csv, parquet; a hub id
only when one is named), a prompt template over its columns, a target column and metrics by
name. Meant to be bound in a task file (YAML), as lm-evaluation-harness users write them::

    format_version: 1
    name: capitals
    task: dataset
    params:
      path: capitals.parquet        # relative to this file
      prompt: "What is the capital of {country}? Answer with the city only."
      target: capital
      metrics: [exact_match, includes]
      group_by: [continent]

A field that names no column is one error naming it and the columns there are. Needs the
``datasets`` extra (``pip install 'agentharness[datasets]'``)."""

from __future__ import annotations

import string
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from harness.errors import UserError
from harness.metric import Metric
from harness.schemas import Message, Sample, SolveOutput
from harness.task import Task

if TYPE_CHECKING:
    from harness.context import SolveContext

FORMATS = {".json": "json", ".jsonl": "json", ".csv": "csv", ".parquet": "parquet"}


class DatasetOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str | None = Field(
        default=None,
        description="A local .json, .jsonl, .csv or .parquet file (relative paths in a task "
        "file are relative to the file).",
        json_schema_extra={"task_file_relative": True},
    )
    hub: str | None = Field(
        default=None, description="A Hugging Face hub dataset id (downloaded: only if named)."
    )
    config: str | None = Field(default=None, description="The hub dataset's configuration.")
    format: Literal["json", "csv", "parquet"] | None = Field(
        default=None, description="The file's format (default: from its extension)."
    )
    split: str = Field(default="train", description="Which split to evaluate.")
    prompt: str = Field(
        description="The user message: a template over the columns, e.g. 'Q: {question}'."
    )
    system: str | None = Field(default=None, description="A system message, if any.")
    target: str = Field(description="The column holding the reference answer(s).")
    id: str | None = Field(default=None, description="The column of sample ids (default: row).")
    group_by: list[str] = Field(
        default_factory=list, description="Columns to break every metric down by."
    )
    metadata: list[str] = Field(
        default_factory=list, description="Columns kept in each record's metadata."
    )
    metrics: list[str] = Field(
        default_factory=lambda: ["exact_match"],
        min_length=1,
        description="Metric names from `harness list metrics`.",
    )
    max_tokens: int = Field(default=256, ge=1, description="Tokens the model may write.")

    @model_validator(mode="after")
    def _one_source(self) -> DatasetOptions:
        if (self.path is None) == (self.hub is None):
            raise ValueError("give exactly one of 'path' (a local file) or 'hub' (a hub id)")
        return self


def template_fields(template: str) -> list[str]:
    """The column names a prompt template refers to (``{name}``, ``{name!r}``, ``{name:>5}``)."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise UserError(f"prompt template {template!r}: {exc}") from None
    out = []
    for _, name, _, _ in parsed:
        if name is None:
            continue
        base = name.split(".")[0].split("[")[0]
        if not base or base.isdigit():
            raise UserError(
                f"prompt template {template!r}: '{{{name}}}' must name a column, e.g. {{question}}"
            )
        out.append(base)
    return list(dict.fromkeys(out))


class DatasetTask(Task):
    """A prompt template over a table's rows, answered in one reply, scored by named metrics."""

    name = "dataset"
    description = (
        "Any table `datasets` loads (json/jsonl/csv/parquet, or a named hub id): prompt "
        "template, target column, metrics by name; bind it in a task file."
    )
    Options = DatasetOptions
    roles = ()

    def __init__(self, options: BaseModel | None = None) -> None:
        super().__init__(options)
        self.group_by = list(self.options.group_by)  # type: ignore[misc]  # per task file
        self._metrics: list[Metric] | None = None

    def _where(self) -> str:
        o: DatasetOptions = self.options
        return o.path or f"hub dataset {o.hub}"

    def _load(self) -> Any:
        o: DatasetOptions = self.options
        try:
            import datasets
        except ImportError:
            raise UserError(
                "the dataset task needs the 'datasets' extra: pip install 'agentharness[datasets]'"
            ) from None
        datasets.disable_progress_bars()
        try:
            if o.hub is not None:  # named, so the one download the harness allows
                return _load_from_hub(datasets, o.hub, o.config, o.split)
            assert o.path is not None
            path = Path(o.path)
            if not path.is_file():
                raise UserError(f"dataset task: {path}: no such file")
            fmt = o.format or FORMATS.get(path.suffix.lower())
            if fmt is None:
                raise UserError(
                    f"dataset task: {path}: cannot tell the format from '{path.suffix}'; "
                    "set format: json, csv or parquet"
                )
            return datasets.load_dataset(fmt, data_files={o.split: str(path)}, split=o.split)
        except UserError:
            raise
        except Exception as exc:
            raise UserError(
                f"dataset task: cannot load {self._where()} ({type(exc).__name__}: {exc})"
            ) from None

    def check_columns(self, columns: list[str]) -> None:
        """Every field the options name must be a column; one error names all that are not."""
        o: DatasetOptions = self.options
        wanted = [(f, "prompt") for f in template_fields(o.prompt)]
        wanted += [(o.target, "target")]
        wanted += [(o.id, "id")] if o.id else []
        wanted += [(c, "group_by") for c in o.group_by] + [(c, "metadata") for c in o.metadata]
        missing = [f"'{f}' ({role})" for f, role in wanted if f not in columns]
        if missing:
            raise UserError(
                f"dataset task: {self._where()} has no column {', '.join(missing)}; "
                f"its columns: {', '.join(columns)}"
            )

    def samples(self) -> Iterator[Sample]:
        o: DatasetOptions = self.options
        self.metrics()  # an unknown metric name is an error before any data is read
        table = self._load()
        self.check_columns(list(table.column_names))
        keep = list(dict.fromkeys([*o.group_by, *o.metadata]))
        for i, row in enumerate(table):
            target = row[o.target]
            yield Sample(
                id=str(row[o.id]) if o.id else str(i),
                input=o.prompt.format_map(row),
                target=target,
                metadata={k: row[k] for k in keep},
            )

    async def solve(self, sample: Sample, ctx: SolveContext) -> SolveOutput:
        o: DatasetOptions = self.options
        messages = [Message(role="system", content=o.system)] if o.system else []
        messages.append(Message(role="user", content=str(sample.input)))
        response = await ctx.model.generate(messages, max_tokens=o.max_tokens)
        return SolveOutput(completion=response.text, messages=[*messages, response.message()])

    def metrics(self) -> list[Metric]:
        if self._metrics is None:
            from harness.plugins.manager import get_manager

            registry = get_manager().registry("metrics")
            self._metrics = []
            for name in self.options.metrics:
                if name not in registry:
                    from harness.errors import unknown

                    raise unknown("metric", name, registry.names())
                cls = registry.get(name)
                self._metrics.append(cls() if isinstance(cls, type) else cls)
        return self._metrics


def _load_from_hub(datasets: Any, hub: str, config: str | None, split: str) -> Any:
    """Load a hub dataset the user named, lifting the harness's offline mode (set in
    ``harness/__init__.py``) for this load only, as ``hf/<hub id>`` does for weights."""
    import datasets.config as dconf

    from harness.backends.hf.hub import hub_online

    with hub_online():
        saved = dconf.HF_HUB_OFFLINE, dconf.HF_DATASETS_OFFLINE
        dconf.HF_HUB_OFFLINE = dconf.HF_DATASETS_OFFLINE = False
        try:
            return datasets.load_dataset(hub, config, split=split)
        finally:
            dconf.HF_HUB_OFFLINE, dconf.HF_DATASETS_OFFLINE = saved
