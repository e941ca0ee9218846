"""PersonaBench plugin: registers its tasks, metrics and community generator."""

from __future__ import annotations

from typing import Any

from harness.hookspecs import hookimpl

METRICS = [
    ("recall_at_k", "RecallAtK"),
    ("ndcg_at_k", "NdcgAtK"),
    ("answer_precision", "AnswerPrecision"),
    ("answer_recall", "AnswerRecall"),
    ("answer_f1", "AnswerF1"),
    ("outdated_recall", "OutdatedRecall"),
]


@hookimpl
def register_tasks(register: Any) -> None:
    register(
        "personabench",
        "harness_personabench.task:PersonaBenchTask",
        description="PersonaBench: retrieve a user's private sessions, answer personal questions.",
    )
    register(
        "personabench-retrieval",
        "harness_personabench.task:PersonaBenchRetrievalTask",
        description="PersonaBench retrieval alone: Recall@k and NDCG@k, no model call.",
    )


@hookimpl
def register_metrics(register: Any) -> None:
    for name, attr in METRICS:
        register(
            f"personabench_{name}",
            f"harness_personabench.metrics:{attr}",
            description=f"PersonaBench {name} (see the plugin README).",
        )


@hookimpl
def register_generators(register: Any) -> None:
    register(
        "personabench",
        "harness_personabench.generator:CommunityGenerator",
        description="Synthetic PersonaBench communities: planted facts, noise, questions.",
    )
