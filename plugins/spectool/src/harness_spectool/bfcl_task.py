"""The ``spectool-bfcl`` task: SpecTool's error patterns and BFCL-style AST correctness on BFCL."""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import zip_longest
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.context import SolveContext
from harness.schemas import Message, Sample, SampleRecord, Score, SolveOutput, ToolSpec
from harness.task import Task
from harness_spectool.bfcl import (
    CATEGORY_FILES,
    ast_check,
    ground_truth,
    json_schema,
    load_bfcl,
    user_text,
    values_equal,
)
from harness_spectool.parser import parse_actions
from harness_spectool.patterns import PATTERNS, Analysis, analyse
from harness_spectool.task import report_record, summarize_counts

SYSTEM = """You answer a request by calling functions. Write one line per call, in this form:
Action: FUNCTION_NAME with Action Input: {"parameter": value}
The Action Input is a JSON object. If the request needs several calls, write several lines.
Write nothing else.

Functions:
"""


class BfclOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    protocol: Literal["text", "native"] = Field(
        default="text", description="text: the paper's action lines; native: function calling."
    )
    categories: list[str] = Field(
        default_factory=lambda: list(CATEGORY_FILES), description="BFCL categories to run."
    )
    bfcl_path: str | None = Field(
        default=None,
        description="A BFCL data directory (with possible_answer/) to read the full files from.",
    )
    n: int = Field(default=10, ge=1, description="N in the (N - count)/N pattern scores.")
    missing_arg_as: Literal["IAV", "IAN"] = Field(
        default="IAV", description="Where a missing required argument counts (paper: IAV)."
    )
    max_tokens: int = Field(default=300, ge=16, description="Tokens of the reply.")
    ast_rules: Literal["official", "documented"] = Field(
        default="official",
        description="official: the released BFCL checker's rules; documented: its documented "
        "rules where the two differ (see the README).",
    )


def _bfcl_eq(value: Any, allowed: Any) -> bool:
    return values_equal(value, allowed)


class BfclTask(Task):
    roles = ()
    name = "spectool-bfcl"
    description = "SpecTool error patterns plus BFCL-style AST correctness on BFCL data."
    Options = BfclOptions
    group_by = ["category"]

    def samples(self) -> Iterable[Sample]:
        o: BfclOptions = self.options
        rows = load_bfcl(o.categories, o.bfcl_path)
        by_cat = [[r for r in rows if r["category"] == c] for c in o.categories]
        # round-robin over categories, so a --limit run spans them
        for r in (r for row in zip_longest(*by_cat) for r in row if r is not None):
            yield Sample(
                id=r["id"],
                input=user_text(r["question"]),
                target=r["ground_truth"],
                metadata={"category": r["category"], "functions": r["function"]},
            )

    async def solve(self, sample: Sample, ctx: SolveContext) -> SolveOutput:
        o: BfclOptions = self.options
        funcs = sample.metadata["functions"]
        if o.protocol == "text":
            lines = [
                f"- {f['name']}: {f.get('description', '')} Parameters: "
                f"{json.dumps(json_schema(f['parameters']))}"
                for f in funcs
            ]
            messages = [
                Message(role="system", content=SYSTEM + "\n".join(lines)),
                Message(role="user", content=str(sample.input)),
            ]
            response = await ctx.model.generate(messages, max_tokens=o.max_tokens)
            steps = []
            for k, act in enumerate(parse_actions(response.text), 1):
                if act.ok:
                    steps.append(
                        {
                            "step": k,
                            "kind": "call",
                            "name": act.name,
                            "arguments": act.arguments,
                            "executed": True,
                        }
                    )
                else:
                    steps.append(
                        {
                            "step": k,
                            "kind": "format_error",
                            "error": act.error,
                            "raw": response.text[:2000],
                        }
                    )
        else:
            alias = {f["name"].replace(".", "_"): f["name"] for f in funcs}
            tools = [
                ToolSpec(
                    name=f["name"].replace(".", "_"),
                    description=f.get("description", ""),
                    parameters=json_schema(f["parameters"]),
                )
                for f in funcs
            ]
            messages = [Message(role="user", content=str(sample.input))]
            response = await ctx.model.generate(messages, tools, max_tokens=o.max_tokens)
            steps = []
            for k, c in enumerate(response.tool_calls, 1):
                if c.parse_error:
                    steps.append({"step": k, "kind": "format_error", "error": c.parse_error})
                else:
                    steps.append(
                        {
                            "step": k,
                            "kind": "call",
                            "name": alias.get(c.name, c.name),
                            "arguments": c.arguments,
                            "executed": True,
                        }
                    )
            if not steps:
                steps.append(
                    {
                        "step": 1,
                        "kind": "format_error",
                        "error": "no function call",
                        "raw": response.text[:2000],
                    }
                )
        return SolveOutput(
            completion=response.text,
            messages=[*messages, response.message()],
            metadata={"steps": steps, "protocol": o.protocol},
        )

    def analyse(self, sample: Sample, output: SolveOutput) -> Analysis:
        o: BfclOptions = self.options
        funcs = sample.metadata["functions"]
        tools = {f["name"]: f["parameters"] for f in funcs}
        gt = ground_truth(sample.target or [])
        return analyse(
            output.metadata.get("steps", []),
            tools,
            [gt] if gt else [],
            None,
            0,
            n=o.n,
            missing_as=o.missing_arg_as,
            eq=_bfcl_eq,
        )

    def ast(self, sample: Sample, output: SolveOutput) -> tuple[bool, str]:
        steps = output.metadata.get("steps", [])
        if any(s.get("kind") == "format_error" for s in steps):
            return False, "unparsable output"
        calls = [(s["name"], s.get("arguments") or {}) for s in steps]
        return ast_check(
            calls,
            sample.target or [],
            sample.metadata["functions"],
            category=sample.metadata["category"],
            rules=self.options.ast_rules,
        )

    def score(self, sample: Sample, output: SolveOutput) -> dict[str, Score]:
        a = self.analyse(sample, output)
        ok, why = self.ast(sample, output)
        out = {"AST": Score(value=1.0 if ok else 0.0, explanation=why)}
        for p in ("IAC", "RAC", "IAV", "IFE", "IAT", "IAN", "IFN"):
            out[p] = Score(value=a.scores[p], metadata={"count": a.counts[p]})
        return out

    def summarize(self, records: list[SampleRecord]) -> dict[str, Any]:
        return summarize_counts(self, records)

    def report(self, record: SampleRecord) -> str | None:
        text = report_record(self, record)
        if text is None or record.output is None:
            return text
        sample = Sample(
            id=record.sample_id, input=record.input, target=record.target, metadata=record.metadata
        )
        ok, why = self.ast(sample, record.output)
        return text + f"\nAST: {'correct' if ok else 'wrong'} ({why})"


__all__ = ["PATTERNS", "BfclTask"]
