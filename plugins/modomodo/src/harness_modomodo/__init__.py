"""MoDoMoDo plugin (arXiv 2505.24871): registers the verifiable image-text rewards, the
synthetic-set, import and fit generators and the mixture-loop trainer; nothing heavy
is imported here."""

from __future__ import annotations

from typing import Any

from harness.hookspecs import hookimpl

_METRICS = {
    "modomodo_iou": (
        "BoxIoU",
        "IoU of the reply's box with the gold box (grounding reward); "
        "an unreadable box: 0 and a format failure.",
    ),
    "modomodo_choice": (
        "ChoiceAccuracy",
        "1 if the reply's option (letter, '(B)', option text) is the gold one.",
    ),
    "modomodo_number": (
        "NumberAccuracy",
        "1 if the reply's number equals the gold (fractions, roots, units, tolerance).",
    ),
    "modomodo_format": (
        "ThinkAnswerFormat",
        "1 if the reply is <think>...</think><answer>...</answer>.",
    ),
    "modomodo_reward": (
        "Reward",
        "IoU, choice or number reward by the sample's "
        "metadata.answer_type (one reward for a mixed stream).",
    ),
    "modomodo_accuracy": ("Accuracy", "1 if correct: box IoU >= 0.5, right option, right number."),
    "modomodo_format_failure": (
        "FormatFailure",
        "1 if the answer cannot be read for the sample's answer_type.",
    ),
}


@hookimpl
def register_metrics(register: Any) -> None:
    for name, (cls, description) in _METRICS.items():
        register(name, f"harness_modomodo.metrics:{cls}", description=description)


@hookimpl
def register_generators(register: Any) -> None:
    register(
        "modomodo-synthetic",
        "harness_modomodo.generator:SyntheticGenerator",
        description="The synthetic image-text set: five kinds standing for COCO, LISA, GeoQA, "
        "SAT, ScienceQA and three held-out kinds (PNG + records.jsonl).",
    )
    register(
        "modomodo-import",
        "harness_modomodo.generator:ImportGenerator",
        description="A local copy of COCO/LISA grounding, GeoQA, SAT or ScienceQA as records "
        "(never downloads).",
    )
    register(
        "modomodo-fit",
        "harness_modomodo.generator:FitGenerator",
        description="Quadratic and linear mixture-outcome models from (mixture, score) pairs: "
        "k-fold CV, simplex argmax w*, predicted-vs-measured PNG.",
    )
    register(
        "modomodo-mixture",
        "harness_modomodo.generator:MixtureDataGenerator",
        description="GRPO prompts drawn from the sources by a mixture (uniform, weights, "
        "heuristics): prompts.jsonl for `harness train grpo --rewards modomodo_reward`.",
    )


@hookimpl
def register_trainers(register: Any) -> None:
    register(
        "modomodo-mixtures",
        "harness_modomodo.trainer:MixtureLoopTrainer",
        description="The MoDoMoDo loop on the synthetic set, resumable: sample mixtures, train a "
        "small vision policy by GRPO on each, evaluate out of distribution, fit, train on w*.",
    )


@hookimpl
def register_tasks(register: Any) -> None:
    register(
        "modomodo",
        "harness_modomodo.task:ModomodoTask",
        description="Image-text questions with verifiable answers (the synthetic set's held-out "
        "kinds by default, or records from a file), each picture an image part; scored by IoU, "
        "option and number accuracy and the think/answer format.",
    )
