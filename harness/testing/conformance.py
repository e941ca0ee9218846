"""Checks every plugin should pass: its registrations load and are well-formed, and a task runs
two samples end to end with a scripted model."""

from __future__ import annotations

import inspect
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from harness.environment import Environment
from harness.jobs import Generator, Trainer
from harness.metric import Metric
from harness.model import Model
from harness.plugins.manager import PluginManager
from harness.plugins.taskfiles import TaskDefinition
from harness.schemas import RunConfig, RunResult, SampleRecord
from harness.task import Task

BASES: dict[str, tuple[type, ...]] = {
    "models": (Model,),
    "tasks": (Task, TaskDefinition),
    "environments": (Environment,),
    "metrics": (Metric,),
    "generators": (Generator,),
    "trainers": (Trainer,),
}


@dataclass
class SmokeResult:
    run_dir: Path
    result: RunResult
    records: list[SampleRecord]


class Conformance:
    def __init__(self) -> None:
        self.manager = PluginManager()
        self.manager.load_entry_points()
        self.manager.collect()

    def check_plugin(self, name: str) -> dict[str, list[str]]:
        """Assert the plugin loaded without error and every name it registered resolves to the
        right kind of object, with a description and a pydantic Options model. Returns what it
        registered."""
        info = self.manager.plugins.get(name)
        assert info is not None, f"plugin '{name}' is not installed (entry point group 'harness')"
        assert info.error is None, f"plugin '{name}' failed to load: {info.error}"
        assert info.registered, f"plugin '{name}' registered nothing"
        for kind, names in info.registered.items():
            for n in names:
                entry = self.manager.registry(kind).entry(n)
                obj = entry.load()
                bases = BASES[kind]
                ok = isinstance(obj, bases) or (inspect.isclass(obj) and issubclass(obj, bases))
                assert ok, f"{kind} '{n}' of plugin '{name}' is {obj!r}, not one of {bases}"
                assert entry.description, f"{kind} '{n}' of plugin '{name}' has no description"
                options = getattr(obj, "Options", None) or getattr(obj, "Args", None)
                if options is not None:
                    assert issubclass(options, BaseModel), f"{kind} '{n}': Options not pydantic"
                    options()  # every option has a default
        return info.registered

    def smoke_run(
        self,
        task: str,
        out_dir: Path,
        responses: list[Any] | None = None,
        task_params: dict[str, Any] | None = None,
        samples: int = 2,
    ) -> SmokeResult:
        """Run ``samples`` samples of ``task`` with ``scripted/smoke`` and check the run directory:
        run.json, one journaled record per sample, results.json, every metric scored."""
        from harness.backends.scripted.model import ScriptedModel
        from harness.run.runner import Runner

        model = ScriptedModel.create("smoke", {"responses": responses or ["42"]})
        config = RunConfig(
            task=task,
            task_params=task_params or {},
            model="scripted/smoke",
            model_args={"responses": responses or ["42"]},
            limit=samples,
        )
        runner = Runner(config, out_dir, self.manager, model_overrides={"scripted/smoke": model})
        run_dir, result = runner.run()
        assert (run_dir / "run.json").exists()
        lines = (run_dir / "samples.jsonl").read_text().splitlines()
        records = [SampleRecord.model_validate_json(x) for x in lines]
        assert len(records) == samples, f"expected {samples} records, got {len(records)}"
        results = json.loads((run_dir / "results.json").read_text())
        assert results["records"] == samples
        errors = [r for r in records if r.status == "error"]
        assert not errors, f"smoke run of {task} failed: {errors[0].error}"
        assert result.metrics, f"task {task} produced no metrics"
        return SmokeResult(run_dir, result, records)
