"""``harness generate locobench``: model-written projects are built and tested in the sandbox
and kept, or rejected with the reason (a scripted generator plays the model)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from harness_locobench.modelgen import ModelCodebaseGenerator

CALC = "def add(a, b):\n    return a + b\n"
TEST = (
    "import sys\nsys.path.insert(0, '.')\nfrom app import calc\n"
    "print('PASS add' if calc.add(2, 3) == 5 else 'FAIL add')\n"
)


def _asker(files: dict[str, str], context: list[str]) -> Any:
    async def ask(prompt: str) -> dict[str, Any]:
        if prompt.startswith("Invent"):
            return {"name": "calc", "description": "Adds.", "features": ["add"]}
        if prompt.startswith("Write the complete codebase"):
            return {"files": files}
        return {
            "title": "Explain add",
            "description": "A calculator.",
            "task_prompt": "Add a function sub(a, b) to app/calc.py.",
            "expected_approach": "Write sub next to add.",
            "ground_truth": json.dumps({"file": "app/calc.py"}),
            "context_files": context,
        }

    return ask


def _run(files: dict[str, str], context: list[str] | None = None, cats=("bug_investigation",)):
    gen = ModelCodebaseGenerator()
    ask = _asker(files, context or ["app/calc.py"])
    return asyncio.run(gen.project(ask, "python", "fintech", 0, cats, 60.0))


@pytest.mark.slow
def test_a_project_that_builds_and_passes_is_kept(toolchain) -> None:
    toolchain("python")
    files = {"app/__init__.py": "", "app/calc.py": CALC, "tests/test_all.py": TEST}
    items, why = _run(files, cats=("bug_investigation", "code_comprehension"))
    assert why is None and len(items) == 2
    s = items[0].scenario
    assert s.id.startswith("python_calc_0_bug_investigation_") and s.context_files == [
        "app/calc.py"
    ]
    assert items[0].tests == {"tests/test_all.py": 1}


@pytest.mark.slow
def test_broken_projects_are_rejected_with_the_reason(toolchain) -> None:
    toolchain("python")
    broken = {"app/__init__.py": "", "app/calc.py": "def add(a, b)\n", "tests/test_all.py": TEST}
    assert _run(broken)[1].startswith("does not build")
    failing = {
        "app/__init__.py": "",
        "app/calc.py": CALC.replace("+", "-"),
        "tests/test_all.py": TEST,
    }
    assert _run(failing)[1] == "its tests do not pass (0 passed, 1 failed)"
    assert "no test program" in _run({"app/calc.py": CALC})[1]
    assert "outside the project" in _run({"../x.py": "", "tests/test_all.py": TEST})[1]
    good = {"app/__init__.py": "", "app/calc.py": CALC, "tests/test_all.py": TEST}
    items, why = _run(good, context=["app/nope.py"])
    assert items == [] and "python_calc_0_bug_investigation_01" in why and "app/nope.py" in why


RUST = {
    "Cargo.toml": '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n',
    "src/lib.rs": "pub mod calc;\n",
    "src/calc.rs": "pub fn add(a: i64, b: i64) -> i64 {\n    a + b\n}\n",
    "tests/test_all.rs": "use app::calc;\n\nfn main() {\n"
    '    println!("{} add", if calc::add(2, 3) == 5 { "PASS" } else { "FAIL" });\n}\n',
}
PHP = {
    "src/calc.php": "<?php\nfunction add(int $a, int $b): int\n{\n    return $a + $b;\n}\n",
    "tests/test_all.php": "<?php\nrequire_once __DIR__ . '/../src/calc.php';\n"
    'echo (add(2, 3) === 5 ? "PASS" : "FAIL") . " add\\n";\n',
}


@pytest.mark.slow
@pytest.mark.parametrize(("language", "files"), [("rust", RUST), ("php", PHP)])
def test_rust_and_php_projects_are_built_and_kept(language: str, files: dict, toolchain) -> None:
    toolchain(language)
    gen = ModelCodebaseGenerator()
    src = next(p for p in files if p.startswith("src/calc"))
    ask = _asker(files, [src])
    items, why = asyncio.run(gen.project(ask, language, "fintech", 0, ("bug_investigation",), 60))
    assert why is None and items[0].tests == {f"tests/test_all.{src.rsplit('.', 1)[1]}": 1}
    broken = {**files, src: files[src].replace("}\n", "", 1)}  # an unclosed function
    assert asyncio.run(gen.project(_asker(broken, [src]), language, "x", 0, (), 60))[1].startswith(
        "does not build"
    )
