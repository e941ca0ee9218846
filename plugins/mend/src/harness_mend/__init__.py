"""MEND plugin (arXiv 2502.17800): consistency under premise reordering and distractors, the
query augmentation, and a linear probe. Registers only; nothing heavy is imported here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.hookspecs import hookimpl


@hookimpl
def register_tasks(register: Any) -> None:
    register(
        "mend",
        "harness_mend.task:MendTask",
        description="MEND consistency: each item original, permuted, redundant and combined.",
    )
    register(task_file=Path(__file__).parent / "task_files" / "mend-ood.yaml")


@hookimpl
def register_generators(register: Any) -> None:
    register(
        "mend",
        "harness_mend.generator:MendGenerator",
        description="MEND query augmentation (permuted premises, neutral distractors) and SFT "
        "trajectories with or without it; the reasoning chain is never changed.",
    )
    register(
        "mend-probe",
        "harness_mend.probe_job:ProbeJob",
        description="MEND linear probe on a transformers checkpoint: is the queried premise's "
        "value decodable from a layer's state at the question's last token, per form?",
    )
