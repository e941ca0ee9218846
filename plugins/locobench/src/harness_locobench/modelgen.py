"""``harness generate locobench``: model-written specifications, codebases and scenarios, as the
paper's pipeline does (phases 1-3), with any model in the ``generator`` role.

Per project: (1) the model writes a specification (name, domain, features) as JSON; (2) it
writes the codebase as JSON ``{"files": {path: content}}`` in our layout for the language,
including a test program that prints one ``PASS name`` / ``FAIL name`` line per check; (3) the
project is built and its tests run in the sandbox, and it is rejected, with the reason, if the
build fails, the test program prints no check, or any check fails; (4) the model writes one
scenario per category (title, description, task prompt, expected approach, ground truth and the
context files), each validated against the released schema; a scenario naming a file the project
does not have is rejected with its id. Accepted projects and scenarios are written in the
released layout, so ``harness run locobench -T data_dir=...`` evaluates on them."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.errors import UserError
from harness.jobs import Generator, JobContext
from harness.schemas import Message
from harness_locobench import build
from harness_locobench.data import Item, write
from harness_locobench.langs import LANGS
from harness_locobench.prompts import parse_json_object, unsafe_path
from harness_locobench.schemas import CATEGORIES, COVERAGE_BANDS, Scenario

SPEC_PROMPT = (
    "Invent a small {language} software project in the {domain} domain. Reply with one JSON "
    'object: {{"name": "<snake_case name>", "description": "<two sentences>", '
    '"features": ["<feature>", ...]}}.'
)
CODE_PROMPT = (
    "Write the complete codebase of this {language} project as one JSON object "
    '{{"files": {{"<path>": "<content>", ...}}}}.\n\nSpecification: {spec}\n\n'
    "Layout: {layout}. It must build with: {build}. Include the test program {test} that "
    "checks the main functions and prints one line `PASS <name>` or `FAIL <name>` per check "
    "(it is run with: {run}). Use only the standard library."
)
SCENARIO_PROMPT = (
    "Here is a {language} codebase:\n\n{files}\n\nWrite one {category} task about it as one "
    'JSON object: {{"title": "...", "description": "...", "task_prompt": "...", '
    '"expected_approach": "...", "ground_truth": "...", "context_files": ["<paths from the '
    'codebase>"], "evaluation_criteria": ["..."]}}.'
)
LAYOUT = {
    "python": "package app/ (app/__init__.py, app/<module>.py), tests in tests/",
    "c": "sources in src/*.c, headers in include/*.h, tests in tests/",
    "cpp": "sources in src/*.cpp, headers in include/*.hpp, tests in tests/",
    "java": "classes in src/app/*.java (package app), the test class in tests/ (default package)",
    "javascript": "CommonJS modules in src/*.js, tests in tests/",
    "rust": "a cargo package named app without dependencies: Cargo.toml, src/lib.rs declaring "
    "every module (`pub mod name;`), modules in src/*.rs; the test program is a binary with a "
    "main function that imports the library with `use app::{...};`",
    "php": "PHP files of functions in src/*.php loaded with require_once __DIR__ . '/x.php', "
    "tests in tests/",
}
DOMAINS = ("web_api", "data_pipeline", "fintech", "game_engine", "devtools", "iot")


class ModelGenOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    languages: str = Field(default="python", description="Comma list of languages.")
    projects: int = Field(default=1, ge=1, description="Projects per language.")
    categories: str = Field(default="all", description="all, or a comma list of categories.")
    max_tokens: int = Field(default=4096, ge=64, description="Tokens of each model reply.")
    build_timeout: float = Field(default=300.0, gt=0, description="Seconds a build may take.")


class ModelCodebaseGenerator(Generator):
    name = "locobench"
    description = "LoCoBench phases 1-3 with a model: specifications, codebases, scenarios."
    Options = ModelGenOptions
    roles = ("generator",)

    async def generate(self, ctx: JobContext) -> dict[str, Any]:
        o: ModelGenOptions = self.options
        model = ctx.role("generator")
        langs = [x.strip() for x in o.languages.split(",") if x.strip()]
        for x in langs:
            if x not in LANGS:
                raise UserError(
                    f"locobench: unknown language {x!r}; choose from {', '.join(LANGS)}"
                )
        cats = CATEGORIES if o.categories == "all" else tuple(o.categories.split(","))
        kept: list[Item] = []
        rejected: list[dict[str, str]] = []

        async def ask(prompt: str) -> dict[str, Any] | None:
            reply = await model.generate(
                [Message(role="user", content=prompt)], max_tokens=o.max_tokens
            )
            return parse_json_object(reply.text)

        for lang in langs:
            for k in range(o.projects):
                domain = DOMAINS[(ctx.seed + k) % len(DOMAINS)]
                items, why = await self.project(ask, lang, domain, k, cats, o.build_timeout)
                ctx.log("project", language=lang, index=k, rejected=why, scenarios=len(items))
                if why:
                    rejected.append({"language": lang, "index": str(k), "reason": why})
                kept += items
        counts = write(kept, ctx.out_dir) if kept else {"scenarios": 0, "projects": 0}
        return {**counts, "rejected": rejected}

    async def project(
        self, ask: Any, lang: str, domain: str, k: int, cats: tuple[str, ...], timeout: float
    ) -> tuple[list[Item], str | None]:
        L = LANGS[lang]
        spec = await ask(SPEC_PROMPT.format(language=lang, domain=domain))
        if not spec or not isinstance(spec.get("name"), str):
            return [], "the specification is not a JSON object with a name"
        test = f"tests/{'TestAll.java' if lang == 'java' else 'test_all' + L.ext}"
        code = await ask(
            CODE_PROMPT.format(
                language=lang,
                spec=json.dumps(spec),
                layout=LAYOUT[lang],
                build=L.compile_cmd(),
                test=test,
                run=L.test_cmd(test),
            )
        )
        files = (code or {}).get("files")
        if not isinstance(files, dict) or not files:
            return [], "the codebase is not a JSON object with files"
        files = {str(p): str(t) for p, t in files.items()}
        bad = [p for p in files if unsafe_path(p)]
        if bad:
            return [], f"the codebase writes outside the project ({bad[0]!r})"
        if test not in files:
            return [], f"the codebase has no test program {test}"
        c = await build.compile_project(lang, files, timeout)
        if c.missing_tool:
            return [], f"{c.missing_tool} is not installed"
        if not c.ok:
            return [], f"does not build: {c.output.strip()[-300:]}"
        t = await build.run_tests(lang, files, [test], timeout)
        passed, failed = t.passed.get(test, 0), t.failed.get(test, 0)
        if not passed or failed:
            return [], f"its tests do not pass ({passed} passed, {failed} failed)"
        name = f"{lang}_{spec['name']}_{k}"
        items = []
        listing = "\n\n".join(f"### {p}\n{t}" for p, t in sorted(files.items()))
        total = sum(len(x) for x in files.values())
        for cat in cats:
            raw = await ask(SCENARIO_PROMPT.format(language=lang, files=listing, category=cat))
            item = _scenario_item(raw, files, lang, name, cat, total, {test: passed})
            if isinstance(item, str):
                return items, item
            items.append(item)
        return items, None


def _scenario_item(
    raw: dict[str, Any] | None,
    files: dict[str, str],
    lang: str,
    project: str,
    cat: str,
    total: int,
    tests: dict[str, int],
) -> Item | str:
    sid = f"{project}_{cat}_01"
    if not raw:
        return f"scenario {sid}: not a JSON object"
    ctx_files = [str(p) for p in raw.get("context_files") or []]
    missing = [p for p in ctx_files if p not in files]
    if missing or not ctx_files:
        what = repr(missing[0]) if missing else "(none)"
        return f"scenario {sid}: context file {what} not in the project"
    chars = sum(len(files[p]) for p in ctx_files)
    cov = chars / max(total, 1)
    diff = next((d for d, (lo, hi) in COVERAGE_BANDS.items() if lo <= cov < hi), "expert")
    if cov < 0.2:
        diff = "easy"
    try:
        scenario = Scenario.model_validate(
            {
                **{
                    k: raw.get(k, "")
                    for k in ("title", "description", "task_prompt", "expected_approach")
                },
                "ground_truth": raw.get("ground_truth", ""),
                "evaluation_criteria": [str(x) for x in raw.get("evaluation_criteria") or []],
                "id": f"{project}_{cat}_{diff}_01",
                "task_category": cat,
                "difficulty": diff,
                "context_files": ctx_files,
                "context_length": chars,
                "metadata": {
                    "context_length": chars,
                    "files_count": len(ctx_files),
                    "information_coverage": round(cov, 4),
                    "coverage_range": list(COVERAGE_BANDS[diff]),
                    "language": lang,
                    "project": project,
                    "generator": "model",
                },
            }
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        return f"scenario {sid}: field {'.'.join(map(str, err['loc']))}: {err['msg']}"
    return Item(scenario, files, lang, tests=tests)
