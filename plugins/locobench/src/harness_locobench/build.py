"""Compile and test a project (with an answer applied) in the sandbox, with real toolchains.

Two sandbox calls: the build alone (timed with an injectable clock, its warnings and errors
counted, the size of what it produced measured), then the build again followed by every test
program, each after a marker line, whose ``PASS``/``FAIL`` lines are counted. A language whose
toolchain is missing is not run at all: the result says which tool is missing, and the scores
that need it are "not scored" (None), never zero."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from harness_locobench.langs import LANGS, missing_toolchain

MARK = "@@LOCOBENCH"
_ERROR_LINE = {
    "python": re.compile(r"^\s*(\w+Error):", re.M),
    "javascript": re.compile(r"^SyntaxError|^error: ", re.M),
    # rustc's diagnostics, not cargo's summaries ("could not compile", "generated 2 warnings")
    "rust": re.compile(r"^error(?:\[E\d+\])?: (?!could not compile|aborting due)", re.M),
    "php": re.compile(r"^(?:PHP )?(?:Parse|Fatal) error:", re.M),
}
_GCC_LIKE = re.compile(r"\berror\b:", re.M)
_WARNING = re.compile(r"\bwarning\b:", re.M)
_WARNING_LINE = {
    "rust": re.compile(r"^warning(?:\[\w+\])?: (?!.*\bgenerated \d+ warnings?\b)", re.M),
    "php": re.compile(r"^(?:PHP )?(?:Warning|Deprecated):", re.M),
}


@dataclass
class CompileResult:
    ok: bool
    seconds: float = 0.0
    warnings: int = 0
    errors: int = 0
    size_bytes: int = 0
    output: str = ""
    missing_tool: str | None = None
    limit_hit: str | None = None


@dataclass
class TestRun:
    passed: dict[str, int] = field(default_factory=dict)  # test program -> PASS lines
    failed: dict[str, int] = field(default_factory=dict)
    exit_codes: dict[str, int] = field(default_factory=dict)
    output: str = ""
    missing_tool: str | None = None
    limit_hit: str | None = None


def _limits(wall: float) -> object:
    from harness.sandbox import SandboxLimits

    return SandboxLimits(wall_seconds=wall, cpu_seconds=wall, memory_bytes=2 << 30, processes=256)


async def compile_project(
    language: str,
    files: dict[str, str],
    timeout: float = 120.0,
    clock: Callable[[], float] = time.perf_counter,
) -> CompileResult:
    """Build the project; ``clock`` times the build (inject a fake one in tests)."""
    from harness.sandbox import arun_command

    tool = missing_toolchain(language)
    if tool:
        return CompileResult(ok=False, missing_tool=tool)
    lang = LANGS[language]
    size_cmd = (
        f'; rc=$?; echo "{MARK} SIZE $(du -sb {lang.build_out} 2>/dev/null | cut -f1)"; exit $rc'
    )
    start = clock()
    r = await arun_command(
        f"({lang.compile_cmd()})" + size_cmd, files=files, limits=_limits(timeout)
    )
    seconds = clock() - start
    text = r.stdout + "\n" + r.stderr
    size_match = re.search(rf"{MARK} SIZE (\d+)", r.stdout)
    size = int(size_match.group(1)) if size_match else 0
    if not lang.build_out:
        size = sum(len(t.encode()) for p, t in files.items() if p.endswith(lang.ext))
    errors = len((_ERROR_LINE.get(language) or _GCC_LIKE).findall(r.stderr + r.stdout))
    if language == "python" and r.exit_code != 0:
        errors = max(errors, 1)
    ok = r.exit_code == 0 and errors == 0 and r.limit_hit is None
    return CompileResult(
        ok=ok,
        seconds=seconds,
        warnings=len(_WARNING_LINE.get(language, _WARNING).findall(r.stderr)),
        errors=errors if not ok else 0,
        size_bytes=size,
        output=text[-4000:],
        limit_hit=r.limit_hit,
    )


async def run_tests(
    language: str, files: dict[str, str], tests: list[str], timeout: float = 180.0
) -> TestRun:
    """Build, then run each test program; count its PASS and FAIL lines."""
    from harness.sandbox import arun_command

    tool = missing_toolchain(language)
    if tool:
        return TestRun(missing_tool=tool)
    lang = LANGS[language]
    env = {"PYTHONPATH": "."} if language == "python" else None
    parts = [f"({lang.compile_cmd()}) > /dev/null 2>&1"]
    for t in tests:
        parts.append(f'echo "{MARK} TEST {t}"; ({lang.test_cmd(t)}) 2>&1; echo "{MARK} RC $?"')
    r = await arun_command("; ".join(parts), files=files, limits=_limits(timeout), env=env)
    run = TestRun(output=r.stdout[-4000:], limit_hit=r.limit_hit)
    current = None
    for line in r.stdout.splitlines():
        if line.startswith(f"{MARK} TEST "):
            current = line.split(" ", 2)[2]
            run.passed[current] = run.failed[current] = 0
        elif line.startswith(f"{MARK} RC ") and current:
            run.exit_codes[current] = int(line.split()[2])
        elif current and line.startswith("PASS "):
            run.passed[current] += 1
        elif current and line.startswith("FAIL "):
            run.failed[current] += 1
    return run
