"""ActionStudio plugin: registers its converter (a Generator) and its trainer; nothing heavy."""

from __future__ import annotations

from typing import Any

from harness.hookspecs import hookimpl


@hookimpl
def register_generators(register: Any) -> None:
    register(
        "actionstudio-convert",
        "harness_actionstudio.generator:ConvertGenerator",
        description="Convert trajectories (core Trajectory, tau-bench, BFCL, OpenAI, ShareGPT) "
        "to ActionStudio's unified format; rejects bad records with id and reason.",
    )


@hookimpl
def register_trainers(register: Any) -> None:
    register(
        "actionstudio",
        "harness_actionstudio.trainer:ActionStudioTrainer",
        description="ActionStudio SFT (full or LoRA) on unified trajectories: one example per "
        "assistant turn, masked prompts, data mixtures, DeepSpeed-ready.",
    )
