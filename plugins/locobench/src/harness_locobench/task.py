"""The ``locobench`` task: a scenario's context files go to the model (their contents, cut by
the documented rule when over its context), the model answers in JSON
``{approach, files, explanation}`` (malformed replies retried by the core loop), the answer is
applied to the project, built and tested in the sandbox, and the 17 metrics and LCBS computed.

Multi-session scenarios run as one episode of the core loop over several sessions; the files of
later sessions override earlier ones. Building and testing happen in ``solve`` (they are async
sandbox calls) and their results are kept in the output, so ``score`` only reads them."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.agent import BUDGET_HELP, AgentLoop, Budgets, Profile, ProfileName, Rules, override
from harness.context import SolveContext
from harness.environment import Environment, StepResult
from harness.errors import UserError
from harness.metric import Metric
from harness.schemas import Message, Sample, SampleRecord, Score, SolveOutput, ToolCall, ToolSpec
from harness.task import Task
from harness_locobench import build
from harness_locobench.data import Item, generated, load
from harness_locobench.langs import LANGS
from harness_locobench.metrics import Inputs, Scorer
from harness_locobench.prompts import (
    SYSTEM,
    AnswerProtocol,
    context_block,
    session_message,
    unsafe_path,
)
from harness_locobench.schemas import CATEGORIES
from harness_locobench.tokens import bucket, count_tokens

DEFAULT_LANGUAGES = "python,c,cpp,java,javascript,rust"


@dataclass(frozen=True)
class Sizes(Profile):
    max_tokens: int  # tokens of one answer
    context_tokens: int  # the model's context window, for the truncation rule


BUDGETS = Budgets(full=Sizes("full", 8192, 1_000_000), small=Sizes("small", 512, 8192))


class LoCoBenchOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    data_dir: str | None = Field(
        default=None,
        description="A folder in the released layout (data/output/scenarios/*.json beside "
        "data/generated/<project>/); default: projects made by the procedural generator.",
    )
    languages: str = Field(default=DEFAULT_LANGUAGES, description="Generated data: languages.")
    size: int = Field(
        default=2500, ge=500, le=2_000_000, description="Generated data: project size in tokens."
    )
    data_seed: int = Field(default=0, description="Generated data: the generator's seed.")
    categories: str = Field(default="all", description="all, or a comma list of categories.")
    context_mode: Literal["contents", "names"] = Field(
        default="contents",
        description="contents: the context files' text (our default); names: only their names, "
        "as the released evaluator sends.",
    )
    budget: ProfileName = Field(default="auto", description=BUDGET_HELP)
    max_tokens: int | None = Field(default=None, ge=16, description="Tokens of one answer.")
    max_context_tokens: int | None = Field(
        default=None, ge=512, description="The model's context window (truncation rule)."
    )
    attempts: int = Field(default=3, ge=1, le=10, description="Tries for a readable answer.")
    build_timeout: float = Field(default=300.0, gt=0, description="Seconds a build may take.")


class NoTools(Environment):
    """The episode's environment: the model only answers."""

    name = "locobench-answer"

    def reset(self, sample: Sample | None = None, seed: int | None = None) -> str:
        return ""

    def tools(self) -> list[ToolSpec]:
        return []

    async def step(self, call: ToolCall) -> StepResult:
        return StepResult(content="there are no tools", is_error=True)


class LoCoBenchTask(Task):
    name = "locobench"
    description = "LoCoBench: long-context software-engineering scenarios, built and tested."
    Options = LoCoBenchOptions
    roles = ()
    group_by = ["task_category", "difficulty", "language", "context_bucket"]
    #: the build's clock (tests inject a fake one to check the compile-time bonus)
    clock: Callable[[], float] = staticmethod(time.perf_counter)

    def __init__(self, options: BaseModel | None = None) -> None:
        super().__init__(options)
        self._items: dict[str, Item] | None = None

    # ------------------------------------------------------------------ data

    def items(self) -> dict[str, Item]:
        if self._items is None:
            o: LoCoBenchOptions = self.options
            cats = _categories(o.categories)
            if o.data_dir:
                items = [i for i in load(Path(o.data_dir)) if i.scenario.task_category in cats]
            else:
                langs = [x.strip() for x in o.languages.split(",") if x.strip()]
                bad = [x for x in langs if x not in LANGS]
                if bad:
                    raise UserError(
                        f"locobench: unknown language {bad[0]!r}; choose from {', '.join(LANGS)}"
                    )
                items = generated(langs, o.size, o.data_seed, cats)
                order = {c: i for i, c in enumerate(cats)}
                items.sort(key=lambda it: order[it.scenario.task_category])
            self._items = {i.scenario.id: i for i in items}
        return self._items

    def samples(self) -> Iterable[Sample]:
        for sid, it in self.items().items():
            s = it.scenario
            meta = s.metadata.model_extra or {}
            tokens = int(meta.get("context_tokens") or count_tokens("x" * s.context_length))
            yield Sample(
                id=sid,
                input=s.sessions()[0],
                target=s.ground_truth,
                metadata={
                    "task_category": s.task_category,
                    "difficulty": s.difficulty,
                    "language": it.language,
                    "context_bucket": bucket(tokens),
                    "context_tokens": tokens,
                    "information_coverage": s.metadata.information_coverage,
                    "sessions": len(s.sessions()),
                },
            )

    # ------------------------------------------------------------------ solving

    async def solve(self, sample: Sample, ctx: SolveContext) -> SolveOutput:
        o: LoCoBenchOptions = self.options
        it = self.items()[sample.id]
        sizes = BUDGETS.choose(o.budget, ctx)
        max_tokens = override(o.max_tokens, sizes.max_tokens)
        window = override(o.max_context_tokens, sizes.context_tokens)
        overhead = count_tokens(SYSTEM + session_message(it.scenario, 0, None)) + 64
        budget = max(0, window - max_tokens - overhead)
        context = context_block(it.project, it.scenario.context_files, budget, o.context_mode)
        rules = Rules(
            max_steps=o.attempts,
            max_format_errors=o.attempts - 1,
            text_turn="answer",
            generate={"max_tokens": max_tokens},
            where=f"task {self.name}",
        )
        loop = AgentLoop(
            ctx.model, NoTools(), protocol=AnswerProtocol(), rules=rules, system=SYSTEM
        )
        answers: list[dict[str, Any]] = []
        failure = None
        result = None
        for i in range(len(it.scenario.sessions())):
            text = session_message(it.scenario, i, context)
            result = await loop.run([Message(role="user", content=text)])
            last = result.turns[-1] if result.turns else None
            answer = last.parsed.info.get("answer") if last and not last.parsed.error else None
            if result.stop_reason != "answer" or answer is None:
                failure = f"session {i + 1}: no readable answer ({result.stop_reason})"
                break
            answers.append(answer)
        meta = await self.grade(it, answers, failure)
        meta.update(
            context_tokens=context.tokens,
            context_shown=len(context.shown),
            context_cut=context.cut,
            context_omitted=len(context.omitted),
            context_budget=budget,
            context_mode=o.context_mode,
            **(result.record(sizes.name) if result else {}),
        )
        return SolveOutput(
            completion=answers[-1].get("approach", "") if answers else "",
            messages=result.messages if result else [],
            metadata=meta,
        )

    async def grade(
        self, it: Item, answers: list[dict[str, Any]], failure: str | None = None
    ) -> dict[str, Any]:
        """Apply the answers (one per session) to the project, build and test it; no model."""
        merged: dict[str, str] = {}
        for a in answers:
            merged.update(a.get("files") or {})
        bad = sorted(p for p in merged if unsafe_path(p))
        if not failure and bad:
            failure = f"refused: the answer writes outside the project ({bad[0]!r})"
        if not failure and not merged:
            failure = "the answer has no files"
        meta: dict[str, Any] = {
            "answers": answers,
            "failure": failure,
            "compile": None,
            "tests": None,
        }
        if failure:
            return meta
        if it.language not in LANGS:  # released data in a language we have no build rules for
            why = f"{it.language} (no build rules here)"
            meta["compile"] = {"ok": False, "missing_tool": why}
            meta["tests"] = {"missing_tool": why}
            return meta
        files = {**it.project, **merged, **it.hidden_files}
        lang = LANGS[it.language]
        c = await build.compile_project(
            it.language, {**it.project, **merged}, self.options.build_timeout, self.clock
        )
        meta["compile"] = asdict(c)
        if it.tests or it.hidden:
            own = sorted(p for p in merged if lang.is_test(p) and p.endswith(lang.ext))
            programs = list(dict.fromkeys([*it.tests, *it.hidden, *own]))
            t = await build.run_tests(it.language, files, programs, self.options.build_timeout)
            meta["tests"] = asdict(t)
        return meta

    # ------------------------------------------------------------------ scoring

    def inputs(self, sample: Sample, output: SolveOutput) -> Inputs:
        it = self.items()[sample.id]
        m = output.metadata
        answers = m.get("answers") or []
        merged: dict[str, str] = {}
        for a in answers:
            merged.update(a.get("files") or {})
        return Inputs(
            language=it.language,
            category=it.scenario.task_category,
            files=merged,
            sessions=[a.get("files") or {} for a in answers],
            approach=" ".join(str(a.get("approach", "")) for a in answers),
            explanation=" ".join(str(a.get("explanation", "")) for a in answers),
            project=it.project,
            context_files=it.scenario.context_files,
            required_files=it.required_files,
            prompt="\n".join(it.scenario.sessions()),
            ground_truth=it.scenario.ground_truth,
            compile=m.get("compile"),
            tests=m.get("tests"),
            failure=m.get("failure"),
            expected_tests={**it.tests, **it.hidden},
            project_tests=list(it.tests),
            answer_tests_min=it.answer_tests_min,
        )

    def score(self, sample: Sample, output: SolveOutput) -> dict[str, Score]:
        values = Scorer(self.inputs(sample, output)).all()
        why = output.metadata.get("failure")
        missing = (output.metadata.get("compile") or {}).get("missing_tool")
        out = {}
        for name, v in values.items():
            note = why or (f"not scored: {missing} is not installed" if v is None else None)
            out[name] = Score(value=None if v is None else round(v, 4), explanation=note)
        return out

    def metrics(self) -> list[Metric]:
        return []  # score() computes the 17 metrics, the dimensions and LCBS together

    def summarize(self, records: list[SampleRecord]) -> dict[str, Any]:
        from harness_locobench.report import tables

        return tables(records)

    def report(self, record: SampleRecord) -> str | None:
        m = (record.output.metadata if record.output else {}) or {}
        lines = [f"{record.sample_id}: LCBS {_fmt(record.scores.get('lcbs'))}"]
        if m.get("failure"):
            lines.append(f"  failure: {m['failure']}")
        c = m.get("compile") or {}
        if c:
            lines.append(
                f"  build ok={c.get('ok')} {c.get('seconds', 0):.1f}s errors={c.get('errors')}"
            )
        t = m.get("tests") or {}
        if t:
            lines.append(f"  tests passed={t.get('passed')} failed={t.get('failed')}")
        return "\n".join(lines)


def _fmt(s: Score | None) -> str:
    return "-" if s is None or s.value is None else f"{s.value:.3f}"


def _categories(text: str) -> tuple[str, ...]:
    if text.strip() == "all":
        return CATEGORIES
    cats = tuple(c.strip() for c in text.split(",") if c.strip())
    bad = [c for c in cats if c not in CATEGORIES]
    if bad:
        raise UserError(
            f"locobench: unknown category {bad[0]!r}; choose from {', '.join(CATEGORIES)}"
        )
    return cats
