"""Metric rules on hand-computed examples: compile formula, unit-test rule, LCBS weights,
failures scoring zero and a missing toolchain scoring "not scored"."""

from __future__ import annotations

import pytest
from harness_locobench.metrics import ALL_METRICS, Inputs, Scorer, combine


def inputs(**kw) -> Inputs:
    base = dict(
        language="python",
        category="feature_implementation",
        files={"app/extra.py": "def go_on(x: int) -> int:\n    return x\n"},
        sessions=[],
        approach="",
        explanation="",
        project={"app/core.py": "def base_core(x):\n    return x\n", "tests/test_all.py": ""},
        context_files=["app/core.py"],
        required_files=[],
        prompt="Add `go_on`.",
        ground_truth={},
        compile={"ok": True, "seconds": 1.0, "warnings": 0, "errors": 0, "size_bytes": 10},
        tests={"passed": {"tests/test_all.py": 4, "tests/test_hidden.py": 1}, "failed": {}},
        expected_tests={"tests/test_all.py": 4, "tests/test_hidden.py": 2},
        project_tests=["tests/test_all.py"],
    )
    base.update(kw)
    return Inputs(**base)


@pytest.mark.parametrize(
    ("compile", "expected"),
    [
        ({"ok": True, "seconds": 1.0, "warnings": 0, "errors": 0, "size_bytes": 10}, 1.0),
        ({"ok": True, "seconds": 6.0, "warnings": 0, "errors": 0, "size_bytes": 10}, 0.9),
        ({"ok": True, "seconds": 6.0, "warnings": 2, "errors": 0, "size_bytes": 10}, 0.8),
        ({"ok": True, "seconds": 1.0, "warnings": 0, "errors": 0, "size_bytes": 11 << 20}, 0.9),
        ({"ok": False, "seconds": 1.0, "warnings": 0, "errors": 2, "size_bytes": 0}, 0.3),
        ({"ok": False, "seconds": 1.0, "warnings": 0, "errors": 5, "size_bytes": 0}, 0.1),
        ({"ok": False, "seconds": 1.0, "warnings": 0, "errors": 6, "size_bytes": 0}, 0.0),
    ],
)
def test_compile_score(compile: dict, expected: float) -> None:
    assert Scorer(inputs(compile=compile)).compile_score() == pytest.approx(expected)


def test_unit_tests_are_the_task_tests_times_the_project_tests() -> None:
    assert Scorer(inputs()).unit_tests() == pytest.approx(0.5)  # hidden 1/2, project 4/4
    regress = {"passed": {"tests/test_all.py": 3, "tests/test_hidden.py": 2}, "failed": {}}
    assert Scorer(inputs(tests=regress)).unit_tests() == pytest.approx(0.75)
    own = {
        "passed": {"tests/test_all.py": 4, "tests/test_it.py": 1},
        "failed": {"tests/test_it.py": 0},
    }
    x = inputs(tests=own, expected_tests={"tests/test_all.py": 4}, answer_tests_min=3)
    assert Scorer(x).unit_tests() == pytest.approx(1 / 3)  # 1 check of the 3 asked for


def test_lcbs_is_the_released_weighting() -> None:
    m = {k: 0.0 for k in ALL_METRICS}
    m.update(acs=0.8, dta=0.4, compile=1.0, unit_tests=0.5, integration=0.7, idc=0.5)
    m.update(style=0.9, security=1.0, icu=0.6, mmr=0.2)
    out = combine(m)
    se = (0.8 + 0.4) / 8
    fc = 0.3 * 1.0 + 0.3 * 0.5 + 0.2 * 0.7 + 0.2 * 0.5
    cq = 0.7 * 0.9 + 0.3 * 1.0
    lcu = 0.5 * 0.6 + 0.5 * 0.2
    assert out["lcbs"] == pytest.approx(5 * (0.4 * se + 0.3 * fc + 0.2 * cq + 0.1 * lcu))
    assert out["functional_correctness"] == pytest.approx(fc)


def test_failures_score_zero_and_a_missing_toolchain_is_not_scored() -> None:
    refused = Scorer(inputs(failure="refused: the answer writes outside the project")).all()
    assert set(refused.values()) == {0.0}
    assert set(Scorer(inputs(files={})).all().values()) == {0.0}
    missing = Scorer(
        inputs(compile={"ok": False, "missing_tool": "javac"}, tests={"missing_tool": "javac"})
    ).all()
    assert missing["compile"] is None and missing["unit_tests"] is None
    assert missing["functional_correctness"] is None and missing["lcbs"] is None
    assert missing["acs"] is not None


def test_long_context_use_counts_context_files_prompt_terms_and_facts() -> None:
    x = inputs(
        files={
            "app/extra.py": "from app import core\n\n"
            "def go_on(x):\n    return core.base_core(x) + 417\n"
        },
        required_files=["app/core.py", "app/other.py"],
        prompt="Add `go_on` using `base_core`.",
        ground_truth={"sum": 417, "missing": "zzz_fact"},
    )
    # stems: core yes, other no -> 0.5; terms go_on, base_core -> 1.0; facts 417 yes, zzz no -> 0.5
    assert Scorer(x).icu() == pytest.approx(0.4 * 0.5 + 0.35 * 1.0 + 0.25 * 0.5)


RUST_SAFE = """//! Safe lookup.

use crate::core;
use std::collections::HashMap;

/// Entry i, or -1.
pub fn lookup_safe(i: i64, table: &[i64]) -> i64 {
    if i < 0 || i >= table.len() as i64 {
        return -1;
    }
    table[i as usize] + core::base_core(i)
}

pub(crate) fn helper_value<T: Copy>(a: T, b: T, c: T) -> usize {
    let _m: HashMap<i64, i64> = HashMap::new();
    0
}
"""
RUST_UNSAFE = """use crate::missing;

pub fn lookup_raw(i: i64, table: &[i64]) -> i64 {
    unsafe { *table.get_unchecked(i as usize) }
}

pub fn shell() {
    std::process::Command::new("sh").status().ok();
}
"""


def test_rust_is_parsed_as_rust() -> None:
    from harness_locobench.metrics import analyse

    info = analyse("src/safe.rs", RUST_SAFE, "rust")
    assert [(n, k) for n, k, _ in info.functions] == [("lookup_safe", 2), ("helper_value", 3)]
    assert info.functions[0][2] == 6 and info.comment_lines == 2
    assert info.imports == ["crate::core", "std::collections::HashMap"]
    project = {"src/core.rs": "pub fn base_core(x: i64) -> i64 {\n    x\n}\n"}
    both = {"src/safe.rs": RUST_SAFE, "src/raw.rs": RUST_UNSAFE}
    x = inputs(language="rust", files=both, project=project, context_files=["src/core.rs"])
    s = Scorer(x)
    # crate::core and std resolve; crate::missing does not
    assert s.import_accuracy() == pytest.approx(2 / 3)
    assert s.security() == pytest.approx(0.5)  # unsafe and Command in one file of two
    assert Scorer(inputs(language="rust", files={"src/raw.rs": RUST_UNSAFE})).security() == 0.0


PHP_FILE = """<?php

declare(strict_types=1);

require_once __DIR__ . '/core.php';
require_once __DIR__ . '/gone.php';

# a shell comment
function run_it(int $a, string $b): int
{
    return base_core($a) + strlen($b);
}

function risky(string $cmd): string
{
    return shell_exec($cmd);
}
"""


def test_php_is_parsed_as_php() -> None:
    from harness_locobench.metrics import analyse

    info = analyse("src/run.php", PHP_FILE, "php")
    assert [(n, k, b) for n, k, b in info.functions] == [("run_it", 2, 4), ("risky", 1, 4)]
    assert info.imports == ["/core.php", "/gone.php"] and info.comment_lines == 1
    project = {"src/core.php": "<?php\nfunction base_core(int $x): int\n{\n    return $x;\n}\n"}
    x = inputs(language="php", files={"src/run.php": PHP_FILE}, project=project)
    s = Scorer(x)
    assert s.import_accuracy() == pytest.approx(0.5) and s.security() == 0.0
