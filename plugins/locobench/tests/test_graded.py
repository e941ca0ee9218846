"""Graded scripted agents, built and tested in the sandbox with real toolchains: the reference
solution > one that builds but fails the task's tests > one that ignores the context > empty.
Tiny projects keep the builds short."""

from __future__ import annotations

import asyncio
from itertools import count

import pytest
from harness_locobench import build
from harness_locobench.langs import LANGS, NewFn, new_module
from harness_locobench.task import LoCoBenchOptions, LoCoBenchTask

from harness.schemas import SolveOutput


def _task(language: str, category: str) -> LoCoBenchTask:
    return LoCoBenchTask(LoCoBenchOptions(languages=language, categories=category, size=1500))


async def _lcbs(task: LoCoBenchTask, answers: list[dict[str, str]]) -> dict[str, float | None]:
    sample = next(iter(task.samples()))
    it = task.items()[sample.id]
    meta = await task.grade(it, [{"approach": "", "files": f, "explanation": ""} for f in answers])
    return {k: v.value for k, v in task.score(sample, SolveOutput(metadata=meta)).items()}


def _graded(language: str, category: str) -> list[float | None]:
    task = _task(language, category)
    task.clock = lambda: 0.0  # builds "take" 0 s: a loaded machine must not cost the time bonus
    it = next(iter(task.items().values()))
    lang = LANGS[language]
    off = new_module(lang, "helpers", [NewFn(lang.fn("double", "value"), "x * 2")], [])
    agents = [it.reference, it.wrong, [off] * len(it.reference), [{}]]

    async def all_of() -> list[dict[str, float | None]]:
        return [await _lcbs(task, a) for a in agents]

    scores = asyncio.run(all_of())
    ref, wrong, _, empty = scores
    assert ref["unit_tests"] == 1.0 and ref["compile"] == 1.0
    assert wrong["compile"] and wrong["compile"] > 0.5 and wrong["unit_tests"] < 1.0
    assert empty["lcbs"] == 0.0
    return [s["lcbs"] for s in scores]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("language", "category"),
    [
        ("python", "bug_investigation"),
        ("python", "multi_session_development"),
        ("c", "cross_file_refactoring"),
        ("rust", "feature_implementation"),  # a new file: the build's generated lib.rs
        ("php", "security_analysis"),
    ],
)
def test_graded_agents_are_ordered(language: str, category: str, toolchain) -> None:
    toolchain(language)
    ref, wrong, off_ctx, empty = _graded(language, category)
    assert ref > wrong > off_ctx > empty == 0.0


@pytest.mark.slow
def test_compile_time_bonus_uses_the_injected_clock(toolchain) -> None:
    toolchain("python")
    task = _task("python", "feature_implementation")
    it = next(iter(task.items().values()))
    ticks = count(0.0, 10.0)  # every reading 10 s later: the build "takes" 10 s
    task.clock = lambda: next(ticks)
    slow = asyncio.run(_lcbs(task, it.reference))
    task.clock = lambda: 0.0
    fast = asyncio.run(_lcbs(task, it.reference))
    assert slow["compile"] == pytest.approx(0.9) and fast["compile"] == pytest.approx(1.0)


@pytest.mark.slow
def test_a_missing_toolchain_is_not_scored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build, "missing_toolchain", lambda language: "javac")
    task = _task("python", "feature_implementation")
    it = next(iter(task.items().values()))
    s = asyncio.run(_lcbs(task, it.reference))
    assert s["compile"] is None and s["unit_tests"] is None and s["lcbs"] is None
    assert s["software_engineering"] is not None


@pytest.mark.slow
def test_a_hanging_build_is_stopped_by_the_sandbox(toolchain) -> None:
    toolchain("python")
    files = {
        "app/__init__.py": "",
        "app/loop.py": "x = 1\n",
        "tests/test_all.py": "while True:\n    pass\n",
    }
    run = asyncio.run(build.run_tests("python", files, ["tests/test_all.py"], timeout=2.0))
    assert (
        run.limit_hit in ("wall_time", "cpu_time") and run.passed.get("tests/test_all.py", 0) == 0
    )


@pytest.mark.slow
def test_rust_errors_are_counted_and_a_handwritten_lib_rs_is_kept(toolchain) -> None:
    toolchain("rust")
    from harness_locobench.codegen import make_project

    p = make_project("rust", 1500, 0)
    m = p.modules[1].name
    broken = {**p.files, f"src/{m}.rs": p.files[f"src/{m}.rs"] + "pub fn bad() -> i64 { y + z }\n"}
    c = asyncio.run(build.compile_project("rust", broken))
    assert not c.ok and c.errors == 2 and "E0425" in c.output
    # without the @generated line, lib.rs is the author's: a file it does not declare is ignored
    own = {**p.files, "src/lib.rs": p.files["src/lib.rs"].split("\n", 1)[1], "src/junk.rs": "}"}
    c = asyncio.run(build.compile_project("rust", own))
    assert c.ok and c.warnings == 0 and 0 < c.size_bytes < 10 << 20


@pytest.mark.slow
def test_php_syntax_errors_are_counted(toolchain) -> None:
    toolchain("php")
    files = {
        "src/a.php": "<?php\nfunction a(int $x): int\n{\n    return $x +;\n}\n",
        "src/b.php": "<?php\nfunction b(): int\n{\n    return 1\n}\n",
        "src/c.php": "<?php\nfunction c(): int\n{\n    return 1;\n}\n",
    }
    c = asyncio.run(build.compile_project("php", files))
    assert not c.ok and c.errors == 2 and "Parse error" in c.output
    ok = asyncio.run(build.compile_project("php", {"src/c.php": files["src/c.php"]}))
    assert ok.ok and ok.errors == 0 and ok.size_bytes == len(files["src/c.php"])
