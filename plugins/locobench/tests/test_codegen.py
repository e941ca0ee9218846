"""The procedural generator: sizes, planted facts, categories and context coverage (no build)."""

from __future__ import annotations

import re

from harness_locobench.codegen import make_project, make_scenarios
from harness_locobench.schemas import CATEGORIES, COVERAGE_BANDS
from harness_locobench.tokens import bucket


def test_sizes_land_near_the_target_from_a_few_files_to_hundreds() -> None:
    small = make_project("c", 2500, 0)
    big = make_project("python", 100_000, 0)
    assert 4 <= len(small.modules) < 12 and abs(small.tokens() - 2500) < 600
    assert len(big.modules) > 150 and abs(big.tokens() - 100_000) < 5_000
    assert bucket(small.tokens()) == "<10K" and bucket(big.tokens()) == "100K-200K"


def test_planted_facts_are_exact() -> None:
    p = make_project("java", 3000, 1)
    buggy = [m for m in p.modules if m.buggy]
    vulnerable = [m for m in p.modules if m.vulnerable]
    assert len(buggy) == len(vulnerable) == 1 and buggy[0] is not vulnerable[0]
    b = buggy[0]
    assert f"return LIMIT_{b.name.upper()} - 1;" in p.files[p.lang.source_path(b.name)]
    for m in p.modules:  # the dependency graph is the one the code imports
        src = p.files[p.lang.source_path(m.name)]
        used = set(re.findall(r"(\w+)\.base\w+\(x\)", src))
        assert used == {
            "".join(w.capitalize() for w in p.modules[d].name.split("_")) for d in m.deps
        }
    built = {b.scenario.task_category: b for b in make_scenarios(p, 1)}
    arch = built["architectural_understanding"].scenario
    module = p.module(arch.ground_truth["module"])
    assert arch.ground_truth["dependents"] == p.dependents(module)


def test_every_category_with_its_context_and_coverage() -> None:
    p = make_project("python", 6000, 0)
    built = make_scenarios(p, 0)
    assert [b.scenario.task_category for b in built] == list(CATEGORIES)
    for b in built:
        s = b.scenario
        assert set(s.metadata.model_extra["required_files"]) <= set(s.context_files)
        cov = sum(len(p.files[f]) for f in s.context_files) / p.chars()
        assert abs(cov - s.metadata.information_coverage) < 1e-3
        low, high = COVERAGE_BANDS[s.difficulty]
        assert low <= cov < high or (s.difficulty == "expert" and cov <= 1.0)
        assert b.reference and (b.hidden or b.answer_tests_min)
    multi = built[CATEGORIES.index("multi_session_development")]
    assert len(multi.scenario.sessions()) == 3 and len(multi.reference) == 3


def test_rust_projects_are_cargo_packages_with_the_same_planted_facts() -> None:
    p = make_project("rust", 2500, 2)
    mods = [m.name for m in p.modules]
    assert 'name = "app"' in p.files["Cargo.toml"] and "[dependencies]\n" in p.files["Cargo.toml"]
    assert p.files["src/lib.rs"].splitlines()[1:] == [f"pub mod {m};" for m in sorted(mods)]
    for m in p.modules:  # the vulnerability is the one unsafe block; the bug the one limit - 1
        src = p.files[p.lang.source_path(m.name)]
        assert ("unsafe" in src) == m.vulnerable
        assert (f"return LIMIT_{m.name.upper()} - 1;" in src) == m.buggy
        assert set(re.findall(r"(\w+)::base_\w+\(x\)", src)) == {p.modules[d].name for d in m.deps}
    built = {b.scenario.task_category: b for b in make_scenarios(p, 0)}
    assert set(built) == set(CATEGORIES)
    sec = built["security_analysis"]
    assert all("unsafe" not in t for t in sec.reference[0].values())
    assert "cargo package" in sec.scenario.description


def test_php_projects_carry_the_same_planted_facts() -> None:
    p = make_project("php", 2500, 3)
    for m in p.modules:
        src = p.files[p.lang.source_path(m.name)]
        assert src.startswith("<?php\n\ndeclare(strict_types=1);")
        assert (f"count(TABLE_{m.name.upper()})" not in src) == m.vulnerable
        assert (f"return LIMIT_{m.name.upper()} - 1;" in src) == m.buggy
        deps = {p.modules[d].name for d in m.deps}
        assert set(re.findall(r"require_once __DIR__ \. '/(\w+)\.php';", src)) == deps
        assert set(re.findall(r"\$total \+= base_(\w+)\(\$x\);", src)) == deps
    built = {b.scenario.task_category: b for b in make_scenarios(p, 0)}
    feature = built["feature_implementation"]
    [(path, text)] = feature.reference[0].items()
    assert path.startswith("src/feature_") and "($x) + clamp_" in text
