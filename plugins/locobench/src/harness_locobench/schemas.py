"""Pydantic models of the released LoCoBench scenario schema (``scenario_generator.py`` at
97dfc72) and of the answer the model must give.

The same models check the scenarios our procedural generator writes and a user's copy of the
released data, so one loader reads both. ``json_schemas()`` publishes them as JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

CATEGORIES = (
    "architectural_understanding",
    "cross_file_refactoring",
    "feature_implementation",
    "bug_investigation",
    "multi_session_development",
    "code_comprehension",
    "integration_testing",
    "security_analysis",
)
Category = Literal[
    "architectural_understanding",
    "cross_file_refactoring",
    "feature_implementation",
    "bug_investigation",
    "multi_session_development",
    "code_comprehension",
    "integration_testing",
    "security_analysis",
]
Difficulty = Literal["easy", "medium", "hard", "expert"]
#: the paper's coverage bands: information coverage = chars(context) / chars(project)
COVERAGE_BANDS: dict[str, tuple[float, float]] = {
    "easy": (0.2, 0.4),
    "medium": (0.4, 0.6),
    "hard": (0.6, 0.8),
    "expert": (0.8, 1.0),
}


class ScenarioMetadata(BaseModel):
    """The released ``metadata`` block; our generator adds keys (language, project, tests)."""

    model_config = ConfigDict(extra="allow")

    context_length: int = Field(ge=0, description="Characters of the context files together.")
    files_count: int = Field(ge=0, description="How many context files the scenario names.")
    information_coverage: float = Field(
        ge=0, le=1.0001, description="chars(context) / chars(project), which sets difficulty."
    )
    coverage_range: list[float] | tuple[float, float] | None = Field(
        default=None, description="The band [low, high] the coverage was chosen to fall in."
    )
    generation_timestamp: str | float | None = Field(
        default=None, description="When the scenario was written."
    )


class Scenario(BaseModel):
    """One LoCoBench scenario, as ``data/output/scenarios/*.json`` holds it."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1, description="Unique id (project, category, difficulty, n).")
    task_category: Category = Field(description="One of the eight task categories.")
    difficulty: Difficulty = Field(description="easy, medium, hard or expert (coverage band).")
    title: str = Field(description="One-line title of the task.")
    description: str = Field(description="The situation the task is set in.")
    context_files: list[str] = Field(
        min_length=1, description="Project-relative paths of the files the model is given."
    )
    context_length: int = Field(ge=0, description="Characters of the context files together.")
    task_prompt: str | dict[str, str] = Field(
        description="What to do: text, or {session_1: text, ...} for multi-session scenarios."
    )
    expected_approach: str = Field(default="", description="How a good solution proceeds.")
    ground_truth: str | dict[str, Any] | list[Any] = Field(
        default="", description="The reference answer: text, or exact planted facts."
    )
    evaluation_criteria: list[str] = Field(
        default_factory=list, description="What the graders look for, one line each."
    )
    metadata: ScenarioMetadata = Field(description="Sizes and coverage of the context.")

    def sessions(self) -> list[str]:
        """The task prompt as a list of sessions (one for single-session scenarios)."""
        if isinstance(self.task_prompt, str):
            return [self.task_prompt]
        keys = sorted(self.task_prompt, key=_session_order)
        return [self.task_prompt[k] for k in keys]


def _session_order(key: str) -> tuple[int, str]:
    digits = "".join(c for c in key if c.isdigit())
    return (int(digits) if digits else 0, key)


class Answer(BaseModel):
    """The JSON object the model must reply with."""

    model_config = ConfigDict(extra="ignore")

    approach: str = Field(default="", description="How the solution works, in prose.")
    files: dict[str, str] = Field(
        description="Project-relative path -> complete new content of that file."
    )
    explanation: str = Field(default="", description="Why it is correct.")


def json_schemas() -> dict[str, dict[str, Any]]:
    return {
        "scenario": Scenario.model_json_schema(),
        "answer": Answer.model_json_schema(),
    }


def write_schemas(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, schema in json_schemas().items():
        (folder / f"{name}.schema.json").write_text(json.dumps(schema, indent=2) + "\n")
