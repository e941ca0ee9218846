"""The records the plugin reads and writes, each a pydantic model with a published JSON Schema
(``harness_modomodo.schemas.SCHEMAS``): an image-text example, a mixture's outcome, the fit."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

AnswerType = Literal["box", "choice", "number"]


class Example(BaseModel):
    """One image-text problem with a verifiable answer (a synthetic one, or a row of a user's
    dataset after its columns were mapped)."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Unique within its source.")
    source: str = Field(description="The dataset or synthetic kind it comes from (coco, sat, ...).")
    image: str = Field(description="Path of the image file (absolute, or relative to the records).")
    question: str = Field(description="The question, without the options.")
    answer: Any = Field(
        description="Box [x1, y1, x2, y2] in pixels, an option letter, or a number (as text)."
    )
    answer_type: AnswerType = Field(description="Which reward scores it: box, choice or number.")
    choices: list[str] | None = Field(
        default=None, description="Option texts of a multiple-choice question, in letter order."
    )
    image_size: tuple[int, int] = Field(description="[width, height] of the image in pixels.")


class MixtureOutcome(BaseModel):
    """A trained mixture and its measured out-of-distribution score (one row of the fit's data)."""

    model_config = ConfigDict(extra="forbid")

    weights: list[float] = Field(description="The mixture, one weight per source, summing to 1.")
    sources: list[str] = Field(description="The sources, in the order of the weights.")
    out_score: float = Field(description="Mean out-of-distribution accuracy after training.")
    per_kind: dict[str, float] = Field(
        default_factory=dict,
        description="Accuracy per evaluation kind (in and out of distribution).",
    )
    label: str = Field(
        default="", description="How the mixture was chosen (dirichlet, uniform, ...)."
    )
    seed: int = Field(default=0, description="The training seed.")


class FitReport(BaseModel):
    """The fitted mixture-outcome models, their cross-validation, and the proposed mixture."""

    model_config = ConfigDict(extra="forbid")

    sources: list[str] = Field(description="The mixture's sources, in weight order.")
    n: int = Field(description="Number of (mixture, score) pairs fitted.")
    quadratic: dict[str, Any] = Field(description="A (matrix), b, c, train R^2 of w'Aw + b'w + c.")
    linear: dict[str, Any] = Field(description="b, c, train R^2 of the linear baseline b'w + c.")
    cv: dict[str, Any] = Field(description="k-fold held-out RMSE and R^2 of both models.")
    best: list[float] = Field(description="w*: the quadratic's argmax on the simplex.")
    predicted_best: float = Field(description="The quadratic's prediction at w*.")
    plot: str | None = Field(default=None, description="PNG of predicted against measured.")


SCHEMAS: dict[str, type[BaseModel]] = {
    "modomodo-example": Example,
    "modomodo-mixture-outcome": MixtureOutcome,
    "modomodo-fit": FitReport,
}
