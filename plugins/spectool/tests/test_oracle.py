"""The held-out split by template and the oracle agent's verified trajectories."""

from __future__ import annotations

import json
from pathlib import Path

import harness_spectool.environment as envmod
import pytest
from harness_spectool.dataset import load_queries
from harness_spectool.environment import SpecToolEnvironment
from harness_spectool.names import CLASSES
from harness_spectool.oracle import replay
from harness_spectool.split import (
    check_disjoint,
    split_hash,
    split_queries,
    template_of,
    tool_combination,
)

from harness.cli.main import main
from harness.errors import UserError
from harness.schemas import Trajectory


def test_split_is_disjoint_by_template_and_seeded() -> None:
    qs = load_queries(subset="short")
    train, test = split_queries(qs, "train"), split_queries(qs, "test")
    assert len(train) + len(test) == len(qs) and 0.2 < len(test) / len(qs) < 0.4
    assert not {template_of(q) for q in train} & {template_of(q) for q in test}
    check_disjoint(train, test)
    assert split_hash(test) == split_hash(split_queries(qs, "test"))  # deterministic
    assert split_hash(test) != split_hash(split_queries(qs, "test", seed=1))
    with pytest.raises(UserError, match="share 1 query template"):
        check_disjoint(train, [*test, train[0]])
    strict_train, strict_test = (
        split_queries(qs, "train", by="tools"),
        split_queries(qs, "test", by="tools"),
    )
    assert not {tool_combination(q) for q in strict_train} & {
        tool_combination(q) for q in strict_test
    }


def _env(domain: str) -> SpecToolEnvironment:
    cls = getattr(envmod, CLASSES[domain])
    env: SpecToolEnvironment = cls(cls.Options())
    env.reset()
    return env


def test_oracle_generator_writes_replayable_trajectories(tmp_path: Path) -> None:
    argv = ["generate", "spectool-oracle", "-T", "limit=3", "--out", str(tmp_path)]
    assert main(argv) == 0
    (run,) = [p for p in tmp_path.iterdir() if (p / "run.json").exists()]
    trajs = [Trajectory.model_validate_json(x) for x in (run / "trajectories.jsonl").open()]
    assert len(trajs) == 6  # 3 queries x (text, native), every one solved
    split = json.loads((run / "split.json").read_text())
    test_templates = set(split["test"]["templates"])
    assert all(t.metadata["template"] not in test_templates for t in trajs)
    text = next(t for t in trajs if t.metadata["protocol"] == "text")
    native = next(t for t in trajs if t.metadata["protocol"] == "native")
    assert text.messages[2].content.startswith("Action: ") and not text.tools
    assert native.messages[2].tool_calls and any(s.name == "finish" for s in native.tools)
    for t in (text, native):
        assert replay(t, _env(t.metadata["environment"])) == []
    # a tampered observation, and a wrong final answer, are caught by the replay
    msgs = list(text.messages)
    msgs[3] = msgs[3].model_copy(update={"content": "Observation: {}"})
    bad = text.model_copy(update={"messages": msgs})
    assert any("observation differs" in p for p in replay(bad, _env(text.metadata["environment"])))
    wrong = text.model_copy(update={"metadata": {**text.metadata, "answer": "someone else"}})
    assert any("not the accepted answer" in p for p in replay(wrong, _env("patent")))
