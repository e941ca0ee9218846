"""The 17 LoCoBench metrics, the four dimensions and LCBS, on an answer applied to a project.

The sub-formulas (weights) are the released ones (``generation/metric_algorithms.py`` and
``validation_framework.validate_solution_comprehensive`` at 97dfc72); what each part measures is
ours, parsed per language, so that failures score as failures (see the README's table):

* SE = mean(ACS, DTA, CFRD, STS, RS, CS, IS, SES)
* FC = 0.3 compile + 0.3 unit tests + 0.2 integration + 0.2 IDC
* CQ = 0.7 style (the released file quality) + 0.3 security; issues found (inverted) reported
* LCU = 0.5 ICU + 0.5 MMR
* LCBS = 5 (0.4 SE + 0.3 FC + 0.2 CQ + 0.1 LCU)

A refused answer (a path outside the project), an unparsable one or one without files scores 0
on everything. Compile and unit tests are None ("not scored") when the language's toolchain is
missing; FC and LCBS are then None too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

SE_PARTS = ("acs", "dta", "cfrd", "sts", "rs", "cs", "is", "ses")
ALL_METRICS = (
    *SE_PARTS,
    "compile",
    "unit_tests",
    "integration",
    "idc",
    "security",
    "issues_found",
    "style",
    "icu",
    "mmr",
)
DIMENSIONS = ("software_engineering", "functional_correctness", "code_quality", "long_context")

SOURCE_EXT = {
    "python": (".py",),
    "c": (".c", ".h"),
    "cpp": (".cpp", ".hpp", ".h", ".cc"),
    "java": (".java",),
    "javascript": (".js",),
    # released data only (no build rules here: compile and unit tests are not scored)
    "typescript": (".ts",),
    "go": (".go",),
    "rust": (".rs",),
    "php": (".php",),
    "csharp": (".cs",),
}
# (php and rust start a line with `^[ \t]*`: `^\s*` can begin on a blank line above the
# definition and count it in the body; the older patterns keep it, as their figures were taken)
_FUNC = {
    "python": re.compile(r"^\s*def\s+(\w+)\s*\(([^)]*)\)", re.M),
    "javascript": re.compile(r"^\s*(?:async\s+)?function\s+(\w+)\s*\(([^)]*)\)", re.M),
    "java": re.compile(
        r"^\s*(?:public|private|protected|static|final|\s)+[\w<>\[\], ]+\s+(\w+)"
        r"\s*\(([^)]*)\)\s*\{",
        re.M,
    ),
    "php": re.compile(
        r"^[ \t]*(?:(?:public|private|protected|static|final|abstract)\s+)*function\s+(\w+)"
        r"\s*\(([^)]*)\)",
        re.M,
    ),
    "rust": re.compile(
        r"^[ \t]*(?:pub(?:\([\w:]+\))?\s+)?(?:(?:const|async|unsafe|extern\s+\"C\")\s+)*fn\s+(\w+)"
        r"\s*(?:<[^>{]*>)?\s*\(([^)]*)\)",
        re.M,
    ),
}
_C_FUNC = re.compile(r"^[A-Za-z_][\w\s\*:<>,]*?\b(\w+)\s*\(([^;{)]*)\)\s*\{", re.M)
_IMPORT = {
    "python": re.compile(r"^\s*(?:from\s+([\w.]+)\s+import|import\s+([\w.]+))", re.M),
    "javascript": re.compile(r"require\(\s*['\"]([^'\"]+)['\"]\s*\)|from\s+['\"]([^'\"]+)['\"]"),
    "java": re.compile(r"^\s*import\s+([\w.]+)(?:\.\*)?\s*;", re.M),
    "c": re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', re.M),
    # `use a::b::c;` (also `use a::{b, c};`, kept up to the brace) and `mod name;`
    "rust": re.compile(r"^[ \t]*(?:pub\s+)?use\s+([\w:]+)|^[ \t]*(?:pub\s+)?mod\s+(\w+)\s*;", re.M),
    # require/include of a path (after an optional `__DIR__ .`), and `use Name\Space;`
    "php": re.compile(
        r"^[ \t]*(?:require|include)(?:_once)?\s*\(?\s*(?:__DIR__\s*\.\s*)?['\"]([^'\"]+)['\"]"
        r"|^[ \t]*use\s+([\w\\]+)\s*;",
        re.M,
    ),
}
_COMMENT = {
    "python": re.compile(r'^\s*(#|"""|\'\'\')'),
    "php": re.compile(r"^\s*(//|#(?!\[)|/\*|\*)"),
    "default": re.compile(r"^\s*(//|/\*|\*)"),
}
_DANGER = {
    "python": r"\beval\(|\bexec\(|pickle\.loads|os\.system\(|shell\s*=\s*True",
    "javascript": r"\beval\(|new Function\(|child_process",
    "java": r"Runtime\.getRuntime\(\)\.exec|ObjectInputStream",
    "c": r"\bgets\(|\bstrcpy\(|\bsprintf\(|\bsystem\(",
    "cpp": r"\bgets\(|\bstrcpy\(|\bsprintf\(|\bsystem\(",
    "php": r"\beval\(|\b(?:exec|system|passthru|shell_exec|popen|proc_open|unserialize)\(|`",
    "rust": r"\bunsafe\b|process::Command|Command::new|mem::transmute|get_unchecked|from_raw",
}
_KEYWORDS = set(
    [
        "if",
        "for",
        "while",
        "switch",
        "return",
        "sizeof",
        "catch",
        "new",
        "print",
        "printf",
        "len",
        "range",
        "int",
        "str",
        "list",
        "dict",
        "set",
        "max",
        "min",
        "sum",
        "abs",
        "isinstance",
        "String",
        "Math",
        "Object",
        "console",
        "require",
        "function",
    ]
)


@dataclass
class FileInfo:
    path: str
    text: str
    lines: list[str]
    functions: list[tuple[str, int, int]]  # name, params, body lines
    imports: list[str]
    comment_lines: int


@dataclass
class Inputs:
    """Everything the metrics read: no model, no file system, no sandbox."""

    language: str
    category: str
    files: dict[str, str]  # the answer's final files
    sessions: list[dict[str, str]]  # each session's files (one entry if single-session)
    approach: str
    explanation: str
    project: dict[str, str]
    context_files: list[str]
    required_files: list[str]
    prompt: str
    ground_truth: Any
    compile: dict[str, Any] | None  # build.CompileResult fields, None if not run
    tests: dict[str, Any] | None  # passed/failed per program, expected counts
    failure: str | None = None
    expected_tests: dict[str, int] = field(default_factory=dict)
    project_tests: list[str] = field(default_factory=list)
    answer_tests_min: int = 0


def func_re(language: str) -> re.Pattern[str]:
    return _FUNC.get(language, _C_FUNC)


def analyse(path: str, text: str, language: str) -> FileInfo:
    lines = text.splitlines()
    funcs = []
    for m in func_re(language).finditer(text):
        name = m.group(1)
        if name in _KEYWORDS:
            continue
        params = len([p for p in m.group(2).split(",") if p.strip() and p.strip() != "void"])
        start = text.count("\n", 0, m.start())
        funcs.append((name, params, _body_lines(lines, start, language)))
    imp = _IMPORT.get(language, _IMPORT["c"])
    imports = [next(g for g in m.groups() if g) for m in imp.finditer(text)]
    cre = _COMMENT.get(language, _COMMENT["default"])
    comments = sum(1 for ln in lines if cre.match(ln))
    return FileInfo(path, text, lines, funcs, imports, comments)


def _body_lines(lines: list[str], start: int, language: str) -> int:
    if language == "python":
        indent = len(lines[start]) - len(lines[start].lstrip())
        n = 1
        for ln in lines[start + 1 :]:
            if ln.strip() and len(ln) - len(ln.lstrip()) <= indent:
                break
            n += 1
        return n
    depth, n = 0, 0
    for ln in lines[start:]:
        n += 1
        depth += ln.count("{") - ln.count("}")
        if depth <= 0 and "{" in "".join(lines[start : start + n]):
            break
    return n


def _share(good: int, total: int, empty: float = 1.0) -> float:
    return good / total if total else empty


def _mean(xs: list[float], empty: float = 0.0) -> float:
    return sum(xs) / len(xs) if xs else empty


def _naming_ok(name: str, language: str) -> bool:
    if language in ("java", "javascript"):
        return bool(re.fullmatch(r"[a-z][a-zA-Z0-9]*", name))
    return bool(re.fullmatch(r"[a-z_][a-z0-9_]*", name))


class Scorer:
    """Computes every metric of one answer."""

    def __init__(self, x: Inputs) -> None:
        self.x = x
        self.lang = x.language
        exts = SOURCE_EXT.get(self.lang, ())
        self.code = {p: t for p, t in x.files.items() if p.endswith(exts)}
        self.infos = [analyse(p, t, self.lang) for p, t in self.code.items()]
        self.funcs = [f for i in self.infos for f in i.functions]
        self.defined = {f[0] for f in self.funcs}
        self.project_infos = {
            p: analyse(p, t, self.lang)
            for p, t in x.project.items()
            if p.endswith(exts) and (p in x.files or p in x.context_files)
        }
        self.project_funcs = {
            f[0]: f[1]
            for p, t in x.project.items()
            if p.endswith(exts)
            for f in analyse(p, t, self.lang).functions
        }
        self.all_text = "\n".join(x.files.values())

    # ------------------------------------------------------------------ shared pieces

    def import_accuracy(self) -> float:
        known = set(self.x.project) | set(self.x.files)
        stems = {p.rsplit("/", 1)[-1].split(".")[0] for p in known}
        ok = total = 0
        for info in self.infos:
            for imp in info.imports:
                total += 1
                ok += self._resolves(imp, stems)
        return _share(ok, total)

    def _resolves(self, imp: str, stems: set[str]) -> bool:
        import sys

        last = imp.rstrip("/").split("/")[-1].split(".")
        if self.lang == "python":
            head = imp.split(".")[0]
            return head in sys.stdlib_module_names or head == "app" or last[-1] in stems
        if self.lang == "java":
            return imp.startswith(("java.", "javax.")) or imp == "app" or last[-1] in stems
        if self.lang == "javascript":
            return not imp.startswith(".") or last[0] in stems
        if self.lang == "php":
            if "\\" not in imp and not imp.endswith(".php"):
                return True  # `use Exception;`: a global class
            return imp.replace("\\", "/").rsplit("/", 1)[-1].removesuffix(".php") in stems
        if self.lang == "rust":
            parts = [p for p in imp.split("::") if p and p != "*"]
            if parts[0] in ("std", "core", "alloc"):
                return True
            if parts[0] in ("crate", "app", "super", "self"):
                return len(parts) == 1 or parts[1] in stems
            return parts[0] in stems  # `mod name;`, or a path from a module in scope
        return last[0] in stems or _std_c(imp)

    def relevant_names(self) -> list[str]:
        """Module names the task is about: in the prompt or the ground truth."""
        text = self.x.prompt + " " + str(self.x.ground_truth)
        stems = {p.rsplit("/", 1)[-1].split(".")[0] for p in self.x.project}
        names = set(re.findall(r"[A-Za-z_]\w+", text))
        low = {n.lower() for n in names}
        return sorted(s for s in stems if s.lower() in low or s in names)

    def cross_refs(self) -> float:
        names = self.relevant_names()
        if not names:
            return _share(0, 0)
        hay = self.all_text.lower().replace("_", "")
        return _share(sum(1 for n in names if n.lower().replace("_", "") in hay), len(names))

    def comment_ratio(self) -> float:
        lines = sum(len(i.lines) for i in self.infos)
        return _share(sum(i.comment_lines for i in self.infos), lines, 0.0)

    def danger_files(self) -> int:
        pat = re.compile(_DANGER.get(self.lang, r"$^"))
        return sum(1 for i in self.infos if pat.search(i.text))

    # ------------------------------------------------------------------ software engineering

    def acs(self) -> float:
        exts = SOURCE_EXT.get(self.lang, ())
        files = [p for p in self.x.files if not p.endswith(".md")]
        pattern = _share(sum(p.endswith(exts) for p in files), len(files), 0.0)
        dirs = {p.rsplit("/", 1)[0] if "/" in p else "" for p in self.x.project}
        org = _share(
            sum((p.rsplit("/", 1)[0] if "/" in p else "") in dirs for p in files), len(files), 0.0
        )
        naming = _share(sum(_naming_ok(f[0], self.lang) for f in self.funcs), len(self.funcs), 0.0)
        return 0.4 * pattern + 0.3 * org + 0.2 * naming + 0.1 * self.import_accuracy()

    def dta(self) -> float:
        order = _share(sum(self._imports_first(i) for i in self.infos), len(self.infos), 0.0)
        return 0.4 * self.import_accuracy() + 0.35 * self.cross_refs() + 0.25 * order

    def _imports_first(self, info: FileInfo) -> bool:
        if not info.imports or not info.functions:
            return True
        first_def = min(
            (info.text.find(f[0] + "(") for f in info.functions if info.text.find(f[0] + "(") >= 0),
            default=len(info.text),
        )
        return all(0 <= info.text.find(i) < first_def for i in info.imports)

    def cfrd(self) -> float:
        calls = [
            (m.group(1), m.group(2))
            for m in re.finditer(r"\b(\w+)\s*\(([^()]*)\)", self.all_text)
            if m.group(1) in self.project_funcs and m.group(1) not in self.defined
        ]
        interface = _share(
            sum(
                self.project_funcs[n] == len([a for a in args.split(",") if a.strip()])
                for n, args in calls
            ),
            len(calls),
            0.5,
        )
        shared = 1.0 - _share(
            sum(self._mutable_globals(i) for i in self.infos), len(self.infos), 1.0
        )
        returns = _share(
            sum(bool(re.search(r"\breturn\b\s*[^;\s]", i.text)) for i in self.infos if i.functions),
            sum(1 for i in self.infos if i.functions),
            0.0,
        )
        return 0.35 * interface + 0.30 * shared + 0.25 * self.coordination() + 0.10 * returns

    def _mutable_globals(self, info: FileInfo) -> bool:
        if self.lang == "python":
            return bool(re.search(r"^[a-z_]\w*\s*=\s*[\[{]", info.text, re.M))
        if self.lang == "javascript":
            return bool(re.search(r"^(?:let|var)\s", info.text, re.M))
        if self.lang == "rust":
            return bool(re.search(r"^\s*(?:pub\s+)?static\s+mut\b", info.text, re.M))
        if self.lang == "php":
            return bool(re.search(r"^\$\w+\s*=|^\s*global\s+\$", info.text, re.M))
        if self.lang == "java":
            return bool(
                re.search(
                    r"^\s*(?:public |private )?static (?!final)[\w<>\[\]]+ \w+\s*[=;]",
                    info.text,
                    re.M,
                )
            )
        return bool(
            re.search(
                r"^(?!static const|const|extern|#|\s|/|\*)[\w\s\*]+\w+\s*(=[^=]|;)", info.text, re.M
            )
        )

    def removed(self) -> list[str]:
        """Project functions defined in a file the answer rewrote and missing from it now."""
        gone = []
        for p, t in self.x.files.items():
            if p in self.x.project and p.endswith(SOURCE_EXT.get(self.lang, ())):
                before = {f[0] for f in analyse(p, self.x.project[p], self.lang).functions}
                after = {f[0] for f in analyse(p, t, self.lang).functions}
                gone += sorted(before - after)
        return gone

    def coordination(self) -> float:
        gone = self.removed()
        if not gone:
            return 1.0
        ok = 0
        for name in gone:
            users = [p for p, t in self.x.project.items() if re.search(rf"\b{name}\b", t)]
            ok += all(
                p in self.x.files and not re.search(rf"\b{name}\b", self.x.files[p]) for p in users
            )
        return ok / len(gone)

    def sts(self) -> float:
        f = self.funcs
        scal = _share(sum(n <= 40 for _, _, n in f), len(f), 0.0)
        maint = min(1.0, self.comment_ratio() / 0.1) if self.infos else 0.0
        integ = self.cross_refs()
        ext = _share(sum(p <= 5 for _, p, _ in f), len(f), 0.0)
        return 0.25 * (scal + maint + integ + ext)

    def rs(self) -> float:
        if not self.infos:
            return 0.0
        err = re.compile(
            r"\btry\b|\bcatch\b|\bexcept\b|return -1|\berrno\b|throw|raise"
            + (r"|\bResult<|\bOption<|\.unwrap_or|\?;|\.ok_or" if self.lang == "rust" else "")
        )
        guarded = _share(
            sum(bool(re.search(r"\bif\s*\(?", i.text)) for i in self.infos if i.functions),
            sum(1 for i in self.infos if i.functions),
            0.0,
        )
        handling = _share(sum(bool(err.search(i.text)) for i in self.infos), len(self.infos))
        security = 1.0 - _share(self.danger_files(), len(self.infos), 0.0)
        opened = len(
            re.findall(r"\bfopen\(|\bmalloc\(|\bopen\(|new FileInputStream", self.all_text)
        )
        closed = len(
            re.findall(r"\bfclose\(|\bfree\(|\.close\(\)|\bwith open\(|try \(", self.all_text)
        )
        # Rust closes what it opens when the owner goes out of scope (RAII)
        resources = 1.0 if opened == 0 or self.lang == "rust" else min(1.0, closed / opened)
        return 0.25 * (handling + guarded + security + resources)

    def cs(self) -> float:
        if not self.infos:
            return 0.0
        docs = min(1.0, self.comment_ratio() / 0.1)
        api = _share(sum(_naming_ok(f[0], self.lang) for f in self.funcs), len(self.funcs), 0.0)
        tests = 1.0 if any(p.startswith("tests/") for p in self.x.files) else 0.5
        nums = re.findall(r"(?<![\w.])\d{2,}(?![\w.])", self.all_text)
        config = 1.0 - min(1.0, len(nums) / max(1, 10 * len(self.infos)))
        return 0.3 * docs + 0.25 * api + 0.25 * tests + 0.2 * config

    def is_(self) -> float:
        if not self.infos:
            return 0.0
        nested = re.compile(
            r"(for|while)[^\n]*\n(?:[^\n]*\n){0,6}?\s+(for|while)[^\n]*\n(?:[^\n]*\n){0,6}?\s+(for|while)"
        )
        algo = 0.0 if nested.search(self.all_text) else 1.0
        patterns = _share(sum(bool(i.functions) for i in self.infos), len(self.infos))
        perf = 0.0 if re.search(r"for[^\n]*\n\s+\w+\s*\+=\s*['\"]", self.all_text) else 1.0
        modern = {
            "python": r"->\s*\w|:\s*(int|str|float|list|dict)\b",
            "javascript": r"^\s*(const|let)\s",
            "java": r"\bfinal\b|\bstatic\b",
            "c": r"\bconst\b|#include <stdint.h>",
            "cpp": r"std::|\bauto\b|\bconst\b",
            "php": r"declare\(strict_types=1\)|\)\s*:\s*\??\w+|\bfn\s*\(|\?\?|\bmatch\s*\(",
            "rust": r"\bconst\b|\bimpl\b|\bmatch\b|\.iter\(\)|\bOption<|\bResult<|&str\b",
        }.get(self.lang, r"$^")
        mod = (
            0.0
            if re.search(r"^\s*var\s", self.all_text, re.M)
            else (1.0 if re.search(modern, self.all_text, re.M) else 0.5)
        )
        return 0.3 * algo + 0.25 * patterns + 0.25 * perf + 0.2 * mod

    def ses(self) -> float:
        if not self.infos:
            return 0.0
        idents = re.findall(r"\b[A-Za-z_]\w*\b", self.all_text)
        clarity = _share(sum(len(i) >= 3 for i in idents), len(idents), 0.0)
        abstraction = _share(sum(n <= 30 for _, _, n in self.funcs), len(self.funcs), 0.0)
        body = [ln.strip() for i in self.infos for ln in i.lines if len(ln.strip()) > 20]
        principles = _share(len(set(body)), len(body))
        lines = [ln for i in self.infos for ln in i.lines]
        style = _share(sum(len(ln) <= 100 and "\t" not in ln for ln in lines), len(lines), 0.0)
        return 0.3 * clarity + 0.25 * abstraction + 0.25 * principles + 0.2 * style

    # ------------------------------------------------------------------ functional correctness

    def compile_score(self) -> float | None:
        c = self.x.compile
        if c is None or c.get("missing_tool"):
            return None
        if c["ok"]:
            s = 0.8 + (0.1 if c["seconds"] < 5.0 else 0.0) - 0.05 * c["warnings"]
            s += 0.1 if c["size_bytes"] < 10 * 1024 * 1024 else 0.0
            return max(0.0, min(1.0, s))
        errors = c["errors"] or 1
        return 0.3 if errors <= 2 else 0.1 if errors <= 5 else 0.0

    def unit_tests(self) -> float | None:
        """The task's own tests (hidden tests, or the answer's tests for integration_testing)
        pass rate, times the project's tests pass rate (regressions count); 0.5 when the data
        has no tests at all (the released rule)."""
        t = self.x.tests
        if t is None or t.get("missing_tool"):
            return None
        project = {p: n for p, n in self.x.expected_tests.items() if p in self.x.project_tests}
        hidden = {p: n for p, n in self.x.expected_tests.items() if p not in project}
        own = [p for p in t["passed"] if p not in self.x.expected_tests]
        own_pass = sum(t["passed"][p] for p in own)
        own_total = own_pass + sum(t["failed"].get(p, 0) for p in own)
        own_total = max(own_total, self.x.answer_tests_min)
        if not project and not hidden and not own_total:
            return 0.5

        def rate(expected: dict[str, int]) -> float:
            n = sum(expected.values())
            return _share(sum(min(t["passed"].get(p, 0), k) for p, k in expected.items()), n)

        task = rate(hidden) if hidden else _share(own_pass, own_total)
        return task * rate(project)

    def integration(self) -> float:
        if (
            self.x.compile is not None
            and not self.x.compile.get("missing_tool")
            and not self.x.compile["ok"]
        ):
            return 0.0
        n = len(self.code)
        base = 0.7 if n > 1 else 0.3 if n == 1 else 0.0
        with_imports = sum(bool(i.imports) for i in self.infos)
        return min(1.0, base + (0.1 if with_imports > 2 else 0.0))

    def idc(self) -> float:
        allowed = set(re.findall(r"\w+", self.x.prompt))
        changed = [p for p in self.x.files if p in self.x.project]
        before = [f[0] for p in changed for f in analyse(p, self.x.project[p], self.lang).functions]
        kept = [n for n in before if n in self.defined or n in allowed]
        compat = _share(len(kept), len(before))
        reuse = _share(
            sum(
                any(
                    re.search(rf"\b{re.escape(n)}\b", i.text)
                    for n in self.project_funcs
                    if n not in {f[0] for f in i.functions}
                )
                for i in self.infos
            ),
            len(self.infos),
            0.0,
        )
        new = (self.defined - set(self.project_funcs)) or [
            p for p in self.x.files if p not in self.x.project
        ]
        extension = 1.0 if new else 0.0
        ratios = []
        for p in changed:
            old, cur = self.x.project[p].splitlines(), self.x.files[p].splitlines()
            same = len(set(old) & set(cur))
            ratios.append(same / max(len(old), len(cur), 1))
        minimal = _mean(ratios, 1.0)
        return 0.4 * compat + 0.3 * reuse + 0.2 * extension + 0.1 * minimal

    # ------------------------------------------------------------------ code quality

    def security(self) -> float:
        return 1.0 - _share(self.danger_files(), len(self.infos), 1.0) if self.infos else 0.0

    def issues_found(self) -> float:
        if not self.infos:
            return 0.0
        issues = sum(len(re.findall(r"TODO|FIXME|XXX", i.text)) for i in self.infos)
        issues += sum(sum(len(ln) > 120 for ln in i.lines) for i in self.infos)
        if self.x.compile and not self.x.compile.get("missing_tool"):
            issues += self.x.compile["errors"] + self.x.compile["warnings"]
        return 1.0 - min(1.0, issues / (2 * len(self.infos)))

    def style(self) -> float:
        scores = []
        for i in self.infos:
            s = 0.5
            s += 0.2 if _share(i.comment_lines, len(i.lines), 0.0) > 0.1 else 0.0
            s += 0.2 if 50 <= len(i.lines) <= 500 else 0.0
            s += 0.1 if i.functions else 0.0
            scores.append(s)
        return _mean(scores)

    # ------------------------------------------------------------------ long-context use

    def icu(self) -> float:
        text = (self.all_text + "\n" + self.x.approach + "\n" + self.x.explanation).lower()
        files = self.x.required_files or self.x.context_files
        stems = {p.rsplit("/", 1)[-1].split(".")[0].lower() for p in files}
        mentioned = _share(sum(s in text for s in stems), len(stems), 0.0)
        terms = set(re.findall(r"`([^`\s]+)`", self.x.prompt))
        terms |= set(re.findall(r"\b[A-Z][a-z]+[A-Z]\w*\b|\b[a-z]+_[a-z_]+\b", self.x.prompt))
        code = self.all_text.lower()
        used = _share(sum(t.lower().split("(")[0] in code for t in terms), len(terms), 0.0)
        facts = _facts(self.x.ground_truth)
        extraction = _share(sum(f.lower() in text for f in facts), len(facts), 0.0)
        return 0.4 * mentioned + 0.35 * used + 0.25 * extraction

    def mmr(self) -> float:
        sessions = self.x.sessions
        if len(sessions) < 2:
            files = [p for p in self.x.files if not p.endswith(".md")]
            dirs = {p.rsplit("/", 1)[0] if "/" in p else "" for p in self.x.project}
            org = _share(
                sum((p.rsplit("/", 1)[0] if "/" in p else "") in dirs for p in files),
                len(files),
                0.0,
            )
            naming = _share(
                sum(_naming_ok(f[0], self.lang) for f in self.funcs), len(self.funcs), 0.0
            )
            return 0.5 * (org + naming)
        defs = [
            {f[0] for p, t in s.items() for f in analyse(p, t, self.lang).functions}
            for s in sessions
        ]
        pairs = [(i, j) for i in range(len(defs)) for j in range(i + 1, len(defs))]
        naming = _mean([_share(len(defs[i] & defs[j]), len(defs[i]), 0.0) for i, j in pairs])
        paths = [set(s) for s in sessions]
        approach = _mean([_share(len(paths[i] & paths[j]), len(paths[i]), 0.0) for i, j in pairs])
        wanted = _facts(self.x.ground_truth)
        state = _share(sum(w in self.defined for w in wanted), len(wanted), 0.0)
        return 0.4 * naming + 0.35 * approach + 0.25 * state

    # ------------------------------------------------------------------ totals

    def all(self) -> dict[str, float | None]:
        if self.x.failure or not self.code:
            out: dict[str, float | None] = {m: 0.0 for m in ALL_METRICS}
            out.update({d: 0.0 for d in DIMENSIONS}, lcbs=0.0)
            return out
        out = {m: getattr(self, "is_" if m == "is" else m)() for m in SE_PARTS}
        out.update(
            compile=self.compile_score(),
            unit_tests=self.unit_tests(),
            integration=self.integration(),
            idc=self.idc(),
            security=self.security(),
            issues_found=self.issues_found(),
            style=self.style(),
            icu=self.icu(),
            mmr=self.mmr(),
        )
        return combine(out)


def combine(m: dict[str, float | None]) -> dict[str, float | None]:
    """The dimensions and LCBS from the 17 metrics (the released weights)."""
    out = dict(m)
    se = _mean([float(m[k] or 0.0) for k in SE_PARTS])
    fc: float | None = None
    if m["compile"] is not None and m["unit_tests"] is not None:
        fc = 0.3 * m["compile"] + 0.3 * m["unit_tests"] + 0.2 * float(m["integration"] or 0)
        fc += 0.2 * float(m["idc"] or 0)
    cq = 0.7 * float(m["style"] or 0) + 0.3 * float(m["security"] or 0)
    lcu = 0.5 * float(m["icu"] or 0) + 0.5 * float(m["mmr"] or 0)
    out.update(
        software_engineering=se, functional_correctness=fc, code_quality=cq, long_context=lcu
    )
    out["lcbs"] = None if fc is None else 5 * (0.4 * se + 0.3 * fc + 0.2 * cq + 0.1 * lcu)
    return out


def _facts(gt: Any) -> list[str]:
    """The leaf values of a ground truth (numbers, names, paths) as strings; for text, its
    identifiers."""
    if isinstance(gt, dict):
        return [f for v in gt.values() for f in _facts(v)] + [
            k for k in gt if not re.fullmatch(r"[a-z_]+", k) or "." in k
        ]
    if isinstance(gt, list):
        return [f for v in gt for f in _facts(v)]
    if isinstance(gt, int | float):
        return [str(gt)]
    text = str(gt)
    if " " in text.strip():
        return sorted(set(re.findall(r"\b[A-Za-z_]\w*[_A-Z]\w*\b", text)))
    return [text] if text else []


def _std_c(header: str) -> bool:
    return header.split("/")[0] in {
        "stdio.h",
        "stdlib.h",
        "string.h",
        "stdint.h",
        "stdbool.h",
        "math.h",
        "assert.h",
        "errno.h",
        "limits.h",
        "stddef.h",
        "ctype.h",
        "time.h",
        "string",
        "vector",
        "map",
        "iostream",
        "sstream",
        "memory",
        "algorithm",
        "cstdint",
        "cstring",
        "cstdio",
        "unordered_map",
        "stdexcept",
        "utility",
        "set",
        "array",
        "functional",
        "optional",
    }
