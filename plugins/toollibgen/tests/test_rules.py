"""The deterministic rules: reply parsing and static checks, code -> tool spec, strict grading,
Recall@k, cluster thresholds and hierarchy operations, library validation, and the sandbox
rejecting what it must (a disallowed import even when the static check is bypassed, a hang,
the network)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from harness_toollibgen.cluster import (
    Clustering,
    apply_operations,
    llm_clusters,
    merge,
    thresholds,
)
from harness_toollibgen.codegen import parse_reply
from harness_toollibgen.execute import BASE_IMPORTS, call_tool
from harness_toollibgen.grading import final_answer, grade, recall_at_k, to_number
from harness_toollibgen.schema import ExtractedTool, ToolInfo, load_library, load_traces
from harness_toollibgen.task import Accuracy, Recall5

from harness.errors import UserError
from harness.model import GenerateConfig, Model, ModelHandle, WrappedModel
from harness.schemas import Message, ModelResponse, Sample, SolveOutput, ToolSpec, Usage

ALLOWED = set(BASE_IMPORTS)

GOOD = '''<tool><tags>percent, discount</tags>
```python
import math

RATE = 0.2


def sale_price(price: float, rounded: bool = False) -> float:
    """Price after a 20% discount.

    Args:
        price (float): the original price.
        rounded (bool): round up to a whole number.

    Returns:
        float: the sale price.

    Example: sale_price(price=50)
    """
    p = price * (1 - RATE)
    return math.ceil(p) if rounded else p
```
</tool>'''


def test_good_tool_becomes_openai_spec() -> None:
    (c,) = parse_reply(GOOD, ALLOWED)
    assert c.reason is None and c.tags == ["percent", "discount"]
    assert c.spec == {
        "type": "function",
        "function": {
            "name": "sale_price",
            "description": "Price after a 20% discount.",
            "parameters": {
                "type": "object",
                "properties": {
                    "price": {"type": "number", "description": "the original price."},
                    "rounded": {"type": "boolean", "description": "round up to a whole number."},
                },
                "required": ["price"],
            },
        },
    }
    assert c.example == {"price": 50}


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("def f(x: int) -> int:\n    return x +\n", "does not parse: line 2"),
        ("import os\n\ndef f(x: int) -> int:\n    '''Doc.'''\n    return x\n", "'os'"),
        ("from socket import socket\ndef f(x: int):\n    '''Doc.'''\n", "'socket'"),
        ("def f(x: int):\n    '''Doc.'''\n    return eval('1')\n", "eval()"),
        ("def f(x: int):\n    '''Doc.'''\n    return x.__class__\n", "'__class__'"),
        ("def f(x):\n    '''Doc.'''\n    return x\n", "no type annotation"),
        ("def f(x: dict):\n    '''Doc.'''\n    return x\n", "JSON strings"),
        ("def f(*xs: int):\n    '''Doc.'''\n    return 1\n", "plain named"),
        ("def f(x: int):\n    return x\n", "no docstring"),
        ("def f(x: int):\n    '''Doc.\n\n    Example: f(x=y)\n    '''\n", "not literals"),
        ("X = 1\n", "no public function"),
    ],
)
def test_static_rejections_say_why(code: str, reason: str) -> None:
    (c,) = parse_reply(f"<tool>```python\n{code}```</tool>", ALLOWED)
    assert c.spec is None and c.reason is not None and reason in c.reason


def test_bare_fences_and_no_code() -> None:
    reply = "Here:\n```python\ndef g(a: str) -> str:\n    '''Echo.'''\n    return a\n```"
    assert [c.name for c in parse_reply(reply, ALLOWED)] == ["g"]
    assert parse_reply("I cannot write code.", ALLOWED) == []


def test_sandbox_enforces_the_allow_list_hangs_and_network() -> None:
    async def run() -> list[object]:
        return list(
            await asyncio.gather(
                call_tool("def f(x: int) -> int:\n    return x * 2\n", "f", {"x": 21}, 10),
                call_tool("import os\ndef f() -> str:\n    return os.getcwd()\n", "f", {}, 10),
                call_tool("def f() -> int:\n    while True:\n        pass\n", "f", {}, 1.0),
                call_tool(
                    "def f() -> str:\n    s = __import__('socket').create_connection(\n"
                    "        ('1.1.1.1', 80), 2)\n    return 'reached'\n",
                    "f",
                    {},
                    10,
                ),
                call_tool(
                    "from fractions import Fraction\ndef f() -> object:\n"
                    "    return Fraction(1, 4)\n",
                    "f",
                    {},
                    10,
                ),
            )
        )

    ok, imp, hang, net, frac = asyncio.run(run())
    assert ok.ok and ok.value == 42  # type: ignore[attr-defined]
    assert not imp.ok and "not allowed" in imp.error  # type: ignore[attr-defined]
    assert not hang.ok and hang.error == "timed out (CPU time)"  # type: ignore[attr-defined]
    assert not net.ok and "not allowed" in net.error  # type: ignore[attr-defined]
    assert frac.ok and frac.value == 0.25  # type: ignore[attr-defined]


def test_final_answer_and_strict_grading() -> None:
    assert final_answer("so 12.\nFinal Answer: $1,200.") == "$1,200."
    assert final_answer("the answer is 12") is None
    assert grade("$1,200.", "1200") and grade("3/4", "0.75") and grade("40%", "40")
    assert not grade("12 or 13", "12")  # two numbers: not a single answer
    assert not grade(None, "12")
    # multiple choice: the letter only (the released code's `gt in pred` accepts this)
    assert not grade("A, not B", "B", multiple_choice=True)
    assert grade("(B) $50", "B", True) and grade("b.", "B", True)
    assert not grade("Because", "B", multiple_choice=True)
    assert grade("B", "B", multiple_choice=True)
    assert grade("9:20 PM", "9:20 pm") and not grade("9:25 pm", "9:20 pm")
    assert to_number("-3.5 km") == -3.5


def test_recall_at_k_hand_computed() -> None:
    ranked = ["a", "b", "c", "d", "e", "f"]
    assert recall_at_k(ranked, ["c", "z"], 1) == 0.0
    assert recall_at_k(ranked, ["c", "z"], 3) == 0.5
    assert recall_at_k(ranked, ["a", "c"], 3) == 1.0
    assert recall_at_k(ranked, [], 5) is None
    out = SolveOutput(metadata={"ranked": ranked, "gold_tools": ["e", "a"]})
    assert Recall5().score(Sample(id="q", input="?"), out).value == 1.0
    acc = Accuracy().score(
        Sample(id="q", input="?", target="7"), SolveOutput(completion="Final Answer: 7")
    )
    assert acc.value == 1.0


def test_thresholds_scale_and_merge_drops_and_splits() -> None:
    assert thresholds(10000, None, None) == (50, 300)  # the paper's values at its scale
    assert thresholds(100, None, None) == (1, 8)
    assert thresholds(100, 3, 4) == (3, 4)
    c = Clustering(
        leaves={"small": ["a", "b"], "big": [str(i) for i in range(10)], "ok": ["x"] * 3}
    )
    merge(c, 100, 3, 4)
    assert sorted(c.leaves) == ["big_1", "big_2", "big_3", "ok"]
    assert [len(c.leaves[k]) for k in ("big_1", "big_2", "big_3")] == [4, 4, 2]
    assert {r.tool for r in c.rejections} == {"a", "b"}


def test_hierarchy_operations() -> None:
    nodes = [{"id": "root", "name": "root", "parent": None}]
    refused = apply_operations(
        nodes,
        [
            {"op": "ADD_NODE", "id": "alg", "name": "algebra", "parent": "root"},
            {"op": "ADD_NODE", "id": "lin", "name": "linear", "parent": "alg"},
            {"op": "MODIFY_NODE", "id": "alg", "name": "Algebra"},
            {"op": "MODIFY_NODE", "id": "nope", "name": "x"},
            {"op": "DELETE_NODE", "id": "lin"},
        ],
    )
    assert [n["name"] for n in nodes] == ["root", "Algebra", "linear"]
    assert nodes[2]["parent"] == "alg" and len(refused) == 2


def _library(tmp_path: Path, data: object) -> Path:
    p = tmp_path / "library.json"
    p.write_text(json.dumps(data))
    return p


def test_library_validated_at_load(tmp_path: Path) -> None:
    tool = {
        "tool_info": {
            "type": "function",
            "function": {
                "name": "f",
                "description": "d",
                "parameters": {"type": "object", "properties": {}},
            },
        },
        "tool_code": "def f():\n    return 1\n",
        "cluster": "c",
        "covers": ["q/f"],
    }
    good = {
        "format_version": 1,
        "kind": "library",
        "tools": [tool],
        "mapping": {"q/f": "f"},
        "question_tools": {"q": ["q/f"]},
    }
    assert load_library(_library(tmp_path, good)).covering("q") == ["f"]
    with pytest.raises(UserError, match="tools/0: 'tool_code' is a required property"):
        load_library(
            _library(
                tmp_path, {**good, "tools": [{k: v for k, v in tool.items() if k != "tool_code"}]}
            )
        )
    with pytest.raises(UserError, match="mapping names tools it lacks: g"):
        load_library(_library(tmp_path, {**good, "mapping": {"q/f": "g"}}))
    with pytest.raises(UserError, match="not JSON"):
        (tmp_path / "library.json").write_text("{")
        load_library(tmp_path)
    bad = tmp_path / "t.jsonl"
    bad.write_text(
        '{"id": "a", "question": "q", "reasoning": "r", "answer": "1"}\n'
        '{"id": "b", "question": ""}\n'
    )
    with pytest.raises(UserError, match="record 1"):
        load_traces(bad)


class _Clusterer(Model):
    """Plays the generator in LLM clustering: a seed hierarchy, one update, assignments (one
    tool left out, one sent to an unknown leaf), the first assignment reply malformed once."""

    provider = "scripted"

    def __init__(self) -> None:
        super().__init__("clusterer")
        self.jobs: list[str] = []

    async def generate(
        self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
    ) -> ModelResponse:
        prompt = messages[-1].content
        job = prompt.split("\n", 1)[0].removeprefix("Job: ")
        self.jobs.append(job)
        if job == "cluster-seed":
            text = json.dumps(
                {
                    "clusters": [
                        {"id": "math", "name": "math", "parent": None},
                        {"id": "pct", "name": "percentages", "parent": "math"},
                    ]
                }
            )
        elif job == "cluster-update":
            text = json.dumps(
                {
                    "operations": [
                        {"op": "ADD_NODE", "id": "geo", "name": "geometry", "parent": "math"},
                        {"op": "MODIFY_NODE", "id": "pct", "name": "percent and discount"},
                    ]
                }
            )
        elif job == "cluster-assign" and self.jobs.count("cluster-assign") == 1:
            text = "assign: not json"
        elif job in ("cluster-assign", "json-repair"):
            text = json.dumps({"assign": {"discount": "pct", "area": "geo", "perimeter": "nope"}})
        else:
            text = ""
        return ModelResponse(text=text, model="scripted/clusterer", usage=Usage())


def _tool(name: str) -> ExtractedTool:
    spec = {
        "name": name,
        "description": f"{name} of something",
        "parameters": {"type": "object", "properties": {}},
    }
    return ExtractedTool(
        id=f"q/{name}", trace_id="q", tool_info=ToolInfo(function=spec), tool_code=""
    )


def test_llm_clustering_seed_update_assign() -> None:
    m = _Clusterer()
    h = ModelHandle(WrappedModel(m), GenerateConfig(), "generator")
    tools = [_tool(n) for n in ("discount", "area", "perimeter", "volume")]
    c = asyncio.run(
        llm_clusters(tools, h, seed_batch=2, update_batch=2, assign_batch=4, max_tokens=None)
    )
    assert m.jobs == ["cluster-seed", "cluster-update", "cluster-assign", "json-repair"]
    names = {n["id"]: n["name"] for n in c.nodes}
    assert names["pct"] == "percent and discount" and names["geo"] == "geometry"
    assert c.leaves == {
        "pct": ["q/discount"],
        "geo": ["q/area"],
        "unassigned": ["q/perimeter", "q/volume"],
    }
