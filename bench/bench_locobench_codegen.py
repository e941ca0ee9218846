"""LoCoBench's procedural generator at size: a project of ~100K tokens (default) that builds and
passes its own tests in the sandbox, with every scenario's reference solution passing its hidden
tests.

    python bench/bench_locobench_codegen.py [--languages python,c,java] [--tokens 100000]

Prints, per language: modules, files, estimated tokens, generation seconds, build seconds and
result, test checks passed/expected, and the reference solutions' hidden checks.
"""

from __future__ import annotations

import argparse
import asyncio
import time


async def one(language: str, tokens: int) -> None:
    from harness_locobench import build
    from harness_locobench.codegen import make_project, make_scenarios

    t0 = time.perf_counter()
    p = make_project(language, tokens, 0)
    built = make_scenarios(p, 0)
    gen = time.perf_counter() - t0
    c = await build.compile_project(language, p.files, timeout=1800)
    if c.missing_tool:
        print(f"{language}: not scored ({c.missing_tool} is not installed)")
        return
    t = await build.run_tests(language, p.files, list(p.tests), timeout=1800)
    expected = sum(p.tests.values())
    passed = sum(t.passed.values())
    # every reference solution on top of the project, with its hidden tests
    ref_pass = ref_total = 0
    for b in built:
        files = {**p.files, **b.hidden_files}
        for ref in b.reference:
            files.update(ref)
        own = [x for x in b.reference[-1] if p.lang.is_test(x)]
        r = await build.run_tests(language, files, [*b.hidden, *own], timeout=1800)
        ref_pass += sum(r.passed.values())
        ref_total += sum(b.hidden.values()) + b.answer_tests_min
    print(
        f"{language}: {len(p.modules)} modules, {len(p.files)} files, {p.tokens():,} tokens "
        f"(est.), generated in {gen:.1f}s; build {'ok' if c.ok else 'FAILED'} in {c.seconds:.1f}s "
        f"({c.warnings} warnings); tests {passed}/{expected} passed; reference solutions "
        f"{ref_pass}/{ref_total} hidden checks passed"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--languages", default="python,c,java")
    ap.add_argument("--tokens", type=int, default=100_000)
    o = ap.parse_args()
    for lang in o.languages.split(","):
        asyncio.run(one(lang.strip(), o.tokens))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
