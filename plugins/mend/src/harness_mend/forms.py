"""The four forms of a problem: original, permuted, redundant and combined (permuted, then
distractors inserted). Seeded per (seed, problem id, form), so a form does not change when other
problems or forms are added. A problem whose premises cannot be split keeps its original form
only, with the reason."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from harness_mend.problems import Problem
from harness_mend.sentences import split_problem
from harness_mend.transforms import add_redundancy, neutral_for, permute

FormName = Literal["original", "permuted", "redundant", "combined"]
FORMS: tuple[FormName, ...] = ("original", "permuted", "redundant", "combined")


class Form(BaseModel):
    """One surface form of a problem: its premises in order, then the question."""

    model_config = ConfigDict(extra="forbid")
    name: FormName = Field(description="original, permuted, redundant or combined.")
    text: str = Field(description="The form's query: premises, then the question.")
    premises: list[str] = Field(description="The premises (and distractors) in this form's order.")
    order: list[int] = Field(
        description="For each original premise, its index in the original (permutation); "
        "distractors are not listed."
    )
    distractors: list[str] = Field(default_factory=list, description="Inserted distractors.")


class Forms(BaseModel):
    """A problem's forms, or its original only with the reason it could not be split."""

    model_config = ConfigDict(extra="forbid")
    problem_id: str = Field(description="The problem's id.")
    question: str = Field(description="The question sentence (last in every form).")
    forms: dict[str, Form] = Field(description="Form name -> form.")
    unsplit_reason: str | None = Field(default=None, description="Why only the original exists.")
    rejected_distractors: int = Field(
        default=0, description="Pool distractors refused as not neutral for this problem."
    )


def neutral_pool(problem: Problem, pool: Sequence[str]) -> tuple[list[str], list[tuple[str, str]]]:
    """The distractors of ``pool`` neutral for ``problem``, and the refused ones with why."""
    ok: list[str] = []
    refused: list[tuple[str, str]] = []
    for d in pool:
        why = neutral_for(d, problem.entities)
        if why:
            refused.append((d, why))
        else:
            ok.append(d)
    return ok, refused


def make_forms(
    problem: Problem,
    pool: Sequence[str],
    distractors: int = 1,
    seed: int = 0,
    names: Sequence[FormName] = FORMS,
) -> Forms:
    """The requested forms of ``problem`` (``distractors`` inserted in the redundant ones)."""
    split = split_problem(problem.text)
    if not split.ok:
        original = Form(name="original", text=problem.text, premises=[], order=[])
        return Forms(
            problem_id=problem.id,
            question=split.question,
            forms={"original": original},
            unsplit_reason=split.reason,
        )
    premises = list(split.premises)
    neutral, refused = neutral_pool(problem, pool)
    out: dict[str, Form] = {}
    for name in names:
        rng = random.Random(f"mend/{seed}/{problem.id}/{name}")
        order = list(range(len(premises)))
        if name in ("permuted", "combined"):
            order = permute(len(premises), rng)
        body = [premises[i] for i in order]
        inserted: list[str] = []
        if name in ("redundant", "combined"):
            red = add_redundancy(body, distractors, neutral, rng)
            body, inserted = list(red.premises), list(red.distractors)
        out[name] = Form(
            name=name,
            text=" ".join([*body, split.question]),
            premises=body,
            order=order,
            distractors=inserted,
        )
    return Forms(
        problem_id=problem.id,
        question=split.question,
        forms=out,
        rejected_distractors=len(refused),
    )


def published_schemas() -> dict[str, dict]:
    """The JSON Schemas of the records this plugin reads and writes (``data/schemas/``)."""
    from harness_mend.problems import Problem

    return {"problem": Problem.model_json_schema(), "forms": Forms.model_json_schema()}
