"""How a generated project looks in each language: file layout, naming, the source of one module,
the test files (a shared PASS/FAIL line protocol) and the shell commands that build and test it.

Every module has the same planted behaviour in every language (see :mod:`codegen`), so ground
truths are computed once in Python and checked by the project's own tests in the sandbox.
Arithmetic stays below 2**40, so C's ``long long``, Java's ``long`` and JavaScript's numbers agree.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Literal

MOD = 1_000_003


@dataclass
class Module:
    """One module: the values planted in it and what it depends on."""

    name: str  # snake_case words, e.g. "invoice_cache"
    index: int
    deps: list[int]
    limit: int
    mul: int
    table: list[int]
    buggy: bool = False  # clamp returns limit - 1 above the limit (the seeded bug)
    vulnerable: bool = False  # lookup has no bounds check (the planted vulnerability)
    extra: list[str] = field(default_factory=list)  # helper names, for bulk

    def base(self, x: int) -> int:
        return (x * self.mul + self.limit) % MOD

    def clamp(self, x: int, fixed: bool = True) -> int:
        if x > self.limit:
            return self.limit if fixed or not self.buggy else self.limit - 1
        return x


def camel(words: str) -> str:
    return "".join(w.capitalize() for w in words.split("_"))


@dataclass
class Check:
    """One test line: its name, a language expression and the value it must equal."""

    name: str
    expr: str  # a call in the language, e.g. compute_ledger(3)
    expected: int | str


class Lang(ABC):
    """Base: subclasses set the layout and render sources, tests and commands."""

    name = ""
    ext = ""
    test_dir = "tests"
    comment = "//"
    #: what the build writes, measured for the compile score's size term ("": the sources)
    build_out = "build"
    note = ""  # what a scenario's description adds about the layout

    def fn(self, verb: str, mod: str) -> str:
        return f"{verb}_{mod}"

    def const(self, mod: str) -> str:
        return f"LIMIT_{mod.upper()}"

    def table(self, mod: str) -> str:
        return f"TABLE_{mod.upper()}"

    @abstractmethod
    def source_path(self, mod: str) -> str:
        """Each language defines it."""

    def header_path(self, mod: str) -> str | None:
        return None

    def call(self, verb: str, mod: str, arg: str = "") -> str:
        """A call of a module's function from outside the module."""
        return f"{self.fn(verb, mod)}({arg})"

    def const_ref(self, mod: str) -> str:
        return self.const(mod)

    @abstractmethod
    def sources(self, m: Module, mods: list[Module]) -> dict[str, str]:
        """Each language defines it."""

    @abstractmethod
    def test_file(self, stem: str, checks: list[Check], mods: list[str]) -> tuple[str, str]:
        """(path, source) of a test program printing PASS/FAIL lines."""

    @abstractmethod
    def compile_cmd(self) -> str:
        """Each language defines it."""

    @abstractmethod
    def test_cmd(self, test_path: str) -> str:
        """Each language defines it."""

    def is_test(self, path: str) -> bool:
        return path.startswith(self.test_dir + "/")

    def project_files(self, mods: list[str]) -> dict[str, str]:
        """Files the project needs besides its modules and tests (a manifest, say)."""
        return {}


# ---------------------------------------------------------------------------------- python


class Python(Lang):
    name = "python"
    ext = ".py"
    build_out = ""  # nothing built: the sources are measured
    comment = "#"

    def source_path(self, mod: str) -> str:
        return f"app/{mod}.py"

    def call(self, verb: str, mod: str, arg: str = "") -> str:
        return f"{mod}.{self.fn(verb, mod)}({arg})"

    def const_ref(self, mod: str) -> str:
        return f"{mod}.{self.const(mod)}"

    def sources(self, m: Module, mods: list[Module]) -> dict[str, str]:
        deps = [mods[d].name for d in m.deps]
        lines = [f'"""The {m.name.replace("_", " ")} module.', ""]
        lines += [f"Depends on: {', '.join(deps) or 'nothing'}.", '"""', ""]
        lines += [f"from app import {d}" for d in deps]
        lines += ["", f"{self.const(m.name)} = {m.limit}", f"{self.table(m.name)} = {m.table}"]
        lines += [f"MUL = {m.mul}", f"MOD = {MOD}", "", ""]
        lines += [f"def {self.fn('base', m.name)}(x: int) -> int:"]
        lines += ['    """The base value of x in this module."""']
        lines += [f"    return (x * MUL + {self.const(m.name)}) % MOD", "", ""]
        lines += [f"def {self.fn('compute', m.name)}(x: int) -> int:"]
        lines += ['    """The base value plus the base values of the modules this one uses."""']
        lines += [f"    total = {self.fn('base', m.name)}(x)"]
        lines += [f"    total += {self.call('base', d, 'x')}" for d in deps]
        lines += ["    return total % MOD", "", ""]
        bound = f"{self.const(m.name)} - 1" if m.buggy else self.const(m.name)
        lines += [f"def {self.fn('clamp', m.name)}(x: int) -> int:"]
        lines += ['    """x, capped at the module limit."""']
        lines += [f"    if x > {self.const(m.name)}:", f"        return {bound}", "    return x"]
        lines += ["", "", f"def {self.fn('lookup', m.name)}(i: int) -> int:"]
        lines += ['    """Entry i of the table, or -1 when i is out of range."""']
        if not m.vulnerable:
            lines += [f"    if i < 0 or i >= len({self.table(m.name)}):", "        return -1"]
        lines += [f"    return {self.table(m.name)}[i]", "", ""]
        lines += [f"def {self.fn('describe', m.name)}() -> str:"]
        lines += ['    """A one-line description of this module."""']
        lines += [f'    return "{m.name} uses {",".join(deps)}"']
        return {self.source_path(m.name): "\n".join(lines) + "\n"}

    def test_file(self, stem: str, checks: list[Check], mods: list[str]) -> tuple[str, str]:
        out = ["import sys", "", "sys.path.insert(0, '.')", ""]
        out += [f"from app import {m}  # noqa: E402" for m in mods]
        out += ["", "", "def check(name, fn, expected):", "    try:"]
        out += ["        ok = fn() == expected"]
        out += ["    except Exception:", "        ok = False"]
        out += ['    print(("PASS " if ok else "FAIL ") + name)', "", ""]
        for c in checks:
            out.append(f"check({c.name!r}, lambda: {c.expr}, {c.expected!r})")
        return f"tests/{stem}.py", "\n".join(out) + "\n"

    def compile_cmd(self) -> str:
        return "python3 -m compileall -q app"

    def test_cmd(self, test_path: str) -> str:
        return f"python3 {test_path}"


# ---------------------------------------------------------------------------------- C / C++


class C(Lang):
    name = "c"
    ext = ".c"
    hext = ".h"
    cc = "gcc -std=c11"
    int_t = "long long"
    str_t = "const char *"

    def source_path(self, mod: str) -> str:
        return f"src/{mod}{self.ext}"

    def header_path(self, mod: str) -> str:
        return f"include/{mod}{self.hext}"

    def _guard(self, mod: str) -> str:
        return f"{mod.upper()}_H"

    def header(self, m: Module) -> str:
        t = self.int_t
        g = self._guard(m.name)
        lines = [f"#ifndef {g}", f"#define {g}", ""]
        lines += [f"/* The {m.name.replace('_', ' ')} module. */", ""]
        lines += [f"extern const {t} {self.const(m.name)};"]
        for verb in ("base", "compute", "clamp"):
            lines += [f"{t} {self.fn(verb, m.name)}({t} x);"]
        lines += [f"{t} {self.fn('lookup', m.name)}({t} i);"]
        lines += [f"{self.str_t}{self.fn('describe', m.name)}(void);", "", "#endif"]
        return "\n".join(lines) + "\n"

    def sources(self, m: Module, mods: list[Module]) -> dict[str, str]:
        t = self.int_t
        deps = [mods[d].name for d in m.deps]
        tab = self.table(m.name)
        lines = [f"/* The {m.name.replace('_', ' ')} module.", " * Depends on: "]
        lines[-1] += f"{', '.join(deps) or 'nothing'}. */"
        lines += [f'#include "{m.name}{self.hext}"']
        lines += [f'#include "{d}{self.hext}"' for d in deps]
        lines += ["", f"const {t} {self.const(m.name)} = {m.limit};"]
        lines += [f"static const {t} {tab}[] = {{{', '.join(map(str, m.table))}}};"]
        lines += [f"#define {tab}_LEN {len(m.table)}", "", "/* The base value of x. */"]
        lines += [f"{t} {self.fn('base', m.name)}({t} x) {{"]
        lines += [f"    return (x * {m.mul} + {self.const(m.name)}) % {MOD};", "}", ""]
        lines += ["/* The base value plus the base values of the modules this one uses. */"]
        lines += [f"{t} {self.fn('compute', m.name)}({t} x) {{"]
        lines += [f"    {t} total = {self.fn('base', m.name)}(x);"]
        lines += [f"    total += {self.fn('base', d)}(x);" for d in deps]
        lines += [f"    return total % {MOD};", "}", "", "/* x, capped at the module limit. */"]
        bound = f"{self.const(m.name)} - 1" if m.buggy else self.const(m.name)
        lines += [f"{t} {self.fn('clamp', m.name)}({t} x) {{"]
        lines += [f"    if (x > {self.const(m.name)}) {{", f"        return {bound};", "    }"]
        lines += ["    return x;", "}", "", "/* Entry i of the table, or -1 out of range. */"]
        lines += [f"{t} {self.fn('lookup', m.name)}({t} i) {{"]
        if not m.vulnerable:
            lines += [f"    if (i < 0 || i >= {tab}_LEN) {{", "        return -1;", "    }"]
        lines += [f"    return {tab}[i];", "}", "", "/* A one-line description. */"]
        lines += [f"{self.str_t}{self.fn('describe', m.name)}(void) {{"]
        lines += [f'    return "{m.name} uses {",".join(deps)}";', "}"]
        return {
            self.source_path(m.name): "\n".join(lines) + "\n",
            self.header_path(m.name): self.header(m),
        }

    def test_file(self, stem: str, checks: list[Check], mods: list[str]) -> tuple[str, str]:
        out = ["#include <stdio.h>", "#include <string.h>"]
        out += [f'#include "{m}{self.hext}"' for m in mods]
        out += ["", "static void check(const char *name, int ok) {"]
        out += ['    printf("%s %s\\n", ok ? "PASS" : "FAIL", name);', "}", ""]
        out += ["int main(void) {"]
        for c in checks:
            if isinstance(c.expected, str):
                out.append(f'    check("{c.name}", strcmp({c.expr}, "{c.expected}") == 0);')
            else:
                out.append(f'    check("{c.name}", {c.expr} == {c.expected}LL);')
        out += ["    return 0;", "}"]
        return f"tests/{stem}{self.ext}", "\n".join(out) + "\n"

    def compile_cmd(self) -> str:
        return (
            f"mkdir -p build && cd build && {self.cc} -Wall -Wextra -I../include "
            f"-c $(find ../src -name '*{self.ext}') && ar rcs libapp.a *.o"
        )

    def test_cmd(self, test_path: str) -> str:
        exe = "build/" + test_path.rsplit("/", 1)[-1].split(".")[0]
        return f"{self.cc} -Iinclude {test_path} build/libapp.a -o {exe} && ./{exe}"


class Cpp(C):
    name = "cpp"
    ext = ".cpp"
    hext = ".hpp"
    cc = "g++ -std=c++17"
    str_t = "std::string "

    def header(self, m: Module) -> str:
        text = super().header(m)
        return text.replace("\n\n", "\n\n#include <string>\n\n", 1)

    def sources(self, m: Module, mods: list[Module]) -> dict[str, str]:
        out = super().sources(m, mods)
        src = self.source_path(m.name)
        out[src] = out[src].replace(
            f"{self.int_t} {self.fn('base', m.name)}(",
            f"// computed in {self.int_t} to match every language\n"
            f"{self.int_t} {self.fn('base', m.name)}(",
        )
        return out

    def test_file(self, stem: str, checks: list[Check], mods: list[str]) -> tuple[str, str]:
        path, text = super().test_file(stem, checks, mods)
        text = text.replace("#include <string.h>", "#include <string>")
        for c in checks:
            if isinstance(c.expected, str):
                text = text.replace(
                    f'strcmp({c.expr}, "{c.expected}") == 0',
                    f'{c.expr} == std::string("{c.expected}")',
                )
        return path, text


# ---------------------------------------------------------------------------------- Java


class Java(Lang):
    name = "java"
    ext = ".java"

    def fn(self, verb: str, mod: str) -> str:
        return verb + camel(mod)

    def source_path(self, mod: str) -> str:
        return f"src/app/{camel(mod)}.java"

    def call(self, verb: str, mod: str, arg: str = "") -> str:
        return f"{camel(mod)}.{self.fn(verb, mod)}({arg})"

    def const_ref(self, mod: str) -> str:
        return f"{camel(mod)}.{self.const(mod)}"

    def sources(self, m: Module, mods: list[Module]) -> dict[str, str]:
        deps = [mods[d].name for d in m.deps]
        c = self.const(m.name)
        tab = self.table(m.name)
        lines = ["package app;", "", "/**", f" * The {m.name.replace('_', ' ')} module."]
        lines += [f" * Depends on: {', '.join(deps) or 'nothing'}.", " */"]
        lines += [f"public final class {camel(m.name)} {{"]
        lines += [f"    public static final long {c} = {m.limit}L;"]
        lines += [f"    private static final long[] {tab} = {{{', '.join(map(str, m.table))}}};"]
        lines += ["", f"    private {camel(m.name)}() {{", "    }", ""]
        lines += ["    /** The base value of x. */"]
        lines += [f"    public static long {self.fn('base', m.name)}(long x) {{"]
        lines += [f"        return (x * {m.mul}L + {c}) % {MOD}L;", "    }", ""]
        lines += ["    /** The base value plus those of the modules this one uses. */"]
        lines += [f"    public static long {self.fn('compute', m.name)}(long x) {{"]
        lines += [f"        long total = {self.fn('base', m.name)}(x);"]
        lines += [f"        total += {self.call('base', d, 'x')};" for d in deps]
        lines += [f"        return total % {MOD}L;", "    }", ""]
        bound = f"{c} - 1" if m.buggy else c
        lines += ["    /** x, capped at the module limit. */"]
        lines += [f"    public static long {self.fn('clamp', m.name)}(long x) {{"]
        lines += [f"        if (x > {c}) {{", f"            return {bound};", "        }"]
        lines += ["        return x;", "    }", "", "    /** Entry i of the table, or -1. */"]
        lines += [f"    public static long {self.fn('lookup', m.name)}(long i) {{"]
        if not m.vulnerable:
            lines += [f"        if (i < 0 || i >= {tab}.length) {{", "            return -1;"]
            lines += ["        }"]
        lines += [f"        return {tab}[(int) i];", "    }", "", "    /** A description. */"]
        lines += [f"    public static String {self.fn('describe', m.name)}() {{"]
        lines += [f'        return "{m.name} uses {",".join(deps)}";', "    }", "}"]
        return {self.source_path(m.name): "\n".join(lines) + "\n"}

    def test_file(self, stem: str, checks: list[Check], mods: list[str]) -> tuple[str, str]:
        cls = camel(stem)
        out = ["import app.*;", "", f"public class {cls} {{"]
        out += ["    interface Probe {", "        Object get();", "    }", ""]
        out += ["    static void check(String name, Probe p, Object expected) {"]
        out += ["        boolean ok;", "        try {"]
        out += ["            ok = String.valueOf(p.get()).equals(String.valueOf(expected));"]
        out += ["        } catch (RuntimeException e) {", "            ok = false;", "        }"]
        out += ['        System.out.println((ok ? "PASS " : "FAIL ") + name);', "    }", ""]
        out += ["    public static void main(String[] args) {"]
        for c in checks:
            exp = f'"{c.expected}"' if isinstance(c.expected, str) else f"{c.expected}L"
            out.append(f'        check("{c.name}", () -> {c.expr}, {exp});')
        out += ["    }", "}"]
        return f"tests/{cls}.java", "\n".join(out) + "\n"

    def compile_cmd(self) -> str:
        return "mkdir -p build && javac -Xlint:all -d build $(find src -name '*.java')"

    def test_cmd(self, test_path: str) -> str:
        cls = test_path.rsplit("/", 1)[-1].removesuffix(".java")
        return f"mkdir -p build/t && javac -cp build -d build/t {test_path} && " + (
            f"java -cp build:build/t {cls}"
        )


# ---------------------------------------------------------------------------------- JavaScript


class JavaScript(Lang):
    name = "javascript"
    ext = ".js"
    build_out = ""

    def fn(self, verb: str, mod: str) -> str:
        return verb + camel(mod)

    def source_path(self, mod: str) -> str:
        return f"src/{mod}.js"

    def call(self, verb: str, mod: str, arg: str = "") -> str:
        return f"{mod}.{self.fn(verb, mod)}({arg})"

    def const_ref(self, mod: str) -> str:
        return f"{mod}.{self.const(mod)}"

    def sources(self, m: Module, mods: list[Module]) -> dict[str, str]:
        deps = [mods[d].name for d in m.deps]
        c = self.const(m.name)
        tab = self.table(m.name)
        lines = ["'use strict';", "", f"// The {m.name.replace('_', ' ')} module."]
        lines += [f"// Depends on: {', '.join(deps) or 'nothing'}.", ""]
        lines += [f"const {d} = require('./{d}');" for d in deps]
        lines += [f"const {c} = {m.limit};", f"const {tab} = [{', '.join(map(str, m.table))}];"]
        lines += ["", "/** The base value of x. */", f"function {self.fn('base', m.name)}(x) {{"]
        lines += [f"  return (x * {m.mul} + {c}) % {MOD};", "}", ""]
        lines += ["/** The base value plus those of the modules this one uses. */"]
        lines += [f"function {self.fn('compute', m.name)}(x) {{"]
        lines += [f"  let total = {self.fn('base', m.name)}(x);"]
        lines += [f"  total += {self.call('base', d, 'x')};" for d in deps]
        lines += [f"  return total % {MOD};", "}", ""]
        bound = f"{c} - 1" if m.buggy else c
        lines += ["/** x, capped at the module limit. */"]
        lines += [f"function {self.fn('clamp', m.name)}(x) {{"]
        lines += [f"  if (x > {c}) {{", f"    return {bound};", "  }", "  return x;", "}", ""]
        lines += ["/** Entry i of the table, or -1 out of range. */"]
        lines += [f"function {self.fn('lookup', m.name)}(i) {{"]
        if not m.vulnerable:
            lines += [f"  if (i < 0 || i >= {tab}.length) {{", "    return -1;", "  }"]
        lines += [f"  return {tab}[i];", "}", "", "/** A one-line description. */"]
        lines += [f"function {self.fn('describe', m.name)}() {{"]
        lines += [f"  return '{m.name} uses {','.join(deps)}';", "}", ""]
        names = [c] + [self.fn(v, m.name) for v in ("base", "compute", "clamp", "lookup")]
        names.append(self.fn("describe", m.name))
        lines += ["module.exports = {", *[f"  {n}," for n in names], "};"]
        return {self.source_path(m.name): "\n".join(lines) + "\n"}

    def test_file(self, stem: str, checks: list[Check], mods: list[str]) -> tuple[str, str]:
        out = ["'use strict';", ""]
        out += [f"const {m} = require('../src/{m}');" for m in mods]
        out += ["", "function check(name, fn, expected) {", "  let ok;", "  try {"]
        out += ["    ok = fn() === expected;", "  } catch (e) {", "    ok = false;", "  }"]
        out += ["  console.log((ok ? 'PASS ' : 'FAIL ') + name);", "}", ""]
        for c in checks:
            exp = f"'{c.expected}'" if isinstance(c.expected, str) else str(c.expected)
            out.append(f"check('{c.name}', () => {c.expr}, {exp});")
        return f"tests/{stem}.js", "\n".join(out) + "\n"

    def compile_cmd(self) -> str:
        return (
            "for f in $(find src -name '*.js'); do "
            'node --check "$f" || echo "error: $f" >&2; done'
        )

    def test_cmd(self, test_path: str) -> str:
        return f"node {test_path}"


# ---------------------------------------------------------------------------------- Rust

GENERATED = "// @generated by the build: one `pub mod` line per file in src/"


class Rust(Lang):
    """A cargo package ``app`` without dependencies (``cargo build --offline``). ``src/lib.rs``
    is regenerated by the build, one ``pub mod`` per file in ``src/``, while its first line is
    the generated marker, so adding a module is adding a file, as in the other languages; a
    lib.rs without the marker is the author's own. Test programs are binaries built with rustc
    against the library. The planted vulnerability is an ``unsafe`` unchecked index."""

    name = "rust"
    ext = ".rs"
    build_out = "target/debug/libapp.rlib"
    note = (
        " It is a cargo package `app`: while the first line of src/lib.rs is the @generated "
        "marker, the build rewrites src/lib.rs with one `pub mod` line per file in src/ (a new "
        "file is a new module); test programs in tests/ are built with rustc against the "
        "library and import modules with `use app::{...};`."
    )
    cargo_toml = (
        '[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n\n'
        '[lib]\npath = "src/lib.rs"\n\n[dependencies]\n'
    )

    def source_path(self, mod: str) -> str:
        return f"src/{mod}.rs"

    def call(self, verb: str, mod: str, arg: str = "") -> str:
        return f"{mod}::{self.fn(verb, mod)}({arg})"

    def const_ref(self, mod: str) -> str:
        return f"{mod}::{self.const(mod)}"

    def project_files(self, mods: list[str]) -> dict[str, str]:
        lib = "\n".join([GENERATED, *(f"pub mod {m};" for m in sorted(mods))]) + "\n"
        return {"Cargo.toml": self.cargo_toml, "src/lib.rs": lib}

    def sources(self, m: Module, mods: list[Module]) -> dict[str, str]:
        deps = [mods[d].name for d in m.deps]
        c = self.const(m.name)
        tab = self.table(m.name)
        lines = [f"//! The {m.name.replace('_', ' ')} module.", "//!"]
        lines += [f"//! Depends on: {', '.join(deps) or 'nothing'}.", ""]
        if deps:
            lines += [*(f"use crate::{d};" for d in deps), ""]
        lines += [f"pub const {c}: i64 = {m.limit};"]
        lines += [f"const {tab}: [i64; {len(m.table)}] = [{', '.join(map(str, m.table))}];"]
        lines += [f"const MUL: i64 = {m.mul};", f"const MOD: i64 = {MOD};", ""]
        lines += ["/// The base value of x.", f"pub fn {self.fn('base', m.name)}(x: i64) -> i64 {{"]
        lines += [f"    (x * MUL + {c}) % MOD", "}", ""]
        lines += ["/// The base value plus the base values of the modules this one uses."]
        lines += [f"pub fn {self.fn('compute', m.name)}(x: i64) -> i64 {{"]
        mut = "mut " if deps else ""
        lines += [f"    let {mut}total = {self.fn('base', m.name)}(x);"]
        lines += [f"    total += {self.call('base', d, 'x')};" for d in deps]
        lines += ["    total % MOD", "}", ""]
        bound = f"{c} - 1" if m.buggy else c
        lines += ["/// x, capped at the module limit."]
        lines += [f"pub fn {self.fn('clamp', m.name)}(x: i64) -> i64 {{"]
        lines += [f"    if x > {c} {{", f"        return {bound};", "    }", "    x", "}", ""]
        lines += ["/// Entry i of the table, or -1 when i is out of range."]
        lines += [f"pub fn {self.fn('lookup', m.name)}(i: i64) -> i64 {{"]
        if m.vulnerable:
            lines += ["    // the index is trusted: no bounds check"]
            lines += [f"    unsafe {{ *{tab}.get_unchecked(i as usize) }}"]
        else:
            lines += [f"    if i < 0 || i >= {tab}.len() as i64 {{", "        return -1;", "    }"]
            lines += [f"    {tab}[i as usize]"]
        lines += ["}", "", "/// A one-line description of this module."]
        lines += [f"pub fn {self.fn('describe', m.name)}() -> &'static str {{"]
        lines += [f'    "{m.name} uses {",".join(deps)}"', "}"]
        return {self.source_path(m.name): "\n".join(lines) + "\n"}

    def test_file(self, stem: str, checks: list[Check], mods: list[str]) -> tuple[str, str]:
        out = [f"use app::{{{', '.join(mods)}}};", "use std::panic;", ""]
        out += ["fn check(name: &str, probe: impl FnOnce() -> bool + panic::UnwindSafe) {"]
        out += ["    let ok = panic::catch_unwind(probe).unwrap_or(false);"]
        out += ['    println!("{} {}", if ok { "PASS" } else { "FAIL" }, name);', "}", ""]
        out += ["fn main() {", "    panic::set_hook(Box::new(|_| {}));"]
        for c in checks:
            exp = f'"{c.expected}"' if isinstance(c.expected, str) else str(c.expected)
            out.append(f'    check("{c.name}", || {c.expr} == {exp});')
        out += ["}"]
        return f"tests/{stem}.rs", "\n".join(out) + "\n"

    def compile_cmd(self) -> str:
        return (
            "if head -n 1 src/lib.rs 2>/dev/null | grep -q '^// @generated'; then "
            '{ head -n 1 src/lib.rs; for f in src/*.rs; do n=$(basename "$f" .rs); '
            '[ "$n" = lib ] || echo "pub mod $n;"; done; } > src/lib.rs.new '
            "&& mv src/lib.rs.new src/lib.rs; fi; CARGO_INCREMENTAL=0 cargo build --offline"
        )

    def test_cmd(self, test_path: str) -> str:
        exe = "target/t/" + test_path.rsplit("/", 1)[-1].removesuffix(".rs")
        return (
            "mkdir -p target/t && rustc --edition 2021 -L target/debug/deps "
            f"--extern app=target/debug/libapp.rlib -o {exe} {test_path} && ./{exe}"
        )


# ---------------------------------------------------------------------------------- PHP


class Php(Lang):
    """Plain PHP files of functions and constants, loaded with ``require_once``; the build is
    ``php -l`` on every file (a syntax check, like node --check)."""

    name = "php"
    ext = ".php"
    build_out = ""

    def source_path(self, mod: str) -> str:
        return f"src/{mod}.php"

    def sources(self, m: Module, mods: list[Module]) -> dict[str, str]:
        deps = [mods[d].name for d in m.deps]
        c = self.const(m.name)
        tab = self.table(m.name)
        lines = ["<?php", "", "declare(strict_types=1);", ""]
        lines += [f"// The {m.name.replace('_', ' ')} module."]
        lines += [f"// Depends on: {', '.join(deps) or 'nothing'}.", ""]
        if deps:
            lines += [*(f"require_once __DIR__ . '/{d}.php';" for d in deps), ""]
        lines += [f"const {c} = {m.limit};", f"const {tab} = [{', '.join(map(str, m.table))}];"]
        lines += ["", "/** The base value of x. */"]
        lines += [f"function {self.fn('base', m.name)}(int $x): int", "{"]
        lines += [f"    return ($x * {m.mul} + {c}) % {MOD};", "}", ""]
        lines += ["/** The base value plus the base values of the modules this one uses. */"]
        lines += [f"function {self.fn('compute', m.name)}(int $x): int", "{"]
        lines += [f"    $total = {self.fn('base', m.name)}($x);"]
        lines += [f"    $total += {self.fn('base', d)}($x);" for d in deps]
        lines += [f"    return $total % {MOD};", "}", ""]
        bound = f"{c} - 1" if m.buggy else c
        lines += ["/** x, capped at the module limit. */"]
        lines += [f"function {self.fn('clamp', m.name)}(int $x): int", "{"]
        lines += [f"    if ($x > {c}) {{", f"        return {bound};", "    }", "    return $x;"]
        lines += ["}", "", "/** Entry i of the table, or -1 when i is out of range. */"]
        lines += [f"function {self.fn('lookup', m.name)}(int $i): int", "{"]
        if not m.vulnerable:
            lines += [f"    if ($i < 0 || $i >= count({tab})) {{", "        return -1;", "    }"]
        lines += [f"    return {tab}[$i];", "}", "", "/** A one-line description. */"]
        lines += [f"function {self.fn('describe', m.name)}(): string", "{"]
        lines += [f"    return '{m.name} uses {','.join(deps)}';", "}"]
        return {self.source_path(m.name): "\n".join(lines) + "\n"}

    def test_file(self, stem: str, checks: list[Check], mods: list[str]) -> tuple[str, str]:
        out = ["<?php", "", "declare(strict_types=1);", ""]
        out += [f"require_once __DIR__ . '/../src/{m}.php';" for m in mods]
        out += ["", "function check(string $name, callable $probe, $expected): void", "{"]
        out += [
            "    try {",
            "        $ok = $probe() === $expected;",
            "    } catch (Throwable $e) {",
        ]
        out += [
            "        $ok = false;",
            "    }",
            '    echo ($ok ? "PASS " : "FAIL ") . $name . "\\n";',
        ]
        out += ["}", ""]
        for c in checks:
            exp = f"'{c.expected}'" if isinstance(c.expected, str) else str(c.expected)
            out.append(f"check('{c.name}', fn() => {_php_vars(c.expr)}, {exp});")
        return f"tests/{stem}.php", "\n".join(out) + "\n"

    def compile_cmd(self) -> str:
        return (
            "rc=0; for f in $(find src -name '*.php' | sort); do "
            'php -l "$f" > /dev/null || rc=1; done; exit $rc'
        )

    def test_cmd(self, test_path: str) -> str:
        return f"php {test_path}"


def _php_vars(expr: str) -> str:
    """A language-neutral expression (``x`` is the argument) in PHP (``$x``)."""
    return re.sub(r"(?<![\w$'])x(?![\w'])", "$x", expr)


LANGS: dict[str, Lang] = {
    lang.name: lang for lang in (Python(), C(), Cpp(), Java(), JavaScript(), Rust(), Php())
}
#: the toolchain binaries each language needs (a missing one: "not scored")
TOOLCHAINS: dict[str, tuple[str, ...]] = {
    "python": ("python3",),
    "c": ("gcc", "ar"),
    "cpp": ("g++", "ar"),
    "java": ("javac", "java"),
    "javascript": ("node",),
    "rust": ("cargo", "rustc"),
    "php": ("php",),
}


def missing_toolchain(language: str) -> str | None:
    """The first tool the language needs that this machine lacks, or None."""
    from harness.sandbox import find_tool
    from harness.sandbox.toolchains import sandbox_reaches

    for tool in TOOLCHAINS.get(language, ()):
        path = find_tool(tool)
        if not path:
            return tool
        if not sandbox_reaches(path):
            return f"{tool} (at {path}, where the sandbox's user cannot reach it: install bwrap)"
    return None


@dataclass
class NewFn:
    """A function a scenario asks for (or its reference solution writes) in a new file."""

    name: str  # the language's name of it (Lang.fn(verb, subject))
    expr: str  # the body, already in the language
    returns: Literal["int", "str"] = "int"
    has_arg: bool = True


def qualified(lang: Lang, ns: str, fname: str, arg: str = "") -> str:
    """A call of function ``fname`` of module (file) ``ns`` from a test."""
    if lang.name in ("python", "javascript"):
        return f"{ns}.{fname}({arg})"
    if lang.name == "rust":
        return f"{ns}::{fname}({arg})"
    if lang.name == "java":
        return f"{camel(ns)}.{fname}({arg})"
    return f"{fname}({arg})"


def new_module(lang: Lang, ns: str, funcs: list[NewFn], uses: list[str]) -> dict[str, str]:
    """The files of a new module ``ns`` defining ``funcs``, using modules ``uses``."""
    if lang.name == "python":
        lines = [f'"""{ns.replace("_", " ")}."""', ""]
        lines += [f"from app import {u}" for u in uses] + ["", ""]
        for f in funcs:
            arg = "x: int" if f.has_arg else ""
            lines += [f"def {f.name}({arg}) -> {f.returns}:", f"    return {f.expr}", "", ""]
        return {lang.source_path(ns): "\n".join(lines).rstrip() + "\n"}
    if isinstance(lang, C):
        ret = {"int": lang.int_t + " ", "str": lang.str_t}
        protos = [
            f"{ret[f.returns]}{f.name}({lang.int_t + ' x' if f.has_arg else 'void'})" for f in funcs
        ]
        g = f"{ns.upper()}_H"
        head = [f"#ifndef {g}", f"#define {g}", ""]
        if lang.name == "cpp":
            head += ["#include <string>", ""]
        head += [p + ";" for p in protos] + ["", "#endif"]
        src = [f'#include "{ns}{lang.hext}"'] + [f'#include "{u}{lang.hext}"' for u in uses]
        for p, f in zip(protos, funcs, strict=True):
            src += ["", p + " {", f"    return {f.expr};", "}"]
        return {
            lang.source_path(ns): "\n".join(src) + "\n",
            lang.header_path(ns): "\n".join(head) + "\n",
        }
    if lang.name == "java":
        lines = ["package app;", "", f"public final class {camel(ns)} {{"]
        lines += [f"    private {camel(ns)}() {{", "    }"]
        for f in funcs:
            t = "String" if f.returns == "str" else "long"
            arg = "long x" if f.has_arg else ""
            lines += ["", f"    public static {t} {f.name}({arg}) {{", f"        return {f.expr};"]
            lines += ["    }"]
        return {lang.source_path(ns): "\n".join([*lines, "}"]) + "\n"}
    if lang.name == "php":
        lines = ["<?php", "", "declare(strict_types=1);", ""]
        lines += [f"require_once __DIR__ . '/{u}.php';" for u in uses]
        for f in funcs:
            t = "string" if f.returns == "str" else "int"
            arg = "int $x" if f.has_arg else ""
            lines += ["", f"function {f.name}({arg}): {t}", "{"]
            lines += [f"    return {_php_vars(f.expr)};", "}"]
        return {lang.source_path(ns): "\n".join(lines) + "\n"}
    if lang.name == "rust":
        lines = [f"//! {ns.replace('_', ' ')}.", ""] + [f"use crate::{u};" for u in uses]
        for f in funcs:
            t = "&'static str" if f.returns == "str" else "i64"
            arg = "x: i64" if f.has_arg else ""
            lines += ["", f"pub fn {f.name}({arg}) -> {t} {{", f"    {f.expr}", "}"]
        return {lang.source_path(ns): "\n".join(lines) + "\n"}
    lines = ["'use strict';", ""] + [f"const {u} = require('./{u}');" for u in uses]
    for f in funcs:
        lines += ["", f"function {f.name}({'x' if f.has_arg else ''}) {{", f"  return {f.expr};"]
        lines += ["}"]
    lines += ["", "module.exports = {", *[f"  {f.name}," for f in funcs], "};"]
    return {lang.source_path(ns): "\n".join(lines) + "\n"}
