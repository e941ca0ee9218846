"""The procedural codebase generator: multi-file projects that compile and pass their own tests,
at any size, with planted facts that make every scenario's ground truth exact. No model.

A project is a DAG of modules. Module ``m`` defines a constant ``LIMIT_M`` (where a value is
defined), a table, and ``base``/``compute``/``clamp``/``lookup``/``describe``; ``compute`` adds
the ``base`` of the modules ``m`` imports (which module depends on which). One module's ``clamp``
carries a seeded off-by-one bug and another's ``lookup`` has no bounds check (the vulnerability);
the project's own tests do not touch either, so the project passes them. Values are computed here
in Python, so hidden tests and ground truths are exact in every language.

Scenarios (:func:`make_scenarios`): one per category over a project, each with a hidden test
program, a reference solution (what the graded "reference" agent answers) and the context files
chosen to hit the difficulty's information-coverage band.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from harness_locobench.langs import (
    LANGS,
    MOD,
    Check,
    Lang,
    Module,
    NewFn,
    new_module,
    qualified,
)
from harness_locobench.schemas import CATEGORIES, COVERAGE_BANDS, Scenario
from harness_locobench.tokens import bucket, count_tokens

WORDS = [
    "account",
    "audit",
    "batch",
    "billing",
    "budget",
    "cache",
    "catalog",
    "channel",
    "checkout",
    "cluster",
    "config",
    "credit",
    "device",
    "event",
    "export",
    "feed",
    "gateway",
    "grade",
    "health",
    "index",
    "invoice",
    "ledger",
    "loan",
    "metric",
    "order",
    "parcel",
    "payment",
    "policy",
    "portal",
    "quota",
    "ranking",
    "record",
    "report",
    "route",
    "schedule",
    "sensor",
    "session",
    "shipment",
    "stock",
    "ticket",
    "token",
    "tracker",
    "vault",
    "voucher",
    "wallet",
    "widget",
]
DOMAINS = ("fintech", "logistics", "healthcare", "retail", "telemetry", "education")
PROJECT_TEST = "test_all"
HIDDEN_TEST = "test_hidden"


@dataclass
class Project:
    """A generated codebase: its files, its modules and its own test programs."""

    name: str
    language: str
    modules: list[Module]
    files: dict[str, str]
    tests: dict[str, int]  # test program path -> how many checks it prints

    @property
    def lang(self) -> Lang:
        return LANGS[self.language]

    def tokens(self) -> int:
        return sum(count_tokens(t) for t in self.files.values())

    def chars(self) -> int:
        return sum(len(t) for t in self.files.values())

    def module(self, name: str) -> Module:
        return next(m for m in self.modules if m.name == name)

    def dependents(self, m: Module) -> list[str]:
        return sorted(x.name for x in self.modules if m.index in x.deps)

    def module_files(self, name: str) -> list[str]:
        lang = self.lang
        return [p for p in (lang.source_path(name), lang.header_path(name)) if p]


@dataclass
class Built:
    """A scenario with what grading needs: the hidden test, the reference and planted facts."""

    scenario: Scenario
    hidden: dict[str, int] = field(default_factory=dict)  # hidden test path -> checks
    hidden_files: dict[str, str] = field(default_factory=dict)
    reference: list[dict[str, str]] = field(default_factory=list)  # files per session
    answer_tests_min: int = 0  # integration_testing: checks the answer's own test must print
    #: an answer that builds but fails the task's tests (a graded agent for tests and fixtures)
    wrong: list[dict[str, str]] = field(default_factory=list)


def _names(rng: random.Random, n: int) -> list[str]:
    pairs = [f"{a}_{b}" for a in WORDS for b in WORDS if a != b]
    rng.shuffle(pairs)
    out = pairs[:n]
    k = 2
    while len(out) < n:  # past 2,450 modules: numbered variants
        out += [f"{p}_{k}" for p in pairs[: n - len(out)]]
        k += 1
    return out


def _module_checks(lang: Lang, m: Module, mods: list[Module]) -> list[Check]:
    n = m.name
    checks = [
        Check(f"compute_{n}_1", lang.call("compute", n, "1"), _compute(m, 1, mods)),
        Check(f"compute_{n}_7", lang.call("compute", n, "7"), _compute(m, 7, mods)),
        Check(f"clamp_{n}_low", lang.call("clamp", n, "3"), 3),
        Check(f"lookup_{n}_0", lang.call("lookup", n, "0"), m.table[0]),
    ]
    if not m.buggy:
        checks.append(Check(f"clamp_{n}_high", lang.call("clamp", n, str(m.limit + 9)), m.limit))
    if not m.vulnerable:
        checks.append(Check(f"lookup_{n}_out", lang.call("lookup", n, "99"), -1))
    return checks


def _compute(m: Module, x: int, mods: list[Module]) -> int:
    return (m.base(x) + sum(mods[d].base(x) for d in m.deps)) % MOD


def make_project(language: str, target_tokens: int, seed: int = 0) -> Project:
    """A project of about ``target_tokens`` tokens (at least four modules)."""
    lang = LANGS[language]
    rng = random.Random(f"{language}/{target_tokens}/{seed}")
    per_module = 420 if language != "java" else 480  # estimate, corrected below
    n = max(4, round(target_tokens / per_module))
    for _ in range(3):  # render, measure, resize: sizes land within a few percent
        project = _render(lang, n, seed, rng.getstate())
        got = project.tokens()
        if abs(got - target_tokens) <= max(0.05 * target_tokens, 200) or (
            n == 4 and got > target_tokens
        ):
            break
        n = max(4, round(n * target_tokens / got))
    domain = DOMAINS[seed % len(DOMAINS)]
    project.name = f"{language}_{domain}_{_size_name(target_tokens)}_s{seed}"
    return project


def _size_name(tokens: int) -> str:
    return f"{tokens // 1000}k" if tokens >= 1000 else f"{tokens}t"


def _render(lang: Lang, n: int, seed: int, state: Any) -> Project:
    rng = random.Random()
    rng.setstate(state)
    names = _names(rng, n)
    mods = []
    for i, name in enumerate(names):
        deps = sorted(rng.sample(range(i), min(i, rng.randint(1, 2)))) if i else []
        table = [rng.randint(10, 999) for _ in range(rng.randint(4, 7))]
        mods.append(Module(name, i, deps, rng.randint(50, 900), rng.randint(3, 97), table))
    buggy = rng.randrange(1, n)
    mods[buggy].buggy = True
    mods[rng.choice([i for i in range(1, n) if i != buggy])].vulnerable = True
    files: dict[str, str] = {}
    for m in mods:
        files.update(lang.sources(m, mods))
    checks = [c for m in mods for c in _module_checks(lang, m, mods)]
    path, text = lang.test_file(PROJECT_TEST, checks, [m.name for m in mods])
    files[path] = text
    files.update(lang.project_files([m.name for m in mods]))
    files["README.md"] = _readme(lang, mods)
    return Project("", lang.name, mods, files, {path: len(checks)})


def _readme(lang: Lang, mods: list[Module]) -> str:
    lines = ["# Generated project", "", f"Language: {lang.name}. Modules: {len(mods)}.", ""]
    lines += [f"Build: `{lang.compile_cmd()}`", ""]
    lines += ["Tests print one `PASS name` or `FAIL name` line per check."]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------- scenarios


def _pick_context(
    project: Project, required: list[str], difficulty: str, rng: random.Random
) -> tuple[list[str], str, float]:
    """Required files first, then others in a seeded order until the coverage band is reached.
    Returns (files, difficulty actually reached, coverage)."""
    total = project.chars()
    files = list(dict.fromkeys(required))
    chars = sum(len(project.files[f]) for f in files)
    low, high = COVERAGE_BANDS[difficulty]
    others = [f for f in sorted(project.files) if f not in files]
    rng.shuffle(others)
    for f in others:
        if chars / total >= low:
            break
        if (chars + len(project.files[f])) / total > high and chars / total >= low * 0.9:
            continue
        files.append(f)
        chars += len(project.files[f])
    cov = chars / total
    reached = next((d for d, (lo, hi) in COVERAGE_BANDS.items() if lo <= cov < hi), "expert")
    if cov < 0.2:
        reached = "easy"
    return files, reached, round(cov, 4)


def make_scenarios(
    project: Project, seed: int = 0, categories: tuple[str, ...] = CATEGORIES
) -> list[Built]:
    """One scenario per category over ``project``, difficulties spread over the four bands."""
    rng = random.Random(f"{project.name}/{seed}")
    out = []
    diffs = list(COVERAGE_BANDS)
    for i, cat in enumerate(categories):
        build = _BUILDERS[cat]
        built = build(project, rng)
        want = diffs[(i + seed) % 4]
        required = built.scenario.context_files
        files, reached, cov = _pick_context(project, required, want, rng)
        ctx_chars = sum(len(project.files[f]) for f in files)
        s = built.scenario
        s.id = f"{project.name}_{cat}_{reached}_01"
        s.difficulty = reached  # type: ignore[assignment]
        s.context_files = files
        s.context_length = ctx_chars
        ctx_tokens = sum(count_tokens(project.files[f]) for f in files)
        s.metadata = s.metadata.model_copy(
            update={
                "context_length": ctx_chars,
                "files_count": len(files),
                "information_coverage": cov,
                "coverage_range": list(COVERAGE_BANDS[reached]),
                "context_tokens": ctx_tokens,
                "context_bucket": bucket(ctx_tokens),
                "project_tokens": project.tokens(),
                "required_files": list(required),
            }
        )
        out.append(built)
    return out


def _scenario(
    project: Project, cat: str, title: str, description: str, prompt: Any, **kw: Any
) -> Scenario:
    return Scenario(
        id="pending",
        task_category=cat,  # type: ignore[arg-type]
        difficulty="easy",
        title=title,
        description=description,
        context_files=kw.pop("context"),
        context_length=0,
        task_prompt=prompt,
        metadata={  # type: ignore[arg-type]
            "context_length": 0,
            "files_count": 0,
            "information_coverage": 0.0,
            "language": project.language,
            "project": project.name,
            "generator": "procedural",
        },
        **kw,
    )


def _desc(project: Project) -> str:
    return (
        f"A {project.language} project of {len(project.modules)} modules. Each module defines "
        "a LIMIT constant, a table and the functions base, compute, clamp, lookup and describe; "
        "compute adds the base values of the modules it imports. Its tests print one "
        "`PASS name` or `FAIL name` line per check." + project.lang.note
    )


def _answer_rule(project: Project) -> str:
    return (
        f"Answer with the complete new content of every file you add or change "
        f"(paths relative to the project root, {project.language} code)."
    )


def _subject(project: Project, rng: random.Random, need_dependents: bool = False) -> Module:
    pool = [m for m in project.modules if not m.buggy and not m.vulnerable]
    if need_dependents:
        pool = [m for m in pool if project.dependents(m)] or pool
    return rng.choice(pool)


def _hidden(
    lang: Lang, checks: list[Check], mods: list[str]
) -> tuple[dict[str, str], dict[str, int]]:
    path, text = lang.test_file(HIDDEN_TEST, checks, mods)
    return {path: text}, {path: len(checks)}


def _architectural(project: Project, rng: random.Random) -> Built:
    lang = project.lang
    m = _subject(project, rng, need_dependents=True)
    deps = project.dependents(m)
    ns = f"arch_{m.name}"
    fname = lang.fn("dependents", m.name)
    value = ",".join(deps)
    ref = new_module(lang, ns, [NewFn(fname, f'"{value}"', "str", False)], [])
    hidden_files, hidden = _hidden(
        lang, [Check(f"{fname}", qualified(lang, ns, fname), value)], [ns]
    )
    prompt = (
        f"Add a module `{ns}` ({', '.join(ref)}) with a function `{fname}` taking no argument "
        f"that returns the names of every module whose compute function uses module "
        f"`{m.name}` directly, sorted, joined by commas without spaces. {_answer_rule(project)}"
    )
    ctx = project.module_files(m.name) + [f for d in deps for f in project.module_files(d)]
    s = _scenario(
        project,
        "architectural_understanding",
        f"Dependents of {m.name}",
        _desc(project),
        prompt,
        context=ctx,
        expected_approach=f"Read which modules import {m.name} and list them.",
        ground_truth={"dependents": deps, "module": m.name},
        evaluation_criteria=["the list is exact", "the new module compiles"],
    )
    bad = new_module(lang, ns, [NewFn(fname, '"none"', "str", False)], [])
    return Built(s, hidden, hidden_files, [ref], wrong=[bad])


def _refactoring(project: Project, rng: random.Random) -> Built:
    lang = project.lang
    m = _subject(project, rng, need_dependents=True)
    old, new = lang.fn("base", m.name), lang.fn("core", m.name)
    pat = re.compile(rf"\b{re.escape(old)}\b")
    touched = sorted(p for p, t in project.files.items() if pat.search(t) and not lang.is_test(p))
    ref = {p: pat.sub(new, project.files[p]) for p in touched}
    checks = [Check(new, lang.call("core", m.name, "3"), m.base(3))]
    for d in project.dependents(m):
        checks.append(
            Check(
                f"compute_{d}",
                lang.call("compute", d, "3"),
                _compute(project.module(d), 3, project.modules),
            )
        )
    hidden_files, hidden = _hidden(lang, checks, [m.name, *project.dependents(m)])
    prompt = (
        f"Rename the function `{old}` to `{new}` everywhere in the project (its definition and "
        f"every use), keeping behaviour unchanged. {_answer_rule(project)}"
    )
    s = _scenario(
        project,
        "cross_file_refactoring",
        f"Rename {old}",
        _desc(project),
        prompt,
        context=touched,
        expected_approach="Find every file that defines or calls "
        f"{old} and rename it in all of them.",
        ground_truth={"files_to_change": touched},
        evaluation_criteria=["every use renamed", "behaviour unchanged", "it builds"],
    )
    return Built(
        s,
        hidden,
        hidden_files,
        [ref],
        wrong=[{p: project.files[p] for p in project.module_files(m.name)}],
    )


def _feature(project: Project, rng: random.Random) -> Built:
    lang = project.lang
    m = _subject(project, rng)
    ns = f"feature_{m.name}"
    fname = lang.fn("combined", m.name)
    expr = f"({lang.call('compute', m.name, 'x')} + {lang.call('clamp', m.name, 'x')}) % {MOD}"
    ref = new_module(lang, ns, [NewFn(fname, expr)], [m.name])
    xs = [2, 9, m.limit + 3]
    checks = [
        Check(
            f"{fname}_{x}",
            qualified(lang, ns, fname, str(x)),
            (_compute(m, x, project.modules) + m.clamp(x)) % MOD,
        )
        for x in xs
    ]
    hidden_files, hidden = _hidden(lang, checks, [ns])
    prompt = (
        f"Add a module `{ns}` ({', '.join(ref)}) with a function `{fname}(x)` returning "
        f"(compute of `{m.name}` at x + clamp of `{m.name}` at x) modulo {MOD}, reusing the "
        f"existing functions. {_answer_rule(project)}"
    )
    s = _scenario(
        project,
        "feature_implementation",
        f"Combined value of {m.name}",
        _desc(project),
        prompt,
        context=project.module_files(m.name),
        expected_approach="Call the module's compute and clamp functions from a new module.",
        ground_truth={
            "module": m.name,
            "values": {str(x): c.expected for x, c in zip(xs, checks, strict=True)},
        },
        evaluation_criteria=["reuses the module's functions", "exact values"],
    )
    bad = new_module(lang, ns, [NewFn(fname, "x * 0")], [])
    return Built(s, hidden, hidden_files, [ref], wrong=[bad])


def _bug(project: Project, rng: random.Random) -> Built:
    lang = project.lang
    b = next(m for m in project.modules if m.buggy)
    fixed = Module(**{**b.__dict__, "buggy": False})
    ref = {
        p: t for p, t in lang.sources(fixed, project.modules).items() if project.files.get(p) != t
    }
    checks = [
        Check(f"clamp_{b.name}_{k}", lang.call("clamp", b.name, str(b.limit + k)), b.limit)
        for k in (1, 50)
    ]
    hidden_files, hidden = _hidden(lang, checks, [b.name])
    prompt = (
        "Users report that one module's clamp function returns one less than the module's "
        "limit for inputs above the limit; clamp must return exactly the limit then. Find "
        f"the faulty function and fix it. {_answer_rule(project)}"
    )
    s = _scenario(
        project,
        "bug_investigation",
        "Clamp returns limit - 1",
        _desc(project),
        prompt,
        context=project.module_files(b.name),
        expected_approach="Compare every clamp with its limit; fix the one returning limit - 1.",
        ground_truth={"file": lang.source_path(b.name), "function": lang.fn("clamp", b.name)},
        evaluation_criteria=["the faulty function is found", "the fix is minimal"],
    )
    return Built(s, hidden, hidden_files, [ref], wrong=[{p: project.files[p] for p in ref}])


def _security(project: Project, rng: random.Random) -> Built:
    lang = project.lang
    v = next(m for m in project.modules if m.vulnerable)
    fixed = Module(**{**v.__dict__, "vulnerable": False})
    ref = {
        p: t for p, t in lang.sources(fixed, project.modules).items() if project.files.get(p) != t
    }
    checks = [
        Check(f"lookup_{v.name}_neg", lang.call("lookup", v.name, "-1"), -1),
        Check(f"lookup_{v.name}_end", lang.call("lookup", v.name, str(len(v.table))), -1),
        Check(f"lookup_{v.name}_0", lang.call("lookup", v.name, "0"), v.table[0]),
    ]
    hidden_files, hidden = _hidden(lang, checks, [v.name])
    prompt = (
        "Security audit: every lookup function must return -1 for an index outside its "
        "table (negative or too large) and never read outside the table. Find the lookup "
        f"that does not check its index and fix it. {_answer_rule(project)}"
    )
    s = _scenario(
        project,
        "security_analysis",
        "Unchecked table index",
        _desc(project),
        prompt,
        context=project.module_files(v.name),
        expected_approach="Check each lookup for a bounds test; add the missing one.",
        ground_truth={
            "file": lang.source_path(v.name),
            "function": lang.fn("lookup", v.name),
            "weakness": "CWE-125 out-of-bounds read",
        },
        evaluation_criteria=["the unchecked lookup is found", "out-of-range indexes give -1"],
    )
    return Built(s, hidden, hidden_files, [ref], wrong=[{p: project.files[p] for p in ref}])


def _comprehension(project: Project, rng: random.Random) -> Built:
    lang = project.lang
    m = _subject(project, rng)
    while not m.deps:
        m = _subject(project, rng)
    involved = [m, *(project.modules[d] for d in m.deps)]
    total = sum(x.limit for x in involved)
    ns = f"facts_{m.name}"
    fname = lang.fn("limit_sum", m.name)
    ref = new_module(lang, ns, [NewFn(fname, str(total), "int", False)], [])
    hidden_files, hidden = _hidden(lang, [Check(fname, qualified(lang, ns, fname), total)], [ns])
    prompt = (
        f"Add a module `{ns}` ({', '.join(ref)}) with a function `{fname}` taking no argument "
        f"that returns the sum of the LIMIT constants of module `{m.name}` and of every module "
        f"it imports. {_answer_rule(project)}"
    )
    ctx = [f for x in involved for f in project.module_files(x.name)]
    s = _scenario(
        project,
        "code_comprehension",
        f"Limits around {m.name}",
        _desc(project),
        prompt,
        context=ctx,
        expected_approach="Find the modules it imports and where each LIMIT "
        "is defined; add them up.",
        ground_truth={
            "sum": total,
            "defined_in": {lang.const(x.name): lang.source_path(x.name) for x in involved},
        },
        evaluation_criteria=["the value is exact"],
    )
    bad = new_module(lang, ns, [NewFn(fname, str(total + 1), "int", False)], [])
    return Built(s, hidden, hidden_files, [ref], wrong=[bad])


def _integration(project: Project, rng: random.Random) -> Built:
    lang = project.lang
    m = _subject(project, rng)
    while not m.deps:
        m = _subject(project, rng)
    stem = "test_integration"
    checks = [
        Check(
            f"compute_{m.name}_{x}",
            lang.call("compute", m.name, str(x)),
            _compute(m, x, project.modules),
        )
        for x in (1, 2, 3)
    ]
    path, text = lang.test_file(stem, checks, [m.name])
    prompt = (
        f"Write an integration test program `{path}` that checks `compute` of module "
        f"`{m.name}` (which combines the modules it imports) for x = 1, 2 and 3 against the "
        "values you derive from the code. Like the project's own tests it must print one "
        f"`PASS name` or `FAIL name` line per check. {_answer_rule(project)}"
    )
    ctx = [
        f
        for x in [m.name, *(project.modules[d].name for d in m.deps)]
        for f in project.module_files(x)
    ]
    ctx.append(next(iter(project.tests)))
    s = _scenario(
        project,
        "integration_testing",
        f"Integration test of {m.name}",
        _desc(project),
        prompt,
        context=ctx,
        expected_approach="Derive compute's values from the module and "
        "its imports; print one line per check.",
        ground_truth={"test_file": path, "values": {str(c.name): c.expected for c in checks}},
        evaluation_criteria=["the tests pass on the project", "the values are derived"],
    )
    off = [Check(c.name, c.expr, int(c.expected) + 1) for c in checks]
    bad = dict([lang.test_file(stem, off, [m.name])])
    return Built(s, {}, {}, [{path: text}], answer_tests_min=3, wrong=[bad])


def _multi_session(project: Project, rng: random.Random) -> Built:
    lang = project.lang
    m = _subject(project, rng)
    other = rng.choice([x for x in project.modules if x is not m])
    ns = f"session_{m.name}"
    f1, f2, f3 = (lang.fn(v, m.name) for v in ("double", "report", "total"))
    e1 = f"(2 * {lang.call('compute', m.name, 'x')}) % {MOD}"
    e2 = f"({f1}(x) + {lang.const_ref(m.name)}) % {MOD}"
    e3 = f"({f2}(x) + {lang.call('compute', other.name, 'x')}) % {MOD}"
    fns = [NewFn(f1, e1), NewFn(f2, e2), NewFn(f3, e3)]
    refs = [
        new_module(lang, ns, fns[:1], [m.name]),
        new_module(lang, ns, fns[:2], [m.name]),
        new_module(lang, ns, fns, [m.name, other.name]),
    ]
    v1 = lambda x: 2 * _compute(m, x, project.modules) % MOD  # noqa: E731
    v2 = lambda x: (v1(x) + m.limit) % MOD  # noqa: E731
    v3 = lambda x: (v2(x) + _compute(other, x, project.modules)) % MOD  # noqa: E731
    checks = [
        Check(f"{f}_{x}", qualified(lang, ns, f, str(x)), v(x))
        for f, v in ((f1, v1), (f2, v2), (f3, v3))
        for x in (4, 11)
    ]
    hidden_files, hidden = _hidden(lang, checks, [ns])
    files = ", ".join(refs[0])
    prompts = {
        "session_1": f"Add a module `{ns}` ({files}) with `{f1}(x)` returning 2 x compute of "
        f"`{m.name}` at x, modulo {MOD}. {_answer_rule(project)}",
        "session_2": f"In the same module `{ns}`, add `{f2}(x)` returning ({f1}(x) + the LIMIT "
        f"constant of `{m.name}`) modulo {MOD}; keep `{f1}`. Give the whole module again.",
        "session_3": f"Still in `{ns}`, add `{f3}(x)` returning ({f2}(x) + compute of "
        f"`{other.name}` at x) modulo {MOD}; keep the earlier functions. Give the whole module.",
    }
    s = _scenario(
        project,
        "multi_session_development",
        f"Three sessions on {m.name}",
        _desc(project),
        prompts,
        context=project.module_files(m.name) + project.module_files(other.name),
        expected_approach="Grow one module over three sessions, keeping names consistent.",
        ground_truth={"functions": [f1, f2, f3], "module": ns},
        evaluation_criteria=["earlier functions kept", "names consistent", "exact values"],
    )
    zero = [NewFn(f.name, "x * 0") for f in fns]
    bad = [new_module(lang, ns, zero[: k + 1], [m.name]) for k in range(3)]
    return Built(s, hidden, hidden_files, refs, wrong=bad)


_BUILDERS = {
    "architectural_understanding": _architectural,
    "cross_file_refactoring": _refactoring,
    "feature_implementation": _feature,
    "bug_investigation": _bug,
    "multi_session_development": _multi_session,
    "code_comprehension": _comprehension,
    "integration_testing": _integration,
    "security_analysis": _security,
}
