"""The hook specifications: one hook per kind of thing a plugin can contribute.

Each registration hook gets a ``register`` callback. Call it once per thing::

    @hookimpl
    def register_tasks(register):
        register("my-task", "my_plugin.tasks:MyTask", description="...")

The second argument is the object itself, or a lazy ``"module:attribute"`` string that is imported
only when the thing is used, so listing plugins stays fast. Task files (YAML) register through
``register_tasks`` too: ``register(task_file=path)``.
"""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("harness")
hookimpl = pluggy.HookimplMarker("harness")


@hookspec
def register_models(register: Any) -> None:
    """Register model providers: ``register(provider, factory, description=...)``. The factory is
    called as ``factory(name, **model_args)`` and returns a :class:`harness.model.Model`."""


@hookspec
def register_tasks(register: Any) -> None:
    """Register tasks (:class:`harness.task.Task` subclasses) or task files (YAML)."""


@hookspec
def register_environments(register: Any) -> None:
    """Register environments (:class:`harness.environment.Environment` subclasses)."""


@hookspec
def register_metrics(register: Any) -> None:
    """Register metrics (:class:`harness.metric.Metric` instances or classes)."""


@hookspec
def register_generators(register: Any) -> None:
    """Register dataset generators (:class:`harness.generator.Generator` subclasses)."""


@hookspec
def register_trainers(register: Any) -> None:
    """Register trainers (:class:`harness.trainer.Trainer` subclasses)."""


@hookspec
def on_run_start(run: Any) -> None:
    """A run is starting; ``run`` is the :class:`harness.runner.RunContext`."""


@hookspec
def on_sample_end(run: Any, record: Any) -> None:
    """A sample finished and its :class:`harness.schemas.SampleRecord` is journaled."""


@hookspec
def on_run_end(run: Any, result: Any) -> None:
    """A run finished; ``result`` is its :class:`harness.schemas.RunResult`."""
