"""Stage 1: per-question tools from a reasoning trace, checked, executed, verified and refined.

For each trace the generator writes tools (:data:`prompts.EXTRACT`); each candidate is checked
statically (:mod:`codegen`) and run in the sandbox (defined, then called with its docstring
example). Then the verify-and-refine loop, ``refine_rounds`` times (the released driver calls it
with ``max_iterations=0``, so nothing is verified there; ours defaults to one round): a verifier
agent answers the question with the tools, the judge labels each tool EFFECTIVE or
INEFFECTIVE against the gold answer, and the generator rewrites ineffective tools and the
candidates the sandbox rejected (with the reason). If the judge's reply does not parse, a rule
decides instead (a tool is effective when it ran without error in an episode whose strict-graded
answer is right) and the record says so."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.model import ModelHandle
from harness.schemas import ToolSpec
from harness_toollibgen import prompts
from harness_toollibgen.codegen import Candidate, parse_reply
from harness_toollibgen.execute import allowed_imports, call_tool
from harness_toollibgen.grading import grade
from harness_toollibgen.replies import ask, ask_json
from harness_toollibgen.schema import ExtractedTool, Rejection, ToolInfo, Trace
from harness_toollibgen.solver import Runnable, ToolBox, solve_with_tools, transcript_digest


@dataclass
class ExtractSettings:
    max_tools: int = 3
    refine_rounds: int = 1
    timeout: float = 5.0
    gen_tokens: int | None = 768
    solver_steps: int = 6
    solver_tokens: int | None = None
    judge_tokens: int | None = 384
    drop_ineffective: bool = False


@dataclass
class Extracted:
    """One trace's outcome: kept tools, rejections, and the verification log."""

    tools: list[ExtractedTool] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    log: list[dict[str, Any]] = field(default_factory=list)


def rules_text() -> str:
    return prompts.TOOL_RULES.format(imports=", ".join(sorted(allowed_imports())))


async def admit(
    cand: Candidate, where: str, stage: str, timeout: float, out: Extracted
) -> ExtractedTool | None:
    """A candidate that passes the static checks and the sandbox, else a recorded rejection."""
    if cand.reason is not None or cand.spec is None or cand.name is None:
        out.rejections.append(
            Rejection(stage=stage, where=where, tool=cand.name, reason=cand.reason or "?")
        )
        return None
    res = await call_tool(cand.code, cand.name, cand.example, timeout)
    if not res.ok:
        what = "its example call" if cand.example is not None else "defining it"
        out.rejections.append(
            Rejection(
                stage=stage, where=where, tool=cand.name, reason=f"sandbox, {what}: {res.error}"
            )
        )
        return None
    return ExtractedTool(
        id=f"{where}/{cand.name}",
        trace_id=where,
        tags=cand.tags,
        tool_info=ToolInfo.model_validate(cand.spec),
        tool_code=cand.code,
        example=cand.example,
    )


def runnable(tool: ExtractedTool) -> Runnable:
    f = tool.tool_info.function
    return Runnable(
        ToolSpec(name=f.name, description=f.description, parameters=f.parameters), tool.tool_code
    )


async def verify(
    trace: Trace,
    tools: list[ExtractedTool],
    verifier: ModelHandle,
    judge: ModelHandle,
    s: ExtractSettings,
) -> dict[str, tuple[str, str]]:
    """name -> (effective|ineffective, reason) for every tool, after one verifier episode."""
    box = ToolBox([runnable(t) for t in tools], timeout=s.timeout)
    ep = await solve_with_tools(
        verifier, trace, box, s.solver_steps, s.solver_tokens, "toollibgen verify"
    )
    names = [t.tool_info.function.name for t in tools]
    listing = "; ".join(
        f"{t.tool_info.function.name}: {t.tool_info.function.description}" for t in tools
    )
    prompt = prompts.JUDGE_TOOLS.format(
        question=trace.question, answer=trace.answer, tools=listing, digest=transcript_digest(ep)
    )
    value, _, _ = await ask_json(judge, prompt, "tools", s.judge_tokens, repair=False)
    labels: dict[str, tuple[str, str]] = {}
    if value is not None and isinstance(value.get("tools"), list):
        for item in value["tools"]:
            if isinstance(item, dict) and item.get("name") in names:
                label = str(item.get("label", "")).strip().upper()
                if label in ("EFFECTIVE", "INEFFECTIVE"):
                    labels[item["name"]] = (label.lower(), str(item.get("reason", ""))[:300])
    if len(labels) < len(names):
        right = grade(ep.answer, trace.answer, bool(trace.choices))
        ran = {c["tool"] for c in ep.calls if c["ok"]}
        for n in names:
            if n not in labels:
                ok = right and n in ran
                why = "rule (judge gave no label): " + (
                    "used, and the answer is right"
                    if ok
                    else ("not used" if n not in ran else "used, but the answer is wrong")
                )
                labels[n] = ("effective" if ok else "ineffective", why)
    return labels


async def refine(
    trace: Trace,
    code: str,
    reason: str,
    gen: ModelHandle,
    s: ExtractSettings,
    out: Extracted,
) -> list[ExtractedTool]:
    """The generator's rewrite of one tool, admitted like a new candidate."""
    prompt = prompts.REFINE.format(
        rules=rules_text(), question=trace.question, answer=trace.answer, code=code, reason=reason
    )
    reply = await ask(gen, prompt, s.gen_tokens)
    cands = parse_reply(reply, set(allowed_imports()))
    if not cands:
        out.rejections.append(
            Rejection(stage="refine", where=trace.id, reason="reply holds no code")
        )
    kept = []
    for c in cands[:1]:
        t = await admit(c, trace.id, "refine", s.timeout, out)
        if t is not None:
            kept.append(t)
    return kept


async def extract_trace(
    trace: Trace,
    gen: ModelHandle,
    verifier: ModelHandle,
    judge: ModelHandle,
    s: ExtractSettings,
) -> Extracted:
    """Stage 1 for one trace."""
    out = Extracted()
    prompt = prompts.EXTRACT.format(
        rules=rules_text(),
        question=trace.question,
        reasoning=trace.reasoning,
        answer=trace.answer,
        max_tools=s.max_tools,
    )
    reply = await ask(gen, prompt, s.gen_tokens)
    cands = parse_reply(reply, set(allowed_imports()))[: s.max_tools]
    if not cands:
        out.rejections.append(
            Rejection(stage="extract", where=trace.id, reason="reply holds no code")
        )
    tools: dict[str, ExtractedTool] = {}
    failed: list[tuple[str, str]] = []  # (code, reason) of named candidates to repair
    seen: set[str] = set()
    for c in cands:
        if c.name is not None and c.name in seen:
            continue  # one function written twice: judged once
        seen.add(c.name or "")
        t = await admit(c, trace.id, "extract", s.timeout, out)
        if t is not None:
            tools[t.tool_info.function.name] = t
        else:
            failed.append((c.code, out.rejections[-1].reason))
    labels: dict[str, tuple[str, str]] = {}
    for rnd in range(s.refine_rounds + 1):
        if tools:
            labels = await verify(trace, list(tools.values()), verifier, judge, s)
            out.log.append({"trace": trace.id, "round": rnd, "labels": labels})
        if rnd == s.refine_rounds:
            break
        todo: list[tuple[str, str, str | None]] = [
            (tools[n].tool_code, f"judged INEFFECTIVE: {r}", n)
            for n, (lab, r) in labels.items()
            if lab == "ineffective" and n in tools
        ]
        todo += [(code, f"rejected: {why}", None) for code, why in failed]
        failed = []
        if not todo:
            break
        for code, why, old in todo:
            new = await refine(trace, code, why, gen, s, out)
            prev = tools[old].refined if old is not None else 0
            if old is not None and new:
                del tools[old]
            for t in new:
                t.refined = prev + 1
                tools[t.tool_info.function.name] = t
        labels = {}
    for name, t in list(tools.items()):
        if name in labels:
            t.verdict = labels[name][0]  # type: ignore[assignment]
        if s.drop_ineffective and t.verdict == "ineffective":
            out.rejections.append(
                Rejection(stage="verify", where=trace.id, tool=name, reason=labels[name][1])
            )
            del tools[name]
    out.tools = list(tools.values())
    return out
