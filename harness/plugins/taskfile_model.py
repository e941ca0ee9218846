"""The task-file model: what a task file (YAML) may say. Its own module, imported only when a
file is validated or the schema printed, so start-up does not import pydantic for it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"


class TaskFile(BaseModel):
    """A task file (YAML): a registered task bound to parameters, or a suite of task names."""

    model_config = ConfigDict(
        extra="forbid",
        title="harness task file",
        json_schema_extra={
            "oneOf": [
                {"required": ["task"], "not": {"required": ["suite"]}},
                {"required": ["suite"], "not": {"required": ["task"]}},
            ]
        },
    )

    format_version: Literal[1] = Field(default=1, description="Schema version of the task file.")
    name: str = Field(pattern=NAME_PATTERN, description="The name `harness run` takes.")
    description: str = Field(default="", description="One line for `harness list tasks`.")
    task: str | None = Field(default=None, description="The registered task this file configures.")
    params: dict[str, Any] = Field(
        default_factory=dict, description="Task options (as -T would give them)."
    )
    suite: list[str] | None = Field(
        default=None,
        min_length=1,
        description="Task names run one after another, each in its own run dir.",
    )

    @model_validator(mode="after")
    def _task_or_suite(self) -> TaskFile:
        if (self.task is None) == (self.suite is None):
            raise ValueError("a task file needs exactly one of 'task' or 'suite'")
        return self


def task_file_schema() -> dict[str, Any]:
    """The JSON Schema of a task file (``harness schema task-file``)."""
    schema = TaskFile.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
