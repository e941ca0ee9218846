"""A hand-written ToolLibGen case whose stage outputs are known, and scripted models for it.

Three families of questions (percent discounts, distance from speed and time, total cost of
items), four questions each. Stage 1's "correct" per-question tools are what an extractor
following the paper's rule "knowledge in static variables" writes: one parameter, the other
quantity hard-coded, a generic description. The known library is one general tool per family
(both quantities as parameters); its "broken" variant imports os (discounts), hangs
(distance) or returns a wrong value (cost), so the sandbox, resp. the review, must reject it.

The scripted solver knows each question's named quantities and a step description (its
retrieval query); it calls the best-ranked retrieved tool whose required parameters it can fill
and answers what the tool returns. It is right exactly when the tool it picks computes the
question's answer, so its accuracy measures the tools, not the solver."""

from __future__ import annotations

import json
import re
from typing import Any

from harness_toollibgen.schema import Trace

from harness.model import GenerateConfig, Model, ModelHandle, WrappedModel
from harness.schemas import Message, ModelResponse, ToolCall, ToolSpec, Usage

FAMILIES: dict[str, dict[str, Any]] = {
    "discount": {
        "step": "price after a percent discount",
        "params": ("price", "percent"),
        "general": "apply_percent_discount",
        "answer": lambda q: q["price"] * (1 - q["percent"] / 100),
        "questions": [
            ("lamp", "A lamp costs $50 and is sold at 20% off. What is its sale price?", 50, 20),
            (
                "coat",
                "A coat is priced at $120 with a 25% discount. What does it cost now?",
                120,
                25,
            ),
            ("sofa", "A $400 sofa is marked down by 10%. What is the new price?", 400, 10),
            ("boots", "Boots cost $90. During a sale they are 30% off. What do they cost?", 90, 30),
        ],
        "tools": [
            ("sale_price_after_discount", "Price after the store discount is taken off."),
            ("discounted_price", "Compute a discounted price."),
            ("price_with_markdown", "Price of an item after its markdown."),
            ("final_price_after_sale", "Final price after the sale percentage is removed."),
        ],
        "const": "PERCENT",
    },
    "distance": {
        "step": "distance travelled from speed and time",
        "params": ("speed", "hours"),
        "general": "distance_from_speed_and_time",
        "answer": lambda q: q["speed"] * q["hours"],
        "questions": [
            ("bus", "A bus drives at 50 miles per hour for 3 hours. How far does it go?", 50, 3),
            (
                "runner",
                "A runner keeps 8 miles per hour for 2 hours. How many miles does she run?",
                8,
                2,
            ),
            (
                "plane",
                "A plane flies at 500 miles per hour for 4 hours. How far does it fly?",
                500,
                4,
            ),
            (
                "boat",
                "A boat moves at 12 miles per hour for 5 hours. What distance does it cover?",
                12,
                5,
            ),
        ],
        "tools": [
            ("distance_travelled", "Distance covered in the given hours at the constant speed."),
            ("miles_driven", "Miles driven over some hours."),
            ("trip_length", "Length of a trip from its duration."),
            ("route_distance", "How far one gets in the given time."),
        ],
        "const": "SPEED",
    },
    "cost": {
        "step": "total cost of several items at a unit price",
        "params": ("unit_price", "count"),
        "general": "total_cost_of_items",
        "answer": lambda q: q["unit_price"] * q["count"],
        "questions": [
            ("pens", "Pens cost $2 each. How much do 7 pens cost?", 2, 7),
            ("tickets", "A ticket costs $15. What do 6 tickets cost in total?", 15, 6),
            ("melons", "Melons are $3 each. How much must Joe pay for 9 melons?", 3, 9),
            ("books", "Each book costs $12. How much are 5 books?", 12, 5),
        ],
        "tools": [
            ("total_cost", "Total cost of the items bought."),
            ("purchase_amount", "Amount paid for a purchase."),
            ("bill_total", "The bill for some units."),
            ("order_price", "Price of a whole order."),
        ],
        "const": "UNIT",
    },
}


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def traces() -> list[Trace]:
    out = []
    for fam, f in FAMILIES.items():
        for qid, text, a, b in f["questions"]:
            q = dict(zip(f["params"], (a, b), strict=True))
            out.append(
                Trace(
                    id=qid,
                    question=text,
                    reasoning=f"Use {f['step']}: {a} and {b} give {_fmt(f['answer'](q))}.",
                    answer=_fmt(f["answer"](q)),
                    quantities={**q, "_step": f["step"], "_family": fam},
                )
            )
    return out


def specific_tool(qid: str) -> str:
    """The per-question tool stage 1's extractor writes for ``qid`` (one constant baked in)."""
    for f in FAMILIES.values():
        for i, (q, _, a, b) in enumerate(f["questions"]):
            if q == qid:
                name, desc = f["tools"][i]
                p_free = f["params"][0]
                fixed = b
                if f["const"] == "SPEED":  # distance: speed fixed, hours free
                    p_free, fixed = "hours", a
                    body = f"return {f['const']} * hours"
                elif f["const"] == "UNIT":
                    p_free, fixed = "count", a
                    body = f"return {f['const']} * count"
                else:
                    body = f"return price * (1 - {f['const']} / 100)"
                example = {"price": a, "hours": b, "count": b}[p_free]
                return (
                    f"{f['const']} = {fixed}\n\n\n"
                    f"def {name}({p_free}: float) -> float:\n"
                    f'    """{desc}\n\n    Args:\n        {p_free} (float): the amount.\n\n'
                    f"    Returns:\n        float: the result.\n\n"
                    f'    Example: {name}({p_free}={example})\n    """\n'
                    f"    {body}\n"
                )
    raise KeyError(qid)


GENERAL = {
    "apply_percent_discount": (
        "Price after taking a percent discount off.",
        "def apply_percent_discount(price: float, percent: float) -> float:\n"
        '    """Price after taking a percent discount off.\n\n    Args:\n'
        "        price (float): the original price.\n"
        "        percent (float): the discount in %.\n\n"
        '    Example: apply_percent_discount(price=80, percent=15)\n    """\n'
        "    return price * (1 - percent / 100)\n",
    ),
    "distance_from_speed_and_time": (
        "Distance travelled at a constant speed over a time.",
        "def distance_from_speed_and_time(speed: float, hours: float) -> float:\n"
        '    """Distance travelled at a constant speed over a time.\n\n    Args:\n'
        "        speed (float): speed per hour.\n        hours (float): time in hours.\n\n"
        '    Example: distance_from_speed_and_time(speed=60, hours=2)\n    """\n'
        "    return speed * hours\n",
    ),
    "total_cost_of_items": (
        "Total cost of several items at a unit price.",
        "def total_cost_of_items(unit_price: float, count: float) -> float:\n"
        '    """Total cost of several items at a unit price.\n\n    Args:\n'
        "        unit_price (float): price of one item.\n        count (float): how many.\n\n"
        '    Example: total_cost_of_items(unit_price=3, count=4)\n    """\n'
        "    return unit_price * count\n",
    ),
}

BROKEN = {
    "apply_percent_discount": GENERAL["apply_percent_discount"][1].replace(
        "def apply", "import os\n\n\ndef apply"
    ),
    "distance_from_speed_and_time": GENERAL["distance_from_speed_and_time"][1].replace(
        "    return speed * hours", "    while True:\n        speed += 1"
    ),
    "total_cost_of_items": GENERAL["total_cost_of_items"][1].replace(
        "unit_price * count\n", "unit_price + count\n"
    ),
}


def family_of_tool(name: str) -> str:
    for fam, f in FAMILIES.items():
        if name in [t[0] for t in f["tools"]] or name == f["general"]:
            return fam
    raise KeyError(name)


def _reply(text: str = "", calls: list[ToolCall] | None = None) -> ModelResponse:
    return ModelResponse(
        text=text,
        tool_calls=calls or [],
        model="scripted/handwritten",
        usage=Usage(input_tokens=1, output_tokens=1),
        finish_reason="tool_calls" if calls else "stop",
    )


class ScriptedGenerator(Model):
    """Plays the generator and judge roles of the hand-written case (``broken``: the general
    tools it implements are the broken ones)."""

    provider = "scripted"

    def __init__(self, broken: bool = False) -> None:
        super().__init__("handwritten-generator")
        self.broken = broken
        self.calls: list[str] = []

    async def generate(
        self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
    ) -> ModelResponse:
        prompt = messages[-1].content
        job = re.match(r"Job: ([\w-]+)", prompt)
        kind = job.group(1) if job else "?"
        self.calls.append(kind)
        if kind == "extract-tools":
            qid = next(t.id for t in traces() if t.question in prompt)
            return _reply(
                f"<tool><tags>{traces_by_id()[qid].quantities['_family']}</tags>\n```python\n{specific_tool(qid)}```\n</tool>"
            )
        if kind == "refine-tool":
            code = re.search(r"```python\n(.*?)```", prompt, re.S)
            return _reply(f"<tool>```python\n{code.group(1) if code else ''}```</tool>")
        if kind == "blueprint":
            ids = re.findall(r"^\[([^\]]+)\]", prompt, re.M)
            fams: dict[str, list[str]] = {}
            for i in ids:
                fams.setdefault(family_of_tool(i.split("/")[1]), []).append(i)
            designs = [
                {
                    "name": FAMILIES[f]["general"],
                    "description": GENERAL[FAMILIES[f]["general"]][0],
                    "covers": c,
                }
                for f, c in fams.items()
            ]
            return _reply(json.dumps({"tools": designs}))
        if kind == "generalize":
            return _reply(prompt[prompt.index("{") : prompt.rindex("}") + 1])
        if kind == "implement":
            name = re.search(r"Name: (\w+)", prompt).group(1)  # type: ignore[union-attr]
            code = BROKEN[name] if self.broken else GENERAL[name][1]
            return _reply(f"<tool><tags>x</tags>\n```python\n{code}```\n</tool>")
        if kind in ("judge-tools", "review"):
            gold = re.search(r"Gold answer: (.*)", prompt).group(1).strip()  # type: ignore[union-attr]
            got = re.findall(r"Final Answer: (.*)", prompt)
            ok = bool(got) and got[-1].strip() == gold
            if kind == "review":
                verdict = "PASS" if ok else "NEED_PATCHING"
                return _reply(
                    json.dumps(
                        {
                            "verdict": verdict,
                            "reason": "answer " + ("right" if ok else "wrong"),
                            "suggestions": "" if ok else "return the right value",
                        }
                    )
                )
            names = re.findall(r"(\w+): ", prompt.split("Tools: ", 1)[1].split("\n", 1)[0])
            label = "EFFECTIVE" if ok else "INEFFECTIVE"
            return _reply(
                json.dumps({"tools": [{"name": n, "label": label, "reason": "-"} for n in names]})
            )
        return _reply("")


def traces_by_id() -> dict[str, Trace]:
    return {t.id: t for t in traces()}


class ScriptedSolver(Model):
    """Retrieves with its step description (when a retrieval tool is offered), calls the first
    ranked (or offered) tool whose required parameters it knows, answers the tool's result."""

    provider = "scripted"

    def __init__(self, k: int = 3) -> None:
        super().__init__("handwritten-solver")
        self.k = k

    async def generate(
        self, messages: list[Message], tools: list[ToolSpec] | None, config: GenerateConfig
    ) -> ModelResponse:
        user = next(m.content for m in messages if m.role == "user")
        trace = next(t for t in traces() if t.question in user)
        known = {k: v for k, v in trace.quantities.items() if not k.startswith("_")}
        specs = {t.name: t for t in tools or []}
        tool_msgs = [m for m in messages if m.role == "tool"]
        asked = [m for m in messages if m.role == "assistant" and m.tool_calls]
        if "retrieve_relevant_tools" in specs and not asked:
            call = ToolCall(
                id="r",
                name="retrieve_relevant_tools",
                arguments={"query": trace.quantities["_step"], "k": self.k},
            )
            return _reply(calls=[call])
        if len(asked) == (2 if "retrieve_relevant_tools" in specs else 1):
            return _reply(f"Final Answer: {_num(tool_msgs[-1].content)}")
        order = [x["name"] for x in json.loads(tool_msgs[-1].content)] if tool_msgs else list(specs)
        for name in order:
            spec = specs.get(name)
            if spec and set(spec.parameters.get("required", [])) <= set(known):
                args = {p: known[p] for p in spec.parameters["properties"] if p in known}
                return _reply(calls=[ToolCall(id="c", name=name, arguments=args)])
        return _reply("Final Answer: unknown")


def _num(text: str) -> str:
    try:
        return _fmt(float(text))
    except ValueError:
        return text


def handle(model: Model, role: str = "agent") -> ModelHandle:
    return ModelHandle(WrappedModel(model), GenerateConfig(), role)
