"""Stage 3: per cluster, general tools that replace the per-question ones, reviewed by use.

1. blueprint: the generator designs general tools, each covering original tool ids;
2. generalisation: the design made more general and non-overlapping (kept only if it still
   parses and covers);
3. implementation: each designed tool written as code, checked and run in the sandbox like a
   stage-1 tool, retried with the rejection reason (``impl_retries``);
4. review: for each tool, a reviewer agent answers up to ``review_questions`` of the questions it
   covers with the cluster's new tools, and the judge returns PASS or NEED_PATCHING with
   suggestions. The suggestions are **applied** (the tool is re-implemented with them) and the
   tool reviewed again, ``review_rounds`` times. The released ``_optimize_sib`` collects the
   suggestions and then keeps the original (``rewritten_sib = original``): fixed here.

A tool still failing review is dropped when ``drop_unhelpful``; original tools left uncovered
(no design, a failed implementation, a dropped tool) are carried into the library unchanged
when ``carry_originals``, else mapped to nothing."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from harness.model import ModelHandle
from harness.schemas import ToolSpec
from harness_toollibgen import prompts
from harness_toollibgen.codegen import parse_reply
from harness_toollibgen.execute import allowed_imports
from harness_toollibgen.extract import Extracted, admit, rules_text
from harness_toollibgen.grading import grade
from harness_toollibgen.replies import ask, ask_json
from harness_toollibgen.schema import ExtractedTool, Library, LibraryTool, Rejection, Trace
from harness_toollibgen.solver import Runnable, ToolBox, solve_with_tools, transcript_digest

NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


@dataclass
class AggregateSettings:
    generalize: bool = True
    impl_retries: int = 1
    review_rounds: int = 1
    review_questions: int = 2
    timeout: float = 5.0
    gen_tokens: int | None = 1024
    solver_steps: int = 6
    solver_tokens: int | None = None
    judge_tokens: int | None = 384
    drop_unhelpful: bool = True
    carry_originals: bool = True


@dataclass
class Design:
    name: str
    description: str
    covers: list[str]
    tool: ExtractedTool | None = None
    review: Literal["pass", "need_patching", "unreviewed"] = "unreviewed"
    patched: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class ClusterOutcome:
    tools: list[LibraryTool] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    log: list[dict[str, Any]] = field(default_factory=list)


def read_design(value: Any, ids: list[str]) -> list[Design]:
    """Designs from a blueprint reply: valid names, covers limited to the cluster's ids, each id
    covered once (first design wins), designs covering nothing dropped."""
    if not isinstance(value, dict) or not isinstance(value.get("tools"), list):
        return []
    seen: set[str] = set()
    out: list[Design] = []
    for item in value["tools"]:
        if not isinstance(item, dict) or not NAME.match(str(item.get("name", ""))):
            continue
        covers = [
            c for c in item.get("covers") or [] if isinstance(c, str) and c in ids and c not in seen
        ]
        if not covers or any(d.name == item["name"] for d in out):
            continue
        seen.update(covers)
        out.append(Design(str(item["name"]), str(item.get("description", ""))[:500], covers))
    return out


def _listing(tools: list[ExtractedTool]) -> str:
    return "\n\n".join(
        f"[{t.id}] {t.tool_info.function.name}: {t.tool_info.function.description}\n{t.tool_code}"
        for t in tools
    )


async def implement(
    d: Design,
    originals: dict[str, ExtractedTool],
    cluster: str,
    gen: ModelHandle,
    s: AggregateSettings,
    out: ClusterOutcome,
    feedback: str = "",
) -> ExtractedTool | None:
    """Code for a design, admitted through the sandbox; retried with the rejection reason."""
    covered = "\n".join(
        f"- {originals[i].tool_info.function.name}: {originals[i].tool_info.function.description}"
        for i in d.covers
    )
    sink = Extracted()
    for attempt in range(s.impl_retries + 1):
        prompt = prompts.IMPLEMENT.format(
            name=d.name,
            description=d.description,
            covered=covered,
            rules=rules_text(),
            feedback=f"Fix this: {feedback}" if feedback else "",
        )
        reply = await ask(gen, prompt, s.gen_tokens)
        cands = parse_reply(reply, set(allowed_imports()))
        cand = next((c for c in cands if c.name == d.name), None)
        if cand is None:
            why = f"the reply defines no function {d.name}" + (
                f" ({cands[0].reason})" if cands and cands[0].reason else ""
            )
            sink.rejections.append(
                Rejection(stage="implement", where=cluster, tool=d.name, reason=why)
            )
        else:
            tool = await admit(cand, cluster, "implement", s.timeout, sink)
            if tool is not None:
                out.rejections.extend(sink.rejections)
                return tool
        feedback = sink.rejections[-1].reason
        d.notes.append(f"attempt {attempt + 1}: {feedback}")
    out.rejections.extend(sink.rejections)
    return None


async def review_tool(
    d: Design,
    designs: list[Design],
    originals: dict[str, ExtractedTool],
    traces: dict[str, Trace],
    reviewer: ModelHandle,
    judge: ModelHandle,
    s: AggregateSettings,
) -> tuple[bool | None, list[str], list[dict[str, Any]]]:
    """(passed, suggestions, log): the reviewer answers covered questions with the new tools
    (passed is None when none of its questions is among the traces: nothing to review)."""
    assert d.tool is not None
    qids = list(
        dict.fromkeys(originals[i].trace_id for i in d.covers if originals[i].trace_id in traces)
    )
    runnables = [
        Runnable(
            ToolSpec(
                name=x.name,
                description=x.tool.tool_info.function.description,
                parameters=x.tool.tool_info.function.parameters,
            ),
            x.tool.tool_code,
        )
        for x in designs
        if x.tool is not None
    ]
    passed: bool | None = None if not qids else True
    suggestions: list[str] = []
    log: list[dict[str, Any]] = []
    for qid in qids[: s.review_questions]:
        trace = traces[qid]
        box = ToolBox(runnables, timeout=s.timeout)
        ep = await solve_with_tools(
            reviewer, trace, box, s.solver_steps, s.solver_tokens, "toollibgen review"
        )
        prompt = prompts.REVIEW.format(
            name=d.name,
            description=d.tool.tool_info.function.description,
            question=trace.question,
            answer=trace.answer,
            digest=transcript_digest(ep),
        )
        value, _, _ = await ask_json(judge, prompt, "verdict", s.judge_tokens, repair=False)
        verdict = str((value or {}).get("verdict", "")).upper().replace(" ", "_")
        if verdict not in ("PASS", "NEED_PATCHING"):
            right = grade(ep.answer, trace.answer, bool(trace.choices))
            used = any(c["tool"] == d.name and c["ok"] for c in ep.calls)
            verdict = "PASS" if right and used else "NEED_PATCHING"
            why = f"answer {'right' if right else 'wrong'}, tool {'used' if used else 'not used'}"
            value = {"reason": f"rule (judge gave no verdict): {why}", "suggestions": ""}
        log.append(
            {
                "tool": d.name,
                "question": qid,
                "verdict": verdict,
                "reason": str(value.get("reason", ""))[:300],
                "answer": ep.answer,
            }
        )
        if verdict == "NEED_PATCHING":
            passed = False
            suggestions.append(str(value.get("suggestions") or value.get("reason") or "")[:500])
    return passed, suggestions, log


def _carry(t: ExtractedTool, cluster: str) -> LibraryTool:
    return LibraryTool(
        tool_info=t.tool_info,
        tool_code=t.tool_code,
        cluster=cluster,
        covers=[t.id],
        review="carried",
    )


async def aggregate_cluster(
    cluster: str,
    tools: list[ExtractedTool],
    traces: dict[str, Trace],
    gen: ModelHandle,
    reviewer: ModelHandle,
    judge: ModelHandle,
    s: AggregateSettings,
) -> ClusterOutcome:
    """Stage 3 for one cluster: its library tools (and carried originals), rejections and log."""
    out = ClusterOutcome()
    originals = {t.id: t for t in tools}
    ids = list(originals)
    value, _, err = await ask_json(
        gen, prompts.BLUEPRINT.format(cluster=cluster, tools=_listing(tools)), "tools", s.gen_tokens
    )
    designs = read_design(value, ids)
    out.log.append(
        {
            "cluster": cluster,
            "step": "blueprint",
            "designs": [d.name for d in designs],
            "error": err,
        }
    )
    if designs and s.generalize:
        plan = json.dumps(
            {
                "tools": [
                    {"name": d.name, "description": d.description, "covers": d.covers}
                    for d in designs
                ]
            }
        )
        value, _, err = await ask_json(
            gen, prompts.GENERALIZE.format(design=plan), "tools", s.gen_tokens
        )
        general = read_design(value, ids)
        if general and {c for d in general for c in d.covers} >= {
            c for d in designs for c in d.covers
        }:
            designs = general
        out.log.append(
            {"cluster": cluster, "step": "generalize", "kept": designs is general, "error": err}
        )
    for d in designs:
        d.tool = await implement(d, originals, cluster, gen, s, out)
    live = [d for d in designs if d.tool is not None]
    todo = list(live)
    for rnd in range(s.review_rounds + 1):
        patch: list[tuple[Design, list[str]]] = []
        for d in todo:
            ok, suggestions, log = await review_tool(d, live, originals, traces, reviewer, judge, s)
            out.log.extend({"cluster": cluster, "round": rnd, **x} for x in log)
            d.review = "unreviewed" if ok is None else "pass" if ok else "need_patching"
            if ok is False:
                patch.append((d, suggestions))
        if rnd == s.review_rounds or not patch:
            break
        todo = []
        for d, suggestions in patch:
            fb = "a reviewer who used it to answer the questions it covers asks: " + " | ".join(
                x for x in suggestions if x
            )
            new = await implement(d, originals, cluster, gen, s, out, feedback=fb)
            if new is not None:
                d.tool, d.patched = new, d.patched + 1
                todo.append(d)
    covered: set[str] = set()
    for d in designs:
        if d.tool is None or (d.review == "need_patching" and s.drop_unhelpful):
            if d.tool is not None:
                out.rejections.append(
                    Rejection(
                        stage="review",
                        where=cluster,
                        tool=d.name,
                        reason="still NEED_PATCHING after the review rounds",
                    )
                )
            continue
        covered.update(d.covers)
        out.tools.append(
            LibraryTool(
                tool_info=d.tool.tool_info,
                tool_code=d.tool.tool_code,
                cluster=cluster,
                covers=d.covers,
                review=d.review,
                patched=d.patched,
            )
        )
    if s.carry_originals:
        out.tools.extend(_carry(originals[i], cluster) for i in ids if i not in covered)
    return out


def rename_function(code: str, old: str, new: str) -> str:
    """``code`` with the definition and the calls of function ``old`` renamed to ``new``."""
    return re.sub(rf"\b{re.escape(old)}\b(?=\s*\()", new, code)


def unique_names(tools: list[LibraryTool]) -> list[LibraryTool]:
    """Library names must be unique: a repeated name gets a suffix (code renamed to match)."""
    seen: set[str] = set()
    out = []
    for t in tools:
        name = t.tool_info.function.name
        if name in seen:
            n = 2
            while f"{name}_{n}" in seen:
                n += 1
            new = f"{name}_{n}"
            info = t.tool_info.model_copy(deep=True)
            info.function.name = new
            t = t.model_copy(
                update={"tool_info": info, "tool_code": rename_function(t.tool_code, name, new)}
            )
            name = new
        seen.add(name)
        out.append(t)
    return out


def flat_library(tools: list[ExtractedTool], traces: list[Trace]) -> Library:
    """The baseline library: every extracted tool as it is, one per question-specific tool."""
    flat = unique_names(
        [
            LibraryTool(
                tool_info=t.tool_info,
                tool_code=t.tool_code,
                cluster="flat",
                covers=[t.id],
                review="carried",
            )
            for t in tools
        ]
    )
    return Library(
        format_version=1,
        kind="flat",
        tools=flat,
        mapping={t.covers[0]: t.tool_info.function.name for t in flat},
        question_tools={tr.id: [t.id for t in tools if t.trace_id == tr.id] for tr in traces},
    )
