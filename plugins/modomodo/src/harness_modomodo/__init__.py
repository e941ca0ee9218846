"""MoDoMoDo plugin (arXiv 2505.24871): registers the verifiable image-text rewards; nothing heavy
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
