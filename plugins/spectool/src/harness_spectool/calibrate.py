"""Calibrated agents: scripted agents that make each of the seven errors at a known rate.

The agent replays a query's ground truth (text protocol, "optional" arguments left out) and, at
each ground-truth call, draws with a seeded RNG which errors to make there, each with its rate:

* ``IFE``  an extra reply with no action line, before the call;
* ``IFN``  an extra call to a function that does not exist, before the call;
* ``IAN``  an extra copy of the call with an unknown argument added, before the call;
* ``IAT``  an extra copy of the call with one argument of the wrong type, before the call;
* ``RAC``  the call made twice in a row;
* ``IAC``  the call left out (exclusive: no other error at that call);
* ``IAV``  the call made with one argument's value changed (same type);
* ``IFE+IAN`` (combinations only) the IAN copy written with its JSON unclosed;
* ``IFN+IAT`` (combinations only) the IAT copy sent to a function that does not exist;

then finishes with the accepted answer. ``expected`` gives the counts the scorer must measure,
computed from the plan alone, with these masking rules:

1. a reply that cannot be parsed is one IFE and nothing else: a format error hides the argument
   error it carried (``IFE+IAN`` counts IFE only);
2. a call to an unknown function is one IFN and nothing else (``IFN+IAT`` counts IFN only);
3. IAC counts calls per API, not which call: an omitted call is hidden by any other call the agent
   made to the same API (an IAN or IAT copy, a repeat, ...), so IAC = sum over APIs of
   max(ground-truth calls - agent calls, 0);
4. an omitted call is also a ground-truth call that no agent call matches, so each omission adds
   one IAV as well (the paper's IAV rule);
5. IAN and IAT count at most once per step; RAC needs the earlier identical call to have been
   executed (in feedback mode, IAN/IAT/IFN calls are reported back and not executed).

The agent runs through the ordinary task (``harness run spectool -M answers=...``), so what is
measured is what any model would be measured with.
"""

from __future__ import annotations

import copy
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from harness_spectool.oracle import answer_text, gt_calls, opening
from harness_spectool.tools import domain_tools
from harness_spectool.world import load_world

SINGLE = ["IFE", "IFN", "IAN", "IAT", "RAC", "IAC", "IAV"]
COMBINED = ["IFE+IAN", "IFN+IAT"]
UNKNOWN_FUNCTION = "lookup_everything"
UNKNOWN_ARGUMENT = "zz_unknown_option"


@dataclass
class Plan:
    """One query's script and the errors made at each ground-truth call."""

    query_id: str
    replies: list[str]
    made: list[set[str]] = field(default_factory=list)
    expected: dict[str, int] = field(default_factory=dict)
    gt_size: int = 0


def _line(name: str, args: dict[str, Any], broken: bool = False) -> str:
    text = json.dumps(args, ensure_ascii=False)
    if broken:
        text = text[:-1]  # the closing brace left out: not a JSON object
    return f"Action: {name} with Action Input: {text}"


def _wrong_type(value: Any) -> Any:
    """A value of another type that no lenient comparison equates with ``value`` (so the
    mistyped copy never stands in for the real call)."""
    if isinstance(value, bool):
        return "maybe"
    if isinstance(value, int | float):
        return "n/a"
    if isinstance(value, str):
        return -12345
    return "not a " + type(value).__name__


def _wrong_value(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 7
    if isinstance(value, str):
        return value + " zz"
    if isinstance(value, list):
        return [*value, value[0]] if value else ["zz"]
    return {"zz": 1}


def _schemas(domain: str) -> dict[str, dict[str, Any]]:
    tools = domain_tools(load_world()).get(domain, [])
    return {t.name: t.parameters for t in tools}


def plan_query(query: dict[str, Any], rates: dict[str, float], seed: int) -> Plan:
    """The calibrated agent's script for ``query`` and the counts it must score."""
    rng = random.Random(f"{seed}:{query['id']}")
    schemas = _schemas(query["additional_info"]["tool"])
    calls = gt_calls(query)
    plan = Plan(query["id"], [], gt_size=len(calls))
    agent_calls: Counter[str] = Counter()
    counts = dict.fromkeys(SINGLE, 0)
    for c in calls:
        name, args = c["name"], c["arguments"]
        props = schemas[name].get("properties", {})
        typed = sorted(k for k in args if k in props)
        made = {p for p in [*SINGLE, *COMBINED] if rng.random() < rates.get(p, 0.0)}
        if "IAC" in made:
            made = {"IAC"} | (made & {"IFE", "IFN"})
        if not typed:  # no argument to mistype or change
            made -= {"IAT", "IAV", "IFN+IAT"}
        plan.made.append(made)
        if "IFE" in made:
            plan.replies.append("Let me think about which tool to use first.")
            counts["IFE"] += 1
        if "IFN" in made:
            plan.replies.append(_line(UNKNOWN_FUNCTION, args))
            counts["IFN"] += 1
        if "IFE+IAN" in made:
            plan.replies.append(_line(name, {**args, UNKNOWN_ARGUMENT: True}, broken=True))
            counts["IFE"] += 1  # rule 1
        if "IFN+IAT" in made:
            k = rng.choice(typed)
            plan.replies.append(_line(UNKNOWN_FUNCTION, {**args, k: _wrong_type(args[k])}))
            counts["IFN"] += 1  # rule 2
        if "IAN" in made:
            plan.replies.append(_line(name, {**args, UNKNOWN_ARGUMENT: True}))
            counts["IAN"] += 1
            agent_calls[name] += 1
        if "IAT" in made:
            k = rng.choice(typed)
            plan.replies.append(_line(name, {**args, k: _wrong_type(args[k])}))
            counts["IAT"] += 1
            agent_calls[name] += 1
        if "IAC" in made:
            counts["IAV"] += 1  # rule 4
            continue
        sent = copy.deepcopy(args)
        if "IAV" in made:
            k = rng.choice(typed)
            sent[k] = _wrong_value(sent[k])
            counts["IAV"] += 1
        plan.replies.append(_line(name, sent))
        agent_calls[name] += 1
        if "RAC" in made:
            plan.replies.append(_line(name, sent))
            counts["RAC"] += 1
            agent_calls[name] += 1
    need = Counter(c["name"] for c in calls)
    counts["IAC"] = sum(max(n - agent_calls[api], 0) for api, n in need.items())  # rule 3
    plan.replies.append(_line("finish", {"answer": answer_text(query)}))
    plan.expected = counts
    return plan


def scripts(
    queries: list[dict[str, Any]], rates: dict[str, float], seed: int = 0
) -> tuple[dict[str, list[str]], dict[str, Plan]]:
    """``-M answers=...`` for a scripted model, and each query's plan (by id)."""
    plans = {q["id"]: plan_query(q, rates, seed) for q in queries}
    answers = {opening(q, "text"): plans[q["id"]].replies for q in queries}
    return answers, plans


def expected_scores(plan: Plan, n: int, goal_type: int) -> dict[str, float]:
    """The paper's formulas on the expected counts (the agent always finishes)."""
    out = {p: max(0.0, (n - plan.expected[p]) / n) for p in SINGLE if p != "IAC"}
    out["IAC"] = (plan.gt_size - plan.expected["IAC"]) / plan.gt_size if plan.gt_size else 1.0
    if goal_type == 0:
        out["SR"] = sum(out[p] for p in SINGLE) / len(SINGLE)
    return out
