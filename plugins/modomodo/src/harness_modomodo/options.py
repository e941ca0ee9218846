"""Options of the plugin's generators and trainer (``-T key=value`` or ``--key value``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from harness_modomodo.loop import StudyOptions
from harness_modomodo.synthetic import KINDS


class SyntheticOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kinds: list[str] = Field(default=list(KINDS), description="Synthetic kinds to draw.")
    per_kind: int = Field(default=50, ge=1, description="Examples per kind.")


class ImportOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset: str | None = Field(default=None, description="coco, lisa, geoqa, sat or scienceqa.")
    path: str | None = Field(
        default=None,
        description="Local copy: a .parquet/.json/.jsonl/.csv file, a folder of "
        "them, or a saved dataset folder. Never downloaded.",
    )
    limit: int | None = Field(default=None, ge=1, description="Read at most this many rows.")


class FitOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pairs: str | None = Field(
        default=None,
        description="CSV: one weight column per source and an out_score column "
        "(a study's pairs.csv works).",
    )
    score_column: str = Field(default="out_score", description="The score's column.")
    folds: int = Field(default=5, ge=2, description="k of the k-fold cross-validation.")
    ridge: float = Field(default=0.0, ge=0, description="Ridge penalty (0: least squares).")


class MixtureLoopOptions(StudyOptions):
    work_dir: str | None = Field(
        default=None,
        description="The study's folder (default: study/ in this run's folder). Give an earlier "
        "run's study folder to resume it: finished mixtures are not trained again.",
    )
    reward: str = Field(default="modomodo_reward", description="Registered metric: the reward.")
    accuracy: str = Field(
        default="modomodo_accuracy", description="Registered metric: the evaluation score."
    )
    threads: int = Field(default=1, ge=1, description="torch CPU threads.")


class MixtureDataOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    records: list[str] = Field(
        default_factory=list,
        description="records.jsonl files (modomodo-synthetic / modomodo-import); each record's "
        "source is a mixture component. Empty: the synthetic set's five training kinds.",
    )
    weights: str = Field(
        default="uniform",
        description="The mixture: 'uniform', 'w1,w2,...' in source order (sorted names), "
        "'name=w,...', or a heuristic: size, sqrt-size, inverse-size.",
    )
    n: int = Field(default=256, ge=1, le=1_000_000, description="Prompts to draw.")
    per_kind: int = Field(
        default=64, ge=1, description="Synthetic pictures per kind (when no records are given)."
    )
