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

from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pluggy

if TYPE_CHECKING:
    from harness.run.runner import RunContext
    from harness.schemas import RunResult, SampleRecord

hookspec = pluggy.HookspecMarker("harness")
hookimpl = pluggy.HookimplMarker("harness")


class Register(Protocol):
    """The callback every registration hook receives.

    ``register(name, target, description=...)`` registers one thing; ``target`` is the object
    itself or a lazy ``"module:attribute"`` string. The registry checks the target's kind (a Task
    subclass for tasks, a Metric for metrics, ...) when it is given, or for a lazy string when it
    is first loaded. ``register(task_file=path)`` registers a YAML task file (tasks only)."""

    def __call__(
        self,
        name: str | None = None,
        target: object = None,
        description: str = "",
        task_file: str | Path | None = None,
        **extra: Any,
    ) -> None: ...


# ---------------------------------------------------------------- registration (at start-up)


@hookspec
def register_models(register: Register) -> None:
    """Register model providers: ``register(provider, factory, description=...)``. The factory is
    a :class:`harness.model.Model` subclass, or a function called as ``factory(name,
    **model_args)`` that returns a Model."""


@hookspec
def register_tasks(register: Register) -> None:
    """Register tasks (:class:`harness.task.Task` subclasses) or task files (YAML)."""


@hookspec
def register_environments(register: Register) -> None:
    """Register environments (:class:`harness.environment.Environment` subclasses)."""


@hookspec
def register_metrics(register: Register) -> None:
    """Register metrics (:class:`harness.metric.Metric` instances or subclasses)."""


@hookspec
def register_generators(register: Register) -> None:
    """Register dataset generators (:class:`harness.jobs.Generator` subclasses)."""


@hookspec
def register_trainers(register: Register) -> None:
    """Register trainers (:class:`harness.jobs.Trainer` subclasses)."""


# ---------------------------------------------------------------- a run's lifecycle


@hookspec
def on_run_start(run: RunContext) -> None:
    """A run is starting; ``run`` is the :class:`harness.run.runner.RunContext`."""


@hookspec
def on_sample_end(run: RunContext, record: SampleRecord) -> None:
    """A sample finished and its :class:`harness.schemas.SampleRecord` is journaled."""


@hookspec
def on_run_end(run: RunContext, result: RunResult) -> None:
    """A run finished; ``result`` is its :class:`harness.schemas.RunResult`."""


# ---------------------------------------------------------------- the viewer


@hookspec
def view_plots(task: str, run: Any) -> list[Any] | None:
    """Plots ``harness view`` shows on the page of a run of ``task`` (return None or [] for a
    task that is not yours). ``run`` is a :class:`harness.view.data.RunView` (its ``index``, a
    :class:`harness.run.index.RunIndex`, answers queries; ``result()`` gives the metrics).
    Return :class:`harness.view.plots.Plot`\\ s or dicts of their fields, e.g.
    ``{"title": "score by context length", "kind": "line", "series": {"accuracy": [(8, 0.9),
    (32, 0.7)]}}``."""
