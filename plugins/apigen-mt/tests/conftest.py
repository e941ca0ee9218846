"""Helpers shared by this plugin's tests: scripted model handles and a job context."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.backends.scripted.model import ScriptedModel
from harness.context import Roles
from harness.jobs import JobContext
from harness.model import ModelHandle, WrappedModel
from harness.plugins.manager import PluginManager
from harness.schemas import GenerateConfig


def wrapped(responses: list[Any]) -> WrappedModel:
    return WrappedModel(ScriptedModel.create("t", {"responses": responses}))


def handle(responses: list[Any], role: str = "agent") -> ModelHandle:
    return ModelHandle(wrapped(responses), GenerateConfig(), role)


class Jobs:
    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.manager = PluginManager()
        self.manager.load_entry_points()
        self.manager.collect()

    def ctx(self, default: list[Any], **roles: list[Any]) -> JobContext:
        out = self.tmp / f"job{len(list(self.tmp.iterdir()))}"
        out.mkdir()
        r = Roles(wrapped(default), {k.replace("_", "-"): wrapped(v) for k, v in roles.items()})
        return JobContext(out, 0, r, self.manager, GenerateConfig())


@pytest.fixture
def jobs(tmp_path: Path) -> Jobs:
    return Jobs(tmp_path)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]


@pytest.fixture
def jsonl() -> Any:
    return read_jsonl
