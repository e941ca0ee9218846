"""``harness generate locobench-codebases``: projects and scenarios from the procedural
generator, written in the released layout (no model). Every project is built and tested in the
sandbox first, with each scenario's reference solution; one that fails is rejected with why."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from harness.errors import UserError
from harness.jobs import Generator, JobContext
from harness_locobench import build
from harness_locobench.data import generated, write
from harness_locobench.langs import LANGS


class CodebaseOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    languages: str = Field(default="python,c,cpp,java,javascript,rust", description="Comma list.")
    sizes: str = Field(default="2500", description="Project sizes in tokens, comma list.")
    seeds: int = Field(default=1, ge=1, description="Projects per language and size.")
    verify: bool = Field(default=True, description="Build and test every project first.")
    build_timeout: float = Field(default=900.0, gt=0, description="Seconds a build may take.")


class CodebaseGenerator(Generator):
    name = "locobench-codebases"
    description = "LoCoBench projects and scenarios made procedurally (no model)."
    Options = CodebaseOptions
    roles = ()
    needs_model = False

    async def generate(self, ctx: JobContext) -> dict[str, Any]:
        o: CodebaseOptions = self.options
        langs = [x.strip() for x in o.languages.split(",") if x.strip()]
        for x in langs:
            if x not in LANGS:
                raise UserError(
                    f"locobench: unknown language {x!r}; choose from {', '.join(LANGS)}"
                )
        try:
            sizes = [int(s) for s in o.sizes.split(",") if s.strip()]
        except ValueError:
            raise UserError(
                f"locobench: sizes {o.sizes!r} is not a comma list of integers"
            ) from None
        kept, rejected = [], []
        for lang in langs:
            for size in sizes:
                for seed in range(o.seeds):
                    items = generated([lang], size, seed)
                    why = await verify(items, o.build_timeout) if o.verify else None
                    name = str((items[0].scenario.metadata.model_extra or {}).get("project"))
                    ctx.log("project", name=name, language=lang, size=size, rejected=why)
                    if why:
                        rejected.append({"project": name, "reason": why})
                    else:
                        kept += items
        counts = write(kept, ctx.out_dir)
        return {**counts, "rejected": rejected}


async def verify(items: list[Any], timeout: float) -> str | None:
    """None if the project builds and passes its tests (and every reference solution passes
    its hidden tests), else the reason."""
    first = items[0]
    c = await build.compile_project(first.language, first.project, timeout)
    if c.missing_tool:
        return f"{c.missing_tool} is not installed"
    if not c.ok:
        return f"does not build: {c.output[-300:]}"
    for it in items:
        files = dict(it.project)
        files.update(it.hidden_files)
        for ref in it.reference:
            files.update(ref)
        lang = LANGS[it.language]
        own = [p for p in it.reference[-1] if lang.is_test(p)] if it.reference else []
        programs = list(dict.fromkeys([*it.tests, *it.hidden, *own]))
        t = await build.run_tests(it.language, files, programs, timeout)
        failed = {p: n for p, n in t.failed.items() if n} or {
            p: n for p, n in {**it.tests, **it.hidden}.items() if t.passed.get(p, 0) < n
        }
        if failed:
            return f"scenario {it.scenario.id}: tests fail with the reference ({failed})"
    return None
